// Renders the main window's tabs and the log inspection window into PNG files for the docs.
// scripts/screenshots.sh runs it under Xvfb against a local gateway and VCS; the agent settings
// come from the environment as for vcs-agent. Usage: vcs-agent-screenshots OUTPUT_DIR

#include "accesslogfilterproxy.h"
#include "accesslogmodel.h"
#include "agent/agentservice.h"
#include "accesslogview.h"
#include "configpage.h"
#include "credentialstore.h"
#include "desktopagent.h"
#include "desktopsettings.h"
#include "inspectionwindow.h"
#include "log/accesslog.h"
#include "mainwindow.h"
#include "recordexport.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTabWidget>
#include <QTableView>
#include <QTextStream>
#include <QTranslator>

namespace {

void waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition() && clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
}

void pause(int milliseconds)
{
    waitFor([] { return false; }, milliseconds);
}

bool save(QWidget *widget, const QString &fileName)
{
    QCoreApplication::processEvents();
    const bool saved = widget->grab().save(fileName);
    QTextStream(stdout) << (saved ? "wrote " : "could not write ") << fileName << '\n';
    return saved;
}

// Sends platform requests through the gateway so that the access log has allowed and denied
// rows.
void sendRequests(QNetworkAccessManager &network, const QString &apiBase, const QString &apiKey)
{
    const QStringList paths{
        QStringLiteral("/api/v4/projects/acme%2Fapp/repository/branches"),
        QStringLiteral("/api/v4/projects/acme%2Fapp"),
        QStringLiteral("/api/v4/projects/acme%2Fplatform%2Fapp/repository/tree"),
        QStringLiteral("/api/v4/projects/other%2Fsecret/repository/branches"),
        QStringLiteral("/api/v4/admin/users"),
        QStringLiteral("/api/v4/projects/acme%2Fapp/repository/commits"),
    };
    int pending = 0;
    for (const QString &path : paths) {
        QNetworkRequest request(QUrl(apiBase + path));
        request.setRawHeader("Authorization", "Bearer " + apiKey.toUtf8());
        request.setRawHeader("X-VCS-Request-Description", "List branches for a stack run");
        QNetworkReply *reply = network.get(request);
        ++pending;
        QObject::connect(reply, &QNetworkReply::finished, reply, [reply, &pending] {
            --pending;
            reply->deleteLater();
        });
    }
    waitFor([&pending] { return pending == 0; }, 20000);
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VCS_AGENT_VERSION));
    auto *translator = new QTranslator(&app);
    if (translator->load(QLocale(), QStringLiteral("vcs-agent"), QStringLiteral("_"),
                         QStringLiteral(":/i18n"))) {
        QApplication::installTranslator(translator);
    }
    const QStringList arguments = app.arguments();
    if (arguments.size() != 2) {
        QTextStream(stderr) << "usage: vcs-agent-screenshots OUTPUT_DIR\n";
        return 2;
    }
    const QDir output(arguments.at(1));
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();

    DesktopSettings settings;
    CredentialStore credentials(QStringLiteral("vcs-agent-screenshots"),
                                QStringLiteral("pool-token"));
    DesktopAgent agent({ QStringLiteral("vcs-agent") }, environment, &settings, &credentials);
    MainWindow window(&agent);
    window.resize(1280, 720);
    window.show();
    agent.start();
    waitFor([&agent] {
        return agent.streamCount() > 0 && agent.connectedCount() == agent.streamCount();
    }, 20000);

    QNetworkAccessManager network;
    sendRequests(network, environment.value(QStringLiteral("VCS_SCREENSHOT_API")),
                 environment.value(QStringLiteral("VCS_GATEWAY_API_KEY")));
    pause(2500);

    bool ok = save(&window, output.filePath(QStringLiteral("connections.png")));
    window.tabs()->setCurrentIndex(1);
    AccessLogView *view = window.accessLogView();
    for (int row = 0; row < view->proxy()->rowCount(); ++row) {
        if (view->proxy()->index(row, AccessLogModel::DecisionColumn).data(AccessLogModel::DecisionRole)
                    .toInt()
            == int(AccessRecord::Decision::Deny)) {
            view->table()->selectRow(row);
            break;
        }
    }
    ok = save(&window, output.filePath(QStringLiteral("access-log.png"))) && ok;

    window.tabs()->setCurrentIndex(2);
    window.configPage()->projectsEdit()->setText(QStringLiteral("acme/.*"));
    window.configPage()->testTarget()->setText(
            QStringLiteral("/api/v4/projects/other%2Fsecret/repository/branches"));
    ok = save(&window, output.filePath(QStringLiteral("configuration.png"))) && ok;

    // The inspection window reads what a service would have written with --log-format json,
    // plus one broken line to show how malformed lines are reported.
    const QString logFile = output.filePath(QStringLiteral(".screenshot-access-log.jsonl"));
    QString error;
    RecordExport::writeFile(logFile, view->shownRecords(), &error);
    QFile file(logFile);
    if (file.open(QIODevice::Append)) {
        file.write("{\"time\": \"not a time\"}\n");
        file.close();
    }
    InspectionWindow inspection(&settings);
    inspection.resize(1280, 720);
    inspection.show();
    inspection.open(logFile);
    waitFor([&inspection] { return !inspection.isLoading(); }, 20000);
    inspection.view()->decisionFilter()->setCurrentIndex(1);
    ok = save(&inspection, output.filePath(QStringLiteral("inspection.png"))) && ok;
    QFile::remove(logFile);

    agent.quit();
    waitFor([&agent] { return !agent.service()->isRunning(); }, 5000);
    return ok ? 0 : 1;
}
