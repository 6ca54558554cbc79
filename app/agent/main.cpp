// vcs-agent: relays a cloud platform's requests to an internal VCS through an allowlist.

#include "agent/agentsettings.h"
#include "filter/checkcommand.h"
#include "log/logging.h"
#include "servicemode.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QTextStream>

#ifdef VCS_AGENT_WITH_GUI
#include "desktopmode.h"
#endif

namespace {

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setOrganizationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VCS_AGENT_VERSION));
}

bool hasArgument(int argc, char *argv[], const char *name)
{
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int runHeadless(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    setApplicationNames();
    Logging::installHandler();
    const AgentSettingsResult parsed = AgentSettingsReader::read(
            app.arguments(), QProcessEnvironment::systemEnvironment(), false);
    if (parsed.helpRequested) {
        QTextStream(stdout) << parsed.helpText;
        return ExitOk;
    }
    if (parsed.versionRequested) {
        QTextStream(stdout) << "vcs-agent " << QCoreApplication::applicationVersion() << '\n';
        return ExitOk;
    }
    return runServiceMode(app, app.arguments());
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "check") == 0) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        QStringList arguments = app.arguments();
        arguments.removeAt(1);
        QTextStream out(stdout);
        QTextStream err(stderr);
        return runCheckCommand(arguments.mid(1), QProcessEnvironment::systemEnvironment(), out,
                               err);
    }
    const bool headless = hasArgument(argc, argv, "--no-gui") || hasArgument(argc, argv, "--help")
            || hasArgument(argc, argv, "-h") || hasArgument(argc, argv, "--version")
            || hasArgument(argc, argv, "-v");
#ifdef VCS_AGENT_WITH_GUI
    if (!headless) {
        return runDesktopMode(argc, argv);
    }
#endif
    Q_UNUSED(headless)
    return runHeadless(argc, argv);
}
