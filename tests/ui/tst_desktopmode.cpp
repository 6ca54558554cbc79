// vcs-agent as a process: without a display every headless command works and desktop mode
// exits with one line; with the offscreen platform the desktop mode logs where the token came
// from but never the token, and --inspect loads a file.

#include "common/pooltoken.h"
#include "recordfactory.h"
#include "testenvironment.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

namespace {

QProcessEnvironment environmentWithoutDisplay(const QString &configDir)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : { "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                              "SPACELIFT_VCS_AGENT_POOL_TOKEN",
                              "SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT",
                              "SPACELIFT_VCS_AGENT_VENDOR" }) {
        environment.remove(QString::fromLatin1(name));
    }
    environment.insert(QStringLiteral("VCS_AGENT_CONFIG_DIR"), configDir);
    environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                       QStringLiteral("unix:path=/nonexistent/vcs-agent-test-bus"));
    return environment;
}

struct RunResult
{
    int exitCode = -1;
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    QString standardOutput;
    QString standardError;
};

RunResult run(const QStringList &arguments, const QProcessEnvironment &environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(TestEnvironment::executable(QStringLiteral("vcs-agent")), arguments);
    RunResult result;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitCode();
    result.exitStatus = process.exitStatus();
    result.standardOutput = QString::fromUtf8(process.readAllStandardOutput());
    result.standardError = QString::fromUtf8(process.readAllStandardError());
    return result;
}

} // namespace

class TestDesktopMode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void headlessWithoutDisplay_data();
    void headlessWithoutDisplay();
    void desktopWithoutDisplayExits();
    void logNamesTokenSourceOnly();
    void inspectLoadsFile();

private:
    QTemporaryDir m_dir;
};

void TestDesktopMode::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestDesktopMode::headlessWithoutDisplay_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("expectedExit");
    QTest::addColumn<QString>("expectedOutput");

    QTest::newRow("help") << QStringList{ QStringLiteral("--help") } << 0
                          << QStringLiteral("--no-gui");
    QTest::newRow("version") << QStringList{ QStringLiteral("--version") } << 0
                             << QStringLiteral("vcs-agent ");
    QTest::newRow("check") << QStringList{ QStringLiteral("check"), QStringLiteral("--vendor"),
                                           QStringLiteral("gitlab"), QStringLiteral("GET"),
                                           QStringLiteral("/api/v4/user") }
                           << 0 << QStringLiteral("\"decision\":\"allow\"");
    // Without settings the service stops at once with a usage error, still without a display.
    QTest::newRow("no-gui without settings") << QStringList{ QStringLiteral("--no-gui") } << 2
                                             << QString();
}

void TestDesktopMode::headlessWithoutDisplay()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, expectedExit);
    QFETCH(QString, expectedOutput);

    const RunResult result = run(arguments, environmentWithoutDisplay(m_dir.path()));
    QCOMPARE(result.exitStatus, QProcess::NormalExit);
    QCOMPARE(result.exitCode, expectedExit);
    QVERIFY2(result.standardOutput.contains(expectedOutput), qPrintable(result.standardOutput));
    QVERIFY2(!result.standardError.contains(QStringLiteral("could not connect to display")),
             qPrintable(result.standardError));
}

void TestDesktopMode::desktopWithoutDisplayExits()
{
    const RunResult result = run({}, environmentWithoutDisplay(m_dir.path()));
    QCOMPARE(result.exitStatus, QProcess::NormalExit);
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.standardError.count(QLatin1Char('\n')), 1);
    QVERIFY2(result.standardError.contains(QStringLiteral("--no-gui")),
             qPrintable(result.standardError));
}

void TestDesktopMode::logNamesTokenSourceOnly()
{
    // A gateway port that accepts connections and never answers keeps the streams connecting.
    QTcpServer silentGateway;
    QVERIFY(silentGateway.listen(QHostAddress::LocalHost));
    PoolToken token;
    token.gatewayUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(silentGateway.serverPort()));
    token.poolId = QStringLiteral("demo");
    token.key = QStringLiteral("secret-key-must-not-be-logged-5d1e");

    QProcessEnvironment environment = environmentWithoutDisplay(m_dir.path());
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_POOL_TOKEN"), token.encode());
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                       QStringLiteral("http://127.0.0.1:9"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), QStringLiteral("gitlab"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), QStringLiteral("true"));

    QProcess process;
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(TestEnvironment::executable(QStringLiteral("vcs-agent")), QStringList{});
    QVERIFY(process.waitForStarted());
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += process.readAll()).contains("pool token from"), 20000);
    process.terminate();
    QVERIFY(process.waitForFinished(20000));
    output += process.readAll();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QVERIFY2(output.contains("pool token from SPACELIFT_VCS_AGENT_POOL_TOKEN"), output.constData());
    QVERIFY(!output.contains(token.key.toUtf8()));
    QVERIFY(!output.contains(token.encode().toUtf8()));
}

void TestDesktopMode::inspectLoadsFile()
{
    const QString fileName = m_dir.filePath(QStringLiteral("service.jsonl"));
    QFile file(fileName);
    QVERIFY(file.open(QIODevice::WriteOnly));
    for (int i = 0; i < 3; ++i) {
        file.write(QJsonDocument(makeRecord(i).toJson()).toJson(QJsonDocument::Compact) + "\n");
    }
    file.write("{broken\n");
    file.close();

    QProcessEnvironment environment = environmentWithoutDisplay(m_dir.path());
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(TestEnvironment::executable(QStringLiteral("vcs-agent")),
                  { QStringLiteral("--inspect"), fileName });
    QVERIFY(process.waitForStarted());
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += process.readAll()).contains("malformed lines from"),
                             20000);
    QVERIFY2(output.contains("read 3 records and 1 malformed lines"), output.constData());
    process.terminate();
    QVERIFY(process.waitForFinished(20000));
}

QTEST_GUILESS_MAIN(TestDesktopMode)
#include "tst_desktopmode.moc"
