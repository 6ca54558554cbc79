#include "agent/agentsettings.h"

#include <QTest>

namespace {

QString wsToken()
{
    PoolToken token;
    token.gatewayUrl = QUrl(QStringLiteral("ws://127.0.0.1:8443"));
    token.poolId = QStringLiteral("pool");
    token.key = QStringLiteral("key");
    return token.encode();
}

QProcessEnvironment baseEnvironment()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_POOL_TOKEN"), wsToken());
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                       QStringLiteral("http://127.0.0.1:9"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), QStringLiteral("gitlab"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), QStringLiteral("true"));
    return environment;
}

AgentSettingsResult readWith(const QStringList &flags, const QProcessEnvironment &environment)
{
    return AgentSettingsReader::read(QStringList { QStringLiteral("vcs-agent") } + flags,
                                     environment);
}

} // namespace

class TestAgentSettings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void precedence_data();
    void precedence();
    void falseBooleanKeepsTls_data();
    void falseBooleanKeepsTls();
    void invalidBoolean();
    void metadataTags();
    void parallelismRange_data();
    void parallelismRange();
};

void TestAgentSettings::precedence_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("flagValue");
    QTest::addColumn<QString>("variableValue");
    QTest::addColumn<QString>("defaultValue");

    QTest::newRow("parallelism") << QStringLiteral("parallelism")
                                 << QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM")
                                 << QStringLiteral("7") << QStringLiteral("5") << QStringLiteral("4");
    QTest::newRow("allowed projects") << QStringLiteral("allowed-projects")
                                      << QStringLiteral("SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS")
                                      << QStringLiteral("flag/.*") << QStringLiteral("env/.*")
                                      << QStringLiteral(".*");
    QTest::newRow("ping interval") << QStringLiteral("ping-interval")
                                   << QStringLiteral("VCS_AGENT_PING_INTERVAL_MS")
                                   << QStringLiteral("2000") << QStringLiteral("3000")
                                   << QStringLiteral("15000");
    QTest::newRow("reconnect min delay") << QStringLiteral("reconnect-min-delay")
                                         << QStringLiteral("VCS_AGENT_RECONNECT_MIN_DELAY_MS")
                                         << QStringLiteral("20") << QStringLiteral("30")
                                         << QStringLiteral("500");
    QTest::newRow("drain timeout") << QStringLiteral("drain-timeout")
                                   << QStringLiteral("VCS_AGENT_DRAIN_TIMEOUT_MS")
                                   << QStringLiteral("100") << QStringLiteral("200")
                                   << QStringLiteral("30000");
    QTest::newRow("target") << QStringLiteral("target-base-endpoint")
                            << QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT")
                            << QStringLiteral("http://flag.example") << QStringLiteral("http://env.example")
                            << QString();
}

void TestAgentSettings::precedence()
{
    QFETCH(QString, flag);
    QFETCH(QString, variable);
    QFETCH(QString, flagValue);
    QFETCH(QString, variableValue);
    QFETCH(QString, defaultValue);

    const auto valueOf = [&flag](const AgentSettings &settings) {
        if (flag == QStringLiteral("parallelism")) {
            return QString::number(settings.parallelism);
        }
        if (flag == QStringLiteral("allowed-projects")) {
            return settings.allowedProjects;
        }
        if (flag == QStringLiteral("ping-interval")) {
            return QString::number(settings.pingIntervalMs);
        }
        if (flag == QStringLiteral("reconnect-min-delay")) {
            return QString::number(settings.reconnectMinDelayMs);
        }
        if (flag == QStringLiteral("drain-timeout")) {
            return QString::number(settings.drainTimeoutMs);
        }
        return settings.targetBaseEndpoint.toString();
    };

    QProcessEnvironment environment = baseEnvironment();
    environment.insert(variable, variableValue);
    const AgentSettingsResult both = readWith(
            { QStringLiteral("--") + flag, flagValue }, environment);
    QVERIFY2(both.settings, qPrintable(both.error));
    QCOMPARE(valueOf(*both.settings), flagValue);

    const AgentSettingsResult onlyVariable = readWith({}, environment);
    QVERIFY2(onlyVariable.settings, qPrintable(onlyVariable.error));
    QCOMPARE(valueOf(*onlyVariable.settings), variableValue);

    if (!defaultValue.isEmpty()) {
        QProcessEnvironment withoutVariable = baseEnvironment();
        withoutVariable.remove(variable);
        const AgentSettingsResult defaults = readWith({}, withoutVariable);
        QVERIFY2(defaults.settings, qPrintable(defaults.error));
        QCOMPARE(valueOf(*defaults.settings), defaultValue);
    }
}

