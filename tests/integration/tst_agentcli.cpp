#include "systemharness.h"
#include "testenvironment.h"

#include <QRegularExpression>
#include <QTest>

// The vcs-agent command line: settings errors, the commands that need no gateway, and a pool
// token that the gateway rejects. Also the gateway's rejection of bad serve options.
class TestAgentCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void badSetting_data();
    void badSetting();
    void commandsWithoutDisplay_data();
    void commandsWithoutDisplay();
    void rotatedKeyExitsWithoutStorm();
    void deletedPoolTokenExits();
    void gatewayBadOption_data();
    void gatewayBadOption();

private:
    QProcessEnvironment baseEnvironment() const;

    std::unique_ptr<SystemHarness> m_harness;
    QString m_token;
};

void TestAgentCli::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app") }),
             qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway(), qPrintable(m_harness->lastError()));
    const auto token = m_harness->createPool(QStringLiteral("cli"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    m_token = *token;
}

void TestAgentCli::cleanup()
{
    if (QTest::currentTestFailed()) {
        qInfo().noquote() << m_harness->logTail(40);
    }
}

QProcessEnvironment TestAgentCli::baseEnvironment() const
{
    QProcessEnvironment environment = m_harness->agentEnvironment(m_token);
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    return environment;
}

void TestAgentCli::badSetting_data()
{
    QTest::addColumn<QString>("variable"); // set to `value`, or removed when `value` is null
    QTest::addColumn<QString>("value");
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");

    const QString tokenVariable = QStringLiteral("SPACELIFT_VCS_AGENT_POOL_TOKEN");
    const QString notBase64 = QStringLiteral("not base64 at all!");
    const QString noGateway = QString::fromLatin1(
            QByteArray(R"({"pool":"p","key":"k"})").toBase64());
    QTest::newRow("missing token") << tokenVariable << QString() << QStringList()
                                   << QStringLiteral("no pool token is set");
    QTest::newRow("token not base64") << tokenVariable << notBase64 << QStringList()
                                      << QStringLiteral("not valid base64");
    QTest::newRow("token without gateway") << tokenVariable << noGateway << QStringList()
                                           << QStringLiteral("no \"gateway\" URL field");
    QTest::newRow("unknown vendor") << QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR")
                                    << QStringLiteral("gitlab.com") << QStringList()
                                    << QStringLiteral("\"gitlab.com\" is not a known vendor");
    QTest::newRow("bad URL") << QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT")
                             << QStringLiteral("ftp://vcs.example") << QStringList()
                             << QStringLiteral("\"ftp://vcs.example\" is not a valid http://");
    QTest::newRow("invalid regex") << QStringLiteral("SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS")
                                   << QStringLiteral("acme/(") << QStringList()
                                   << QStringLiteral("\"acme/(\" at offset 6");
    QTest::newRow("parallelism 0") << QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM")
                                   << QStringLiteral("0") << QStringList()
                                   << QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM is \"0\"");
    QTest::newRow("parallelism 1000") << QString() << QString()
                                      << QStringList { QStringLiteral("--parallelism"),
                                                       QStringLiteral("1000") }
                                      << QStringLiteral("--parallelism is \"1000\"");
    QTest::newRow("flase boolean") << QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE")
                                   << QStringLiteral("flase") << QStringList()
                                   << QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE is \"flase\"");
    QTest::newRow("ws without dial-insecure") << QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE")
                                              << QStringLiteral("false") << QStringList()
                                              << QStringLiteral("plain ws://");
}

void TestAgentCli::badSetting()
{
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);

    QProcessEnvironment environment = baseEnvironment();
    if (!variable.isEmpty()) {
        if (value.isNull()) {
            environment.remove(variable);
        } else {
            environment.insert(variable, value);
        }
    }
    const ProcessResult result = SystemHarness::runAgent(
            QStringList { QStringLiteral("--no-gui") } + arguments, environment);
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 2);
    const QString errors = QString::fromUtf8(result.standardError);
    const QStringList lines = errors.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().startsWith(QStringLiteral("vcs-agent: ")), qPrintable(errors));
    QVERIFY2(errors.contains(expected), qPrintable(errors));
    QVERIFY(result.standardOutput.isEmpty());
    QVERIFY(!errors.contains(m_token));
}

void TestAgentCli::gatewayBadOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    const auto row = [](const char *name, const QStringList &arguments, const QString &expected) {
        QTest::newRow(name) << arguments << expected;
    };
    row("window too small", { QStringLiteral("--stream-window"), QStringLiteral("63") },
        QStringLiteral("--stream-window \"63\" is not a whole number of KiB from 64 to 65536"));
    row("window too large", { QStringLiteral("--stream-window"), QStringLiteral("65537") },
        QStringLiteral("--stream-window \"65537\""));
    row("window not a number", { QStringLiteral("--stream-window"), QStringLiteral("4M") },
        QStringLiteral("--stream-window \"4M\""));
    row("ping interval", { QStringLiteral("--ping-interval"), QStringLiteral("5") },
        QStringLiteral("--ping-interval \"5\" is not a whole number of milliseconds of at least "
                       "100"));
    row("listen address", { QStringLiteral("--agent-listen"), QStringLiteral("127.0.0.1") },
        QStringLiteral("--agent-listen \"127.0.0.1\" is not ADDR:PORT"));
}

