// The settings registry: defaults, the INI location override, and how stored settings rank
// below flags and environment variables.

#include "agent/agentsettings.h"
#include "desktopsettings.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

class TestDesktopSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsAndRoundTrip();
    void configDirectoryOverride();
    void storedRankBelowEnvironment();
    void overriddenSettings_data();
    void overriddenSettings();
};

void TestDesktopSettings::defaultsAndRoundTrip()
{
    QTemporaryDir dir;
    {
        DesktopSettings settings(dir.path());
        QCOMPARE(settings.value(SettingKeys::parallelism), 4);
        QCOMPARE(settings.value(SettingKeys::allowedProjects), QStringLiteral(".*"));
        StoredAgentConfig config;
        config.targetBaseEndpoint = QStringLiteral("https://gitlab.example.internal");
        config.parallelism = 9;
        config.metadataTags = QStringList{ QStringLiteral("team=infra") };
        settings.setAgentConfig(config);
        settings.setValue(SettingKeys::accessLogHeader, QByteArray("\x01\x02", 2));
        settings.sync();
    }
    DesktopSettings reopened(dir.path());
    QCOMPARE(reopened.value(SettingKeys::parallelism), 9);
    QCOMPARE(reopened.agentConfig().metadataTags, QStringList{ QStringLiteral("team=infra") });
    QCOMPARE(reopened.value(SettingKeys::accessLogHeader), QByteArray("\x01\x02", 2));
    QFile ini(reopened.fileName());
    QVERIFY(ini.open(QIODevice::ReadOnly));
    QVERIFY(!ini.readAll().toLower().contains("token"));
}

void TestDesktopSettings::configDirectoryOverride()
{
    QTemporaryDir dir;
    qputenv("VCS_AGENT_CONFIG_DIR", QFile::encodeName(dir.path()));
    QCOMPARE(DesktopSettings::configDirectory(), dir.path());
    DesktopSettings settings;
    QCOMPARE(settings.fileName(), dir.filePath(QStringLiteral("vcs-agent.ini")));
    qunsetenv("VCS_AGENT_CONFIG_DIR");
}

void TestDesktopSettings::storedRankBelowEnvironment()
{
    StoredAgentConfig config;
    config.targetBaseEndpoint = QStringLiteral("https://stored.example.internal");
    config.vendor = QStringLiteral("github_enterprise");
    config.parallelism = 7;
    config.metadataTags = QStringList{ QStringLiteral("team=stored"), QStringLiteral("site=fra1") };
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), QStringLiteral("gitlab"));
    environment.insert(QStringLiteral("SPACELIFT_METADATA_team"), QStringLiteral("env"));
    const QProcessEnvironment merged = DesktopConfig::environmentWithStored(config, environment);
    const AgentSettingsResult result = AgentSettingsReader::read(
            { QStringLiteral("vcs-agent"), QStringLiteral("--parallelism"), QStringLiteral("3") },
            merged, false);
    QVERIFY2(result.settings, qPrintable(result.error));
    QCOMPARE(result.settings->targetBaseEndpoint.host(), QStringLiteral("stored.example.internal"));
    QCOMPARE(result.settings->vendor, Vendor::GitLab);
    QCOMPARE(result.settings->parallelism, 3);
    QVERIFY(result.settings->tags.contains(qMakePair(QStringLiteral("team"), QStringLiteral("env"))));
    QVERIFY(result.settings->tags.contains(qMakePair(QStringLiteral("site"), QStringLiteral("fra1"))));
    QVERIFY(result.settings->tokenSource.isEmpty());
}

void TestDesktopSettings::overriddenSettings_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("nothing") << QStringList{ QStringLiteral("vcs-agent") } << QString()
                             << QStringList{};
    QTest::newRow("flag") << QStringList{ QStringLiteral("vcs-agent"), QStringLiteral("--vendor"),
                                          QStringLiteral("gitlab") }
                          << QString() << QStringList{ QStringLiteral("--vendor") };
    QTest::newRow("flag with equals")
            << QStringList{ QStringLiteral("vcs-agent"), QStringLiteral("--parallelism=2") }
            << QString() << QStringList{ QStringLiteral("--parallelism") };
    QTest::newRow("variable") << QStringList{ QStringLiteral("vcs-agent") }
                              << QStringLiteral("VCS_AGENT_CA_CERT_FILE")
                              << QStringList{ QStringLiteral("VCS_AGENT_CA_CERT_FILE") };
}

void TestDesktopSettings::overriddenSettings()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, variable);
    QFETCH(QStringList, expected);

    QProcessEnvironment environment;
    if (!variable.isEmpty()) {
        environment.insert(variable, QStringLiteral("x"));
    }
    QCOMPARE(DesktopConfig::overriddenSettings(arguments, environment), expected);
}

QTEST_MAIN(TestDesktopSettings)
#include "tst_desktopsettings.moc"