void TestAgentSettings::falseBooleanKeepsTls_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("false") << QStringLiteral("false");
    QTest::newRow("0") << QStringLiteral("0");
    QTest::newRow("no") << QStringLiteral("no");
    QTest::newRow("FALSE") << QStringLiteral("FALSE");
    QTest::newRow("empty") << QString();
}

void TestAgentSettings::falseBooleanKeepsTls()
{
    QFETCH(QString, value);
    QProcessEnvironment environment = baseEnvironment();
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), value);
    const AgentSettingsResult result = readWith({}, environment);
    QVERIFY(!result.settings);
    QVERIFY2(result.error.contains(QStringLiteral("plain ws://")), qPrintable(result.error));
}

void TestAgentSettings::invalidBoolean()
{
    QProcessEnvironment environment = baseEnvironment();
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), QStringLiteral("flase"));
    const AgentSettingsResult result = readWith({}, environment);
    QVERIFY(!result.settings);
    QVERIFY2(result.error.contains(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE")),
             qPrintable(result.error));
    QVERIFY2(result.error.contains(QStringLiteral("\"flase\"")), qPrintable(result.error));
}

void TestAgentSettings::metadataTags()
{
    QProcessEnvironment environment = baseEnvironment();
    environment.insert(QStringLiteral("SPACELIFT_METADATA_zone"), QStringLiteral("eu"));
    environment.insert(QStringLiteral("SPACELIFT_METADATA_env"), QStringLiteral("prod"));
    environment.insert(QStringLiteral("SPACELIFT_METADATA_"), QStringLiteral("ignored"));
    const AgentSettingsResult result = readWith(
            { QStringLiteral("--metadata"), QStringLiteral("team=infra=core") }, environment);
    QVERIFY2(result.settings, qPrintable(result.error));
    const QList<QPair<QString, QString>> expected = {
        { QStringLiteral("env"), QStringLiteral("prod") },
        { QStringLiteral("zone"), QStringLiteral("eu") },
        { QStringLiteral("team"), QStringLiteral("infra=core") },
    };
    QCOMPARE(result.settings->tags, expected);

    const AgentSettingsResult invalid = readWith(
            { QStringLiteral("--metadata"), QStringLiteral("novalue") }, environment);
    QVERIFY(!invalid.settings);
    QVERIFY2(invalid.error.contains(QStringLiteral("\"novalue\"")), qPrintable(invalid.error));
}

void TestAgentSettings::parallelismRange_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::newRow("0") << QStringLiteral("0") << false;
    QTest::newRow("1") << QStringLiteral("1") << true;
    QTest::newRow("256") << QStringLiteral("256") << true;
    QTest::newRow("257") << QStringLiteral("257") << false;
    QTest::newRow("1000") << QStringLiteral("1000") << false;
    QTest::newRow("not a number") << QStringLiteral("four") << false;
}

void TestAgentSettings::parallelismRange()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    const AgentSettingsResult result = readWith({ QStringLiteral("--parallelism"), value },
                                                baseEnvironment());
    QCOMPARE(result.settings.has_value(), valid);
    if (!valid) {
        QVERIFY2(result.error.contains(QStringLiteral("--parallelism is \"") + value),
                 qPrintable(result.error));
    }
}

QTEST_GUILESS_MAIN(TestAgentSettings)
#include "tst_agentsettings.moc"