void TestAgentCli::gatewayBadOption()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("VCS_GATEWAY_API_KEY"), QStringLiteral("test-api-key-of-32-characters-xx"));
    environment.insert(QStringLiteral("VCS_GATEWAY_DB"),
                       m_harness->workDir() + QStringLiteral("/bad-option.sqlite"));
    const ProcessResult result = TestProcess::run(
            TestEnvironment::executable(QStringLiteral("vcs-gateway")),
            QStringList { QStringLiteral("serve"), QStringLiteral("--agent-listen"),
                          QStringLiteral("127.0.0.1:0"), QStringLiteral("--api-listen"),
                          QStringLiteral("127.0.0.1:0") }
                    + arguments,
            environment, 20000);
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 2);
    const QString errors = QString::fromUtf8(result.standardError);
    QVERIFY2(errors.contains(expected), qPrintable(errors));
}

void TestAgentCli::commandsWithoutDisplay_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected");

    QTest::newRow("help") << QStringList { QStringLiteral("--help") } << 0
                          << QStringLiteral("--target-base-endpoint");
    QTest::newRow("version") << QStringList { QStringLiteral("--version") } << 0
                             << QStringLiteral("vcs-agent ");
    QTest::newRow("check allowed") << QStringList { QStringLiteral("check"), QStringLiteral("--vendor"),
                                                    QStringLiteral("gitlab"), QStringLiteral("GET"),
                                                    QStringLiteral("/api/v4/user") }
                                   << 0 << QStringLiteral("allow");
    QTest::newRow("check denied") << QStringList { QStringLiteral("check"), QStringLiteral("--vendor"),
                                                   QStringLiteral("gitlab"), QStringLiteral("DELETE"),
                                                   QStringLiteral("/api/v4/user") }
                                  << 1 << QStringLiteral("deny");
}

void TestAgentCli::commandsWithoutDisplay()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);

    const ProcessResult result = SystemHarness::runAgent(arguments, baseEnvironment());
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, exitCode);
    const QString output = QString::fromUtf8(result.standardOutput + result.standardError);
    QVERIFY2(output.contains(expected), qPrintable(output));
    QVERIFY(!output.contains(m_token));
}

void TestAgentCli::rotatedKeyExitsWithoutStorm()
{
    const auto token = m_harness->createPool(QStringLiteral("rotated"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    TestProcess *agent = m_harness->startAgent(*token);
    QVERIFY2(m_harness->waitForStreams(agent, 4), qPrintable(m_harness->logTail()));
    const int acceptedBefore = m_harness->gateway()->countOutput(
            QRegularExpression(QStringLiteral("connected to pool rotated as")),
            QProcess::StandardError);

    QVERIFY2(m_harness->rotatePool(QStringLiteral("rotated")), qPrintable(m_harness->lastError()));
    QVERIFY2(agent->waitForExit(20000), qPrintable(agent->logTail()));
    QCOMPARE(agent->exitCode(), 3);
    const QString errors = QString::fromUtf8(agent->standardError());
    QVERIFY2(errors.contains(QStringLiteral("rejected")), qPrintable(errors));
    QVERIFY(!errors.contains(*token));
    QVERIFY(!agent->standardOutput().contains(token->toLatin1()));

    // The streams may retry once each before the agent gives up, but not keep retrying.
    const int rejections = m_harness->gateway()->countOutput(
            QRegularExpression(QStringLiteral("\\(pool [^ ]+ stream \\d+\\) rejected")),
            QProcess::StandardError);
    QVERIFY2(rejections <= 8, qPrintable(QString::number(rejections)));
    QCOMPARE(m_harness->gateway()->countOutput(
                     QRegularExpression(QStringLiteral("connected to pool rotated as")),
                     QProcess::StandardError),
             acceptedBefore);
}

void TestAgentCli::deletedPoolTokenExits()
{
    const auto token = m_harness->createPool(QStringLiteral("deleted"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    const ProcessResult deletion = m_harness->poolCommand({ QStringLiteral("delete"),
                                                            QStringLiteral("deleted") });
    QCOMPARE(deletion.exitCode, 0);
    const int rejectionsBefore = m_harness->gateway()->countOutput(
            QRegularExpression(QStringLiteral("\\) rejected")), QProcess::StandardError);

    TestProcess *agent = m_harness->startAgent(*token);
    QVERIFY2(agent->waitForExit(20000), qPrintable(agent->logTail()));
    QCOMPARE(agent->exitCode(), 3);
    const QString errors = QString::fromUtf8(agent->standardError());
    QVERIFY2(errors.contains(QStringLiteral("pool")), qPrintable(errors));
    QVERIFY(!errors.contains(*token));
    const int rejections = m_harness->gateway()->countOutput(
                                   QRegularExpression(QStringLiteral("\\) rejected")),
                                   QProcess::StandardError)
            - rejectionsBefore;
    QVERIFY2(rejections <= 8, qPrintable(QString::number(rejections)));
}

QTEST_GUILESS_MAIN(TestAgentCli)
#include "tst_agentcli.moc"
