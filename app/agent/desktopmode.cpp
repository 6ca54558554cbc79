#include "desktopmode.h"

#include "common/signalwatcher.h"
#include "credentialstore.h"
#include "desktopagent.h"
#include "desktopsettings.h"
#include "displaycheck.h"
#include "icons.h"
#include "inspectionwindow.h"
#include "log/logging.h"
#include "mainwindow.h"
#include "servicemode.h"
#include "traycontroller.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QProcessEnvironment>
#include <QTranslator>
#include <cstdio>

namespace {

const QString keychainService = QStringLiteral("vcs-agent");
const QString keychainKey = QStringLiteral("pool-token");

void installTranslators(QApplication &app)
{
    // The translators live as long as the application.
    auto *qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QApplication::installTranslator(qtTranslator);
    }
    auto *translator = new QTranslator(&app);
    if (translator->load(QLocale(), QStringLiteral("vcs-agent"), QStringLiteral("_"),
                         QStringLiteral(":/i18n"))) {
        QApplication::installTranslator(translator);
    }
}

int runInspection(QApplication &app, const QString &fileName)
{
    DesktopSettings settings;
    InspectionWindow window(&settings);
    window.show();
    window.open(fileName);
    QApplication::setQuitOnLastWindowClosed(true);
    return app.exec();
}

} // namespace

int runDesktopMode(int argc, char *argv[])
{
    QStringList rawArguments;
    for (int i = 0; i < argc; ++i) {
        rawArguments.append(QString::fromLocal8Bit(argv[i]));
    }
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // QApplication aborts without a display, so the check comes before it exists.
    if (!DisplayCheck::hasDisplay(environment, rawArguments)) {
        std::fputs("vcs-agent: no display found (DISPLAY and WAYLAND_DISPLAY are unset); run "
                   "vcs-agent --no-gui to run as a service\n",
                   stderr);
        return ExitFailure;
    }

    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setOrganizationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VCS_AGENT_VERSION));
    QApplication::setApplicationDisplayName(QStringLiteral("VCS Agent"));
    QApplication::setWindowIcon(Icons::appIcon());
    QApplication::setQuitOnLastWindowClosed(false);
    Logging::installHandler();
    installTranslators(app);

    const AgentSettingsResult parsed =
            AgentSettingsReader::read(app.arguments(), environment, false);
    if (!parsed.inspectFile.isEmpty()) {
        return runInspection(app, parsed.inspectFile);
    }

    DesktopSettings settings;
    CredentialStore credentials(keychainService, keychainKey);
    DesktopAgent agent(app.arguments(), environment, &settings, &credentials);
    MainWindow window(&agent);
    TrayController tray(&agent, &window);
    QObject::connect(&window, &MainWindow::quitRequested, &agent, &DesktopAgent::quit);
    // exit(), unlike quit(), does not close the windows first, which would ask to quit again.
    QObject::connect(&agent, &DesktopAgent::quitReady, &app,
                     [] { QCoreApplication::exit(ExitOk); });

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &app,
                     [&agent](int signalNumber, int count) {
                         if (count > 1) {
                             QApplication::exit(ExitFailure);
                             return;
                         }
                         qCInfo(lcAgent) << "signal" << signalNumber << "received";
                         agent.quit();
                     });

    tray.start();
    agent.start();
    return app.exec();
}
