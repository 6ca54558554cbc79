// vcs-agent: relays a cloud platform's requests to an internal VCS through an allowlist.

#include "agent/agentsettings.h"
#include "common/allocator.h"
#include "filter/checkcommand.h"
#include "log/logging.h"
#include "servicemode.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QTextStream>

#ifdef VCS_AGENT_WITH_GUI
#include "desktopmode.h"
#endif

#ifdef Q_OS_WIN
#include "common/signalwatcher.h"
#include "windowsservice.h"

#include <QDir>
#include <cstdio>
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

#ifdef Q_OS_WIN
// Runs the headless agent as the Windows service that the installer registers with
// `--no-gui --windows-service`. A service has no console, so standard output (the access log)
// and standard error (diagnostics) are appended to files in %ProgramData%\vcs-agent.
// NOTE: nothing rotates these two files yet.
int runAsWindowsService(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    setApplicationNames();
    Logging::installHandler();
    QStringList arguments = app.arguments();
    arguments.removeAll(QStringLiteral("--windows-service"));

    const auto run = [&app, &arguments] {
        const QString logDir = QDir::fromNativeSeparators(qEnvironmentVariable("ProgramData"))
                + QStringLiteral("/vcs-agent");
        if (QDir().mkpath(logDir)) {
            const QString accessLog = QDir::toNativeSeparators(logDir
                                                               + QStringLiteral("/access.log"));
            const QString agentLog = QDir::toNativeSeparators(logDir
                                                              + QStringLiteral("/agent.log"));
            _wfreopen(reinterpret_cast<const wchar_t *>(accessLog.utf16()), L"a", stdout);
            _wfreopen(reinterpret_cast<const wchar_t *>(agentLog.utf16()), L"a", stderr);
        }
        return runServiceMode(app, arguments);
    };
    const int exitCode = runWindowsService(run, [] { SignalWatcher::requestTermination(); });
    if (exitCode < 0) {
        QTextStream(stderr) << "vcs-agent: --windows-service works only when the Windows service "
                               "control manager starts the agent; run `sc start vcs-agent`\n";
        return ExitBadSettings;
    }
    return exitCode;
}
#endif

} // namespace

int main(int argc, char *argv[])
{
    Allocator::tuneForStreaming();
#ifdef Q_OS_WIN
    if (hasArgument(argc, argv, "--windows-service")) {
        return runAsWindowsService(argc, argv);
    }
#endif
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
