// The Configuration tab: live validation, Apply, token import and the test-a-request box, which
// must show what `vcs-agent check` answers.

#include "common/pooltoken.h"
#include "configpage.h"
#include "filter/checkcommand.h"
#include "testenvironment.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString validToken(const QString &scheme)
{
    PoolToken token;
    token.gatewayUrl = QUrl(scheme + QStringLiteral("://127.0.0.1:18443"));
    token.poolId = QStringLiteral("demo");
    token.key = QStringLiteral("k3y-for-tests-only-0123456789");
    return token.encode();
}

StoredAgentConfig validConfig()
{
    StoredAgentConfig config;
    config.targetBaseEndpoint = QStringLiteral("http://127.0.0.1:9");
    config.vendor = QStringLiteral("gitlab");
    config.allowedProjects = QStringLiteral("acme/.*");
    return config;
}

} // namespace

class TestConfigPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validateTarget_data();
    void validateTarget();
    void validateProjects_data();
    void validateProjects();
    void validateTags_data();
    void validateTags();
    void validateToken_data();
    void validateToken();
    void liveValidationBlocksApply();
    void applyEmitsConfigAndToken();
    void importTokenFile();
    void testBoxMatchesCheckCommand_data();
    void testBoxMatchesCheckCommand();
};

void TestConfigPage::validateTarget_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("https") << QStringLiteral("https://gitlab.example.internal") << true;
    QTest::newRow("http with port and path") << QStringLiteral("http://127.0.0.1:8080/gitlab")
                                             << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("no scheme") << QStringLiteral("gitlab.example.internal") << false;
    QTest::newRow("ftp") << QStringLiteral("ftp://gitlab.example.internal") << false;
    QTest::newRow("query") << QStringLiteral("https://gitlab.example.internal/?a=b") << false;
    QTest::newRow("user info") << QStringLiteral("https://me:pw@gitlab.example.internal")
                               << false;
}

void TestConfigPage::validateTarget()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);

    QCOMPARE(ConfigPage::validateTarget(text).isEmpty(), valid);
}

void TestConfigPage::validateProjects_data()
{
    QTest::addColumn<QString>("vendor");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<bool>("valid");

    QTest::newRow("any") << QStringLiteral("gitlab") << QStringLiteral(".*") << true;
    QTest::newRow("empty means any") << QStringLiteral("gitlab") << QString() << true;
    QTest::newRow("group") << QStringLiteral("github_enterprise") << QStringLiteral("acme/.*")
                           << true;
    QTest::newRow("unbalanced") << QStringLiteral("gitlab") << QStringLiteral("acme/(app") << false;
    QTest::newRow("unknown vendor") << QStringLiteral("svn") << QStringLiteral(".*") << false;
}

void TestConfigPage::validateProjects()
{
    QFETCH(QString, vendor);
    QFETCH(QString, pattern);
    QFETCH(bool, valid);

    QCOMPARE(ConfigPage::validateProjects(vendor, pattern).isEmpty(), valid);
}

void TestConfigPage::validateTags_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("none") << QString() << true;
    QTest::newRow("two") << QStringLiteral("team=infra\nsite=fra1") << true;
    QTest::newRow("blank lines") << QStringLiteral("team=infra\n\n") << true;
    QTest::newRow("no equals") << QStringLiteral("team") << false;
    QTest::newRow("empty name") << QStringLiteral("=infra") << false;
    QTest::newRow("space in name") << QStringLiteral("my team=infra") << false;
}

void TestConfigPage::validateTags()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);

    QCOMPARE(ConfigPage::validateTags(text).isEmpty(), valid);
}

void TestConfigPage::validateToken_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("dialInsecure");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty keeps stored") << QString() << false << true;
    QTest::newRow("wss") << validToken(QStringLiteral("wss")) << false << true;
    QTest::newRow("ws needs insecure") << validToken(QStringLiteral("ws")) << false << false;
    QTest::newRow("ws with insecure") << validToken(QStringLiteral("ws")) << true << true;
    QTest::newRow("garbage") << QStringLiteral("not-a-token") << false << false;
}

void TestConfigPage::validateToken()
{
    QFETCH(QString, token);
    QFETCH(bool, dialInsecure);
    QFETCH(bool, valid);

    QCOMPARE(ConfigPage::validateToken(token, dialInsecure).isEmpty(), valid);
}

void TestConfigPage::liveValidationBlocksApply()
{
    ConfigPage page;
    page.show();
    page.setConfig(validConfig());
    QVERIFY(!page.applyButton()->isEnabled());

    page.projectsEdit()->setText(QStringLiteral("acme/(app"));
    QVERIFY(!page.applyButton()->isEnabled());
    auto *projectsError = page.findChild<QLabel *>(QStringLiteral("projectsError"));
    QVERIFY(projectsError);
    QVERIFY(projectsError->isVisible());
    QVERIFY(!projectsError->text().isEmpty());

    page.projectsEdit()->setText(QStringLiteral("acme/(app|infra)"));
    QVERIFY(!projectsError->isVisible());
    QVERIFY(page.applyButton()->isEnabled());

    page.targetEdit()->setText(QStringLiteral("gitlab"));
    QVERIFY(!page.applyButton()->isEnabled());
    QCOMPARE(page.problems().size(), 1);
}

void TestConfigPage::applyEmitsConfigAndToken()
{
    ConfigPage page;
    page.setConfig(validConfig());
    QSignalSpy applied(&page, &ConfigPage::applyRequested);
    page.tagsEdit()->setPlainText(QStringLiteral("team=infra\n site=fra1 "));
    page.insecureBox()->setChecked(true);
    page.tokenEdit()->setText(validToken(QStringLiteral("ws")));
    QVERIFY(page.applyButton()->isEnabled());
    QTest::mouseClick(page.applyButton(), Qt::LeftButton);
    QCOMPARE(applied.size(), 1);
    const auto config = applied.at(0).at(0).value<StoredAgentConfig>();
    QCOMPARE(config.metadataTags, (QStringList{ QStringLiteral("team=infra"),
                                                QStringLiteral("site=fra1") }));
    QVERIFY(config.dialInsecure);
    QCOMPARE(config.allowedProjects, QStringLiteral("acme/.*"));
    QCOMPARE(applied.at(0).at(1).toString(), validToken(QStringLiteral("ws")));
}

void TestConfigPage::importTokenFile()
{
    QTemporaryDir dir;
    const QString fileName = dir.filePath(QStringLiteral("token.txt"));
    QFile file(fileName);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\n  " + validToken(QStringLiteral("wss")).toUtf8() + "\n");
    file.close();

    ConfigPage page;
    QString error;
    QVERIFY2(page.importTokenFile(fileName, &error), qPrintable(error));
    QCOMPARE(page.enteredToken(), validToken(QStringLiteral("wss")));

    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("this is no token");
    file.close();
    QVERIFY(!page.importTokenFile(fileName, &error));
    QVERIFY(error.contains(fileName));
    QVERIFY(!page.importTokenFile(dir.filePath(QStringLiteral("missing")), &error));
}

void TestConfigPage::testBoxMatchesCheckCommand_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("projects");
    QTest::addColumn<bool>("allowed");

    QTest::newRow("branches allowed")
            << QStringLiteral("GET")
            << QStringLiteral("/api/v4/projects/acme%2Fapp/repository/branches")
            << QStringLiteral("acme/.*") << true;
    QTest::newRow("other project denied")
            << QStringLiteral("GET")
            << QStringLiteral("/api/v4/projects/other%2Fapp/repository/branches")
            << QStringLiteral("acme/.*") << false;
    QTest::newRow("delete denied") << QStringLiteral("DELETE")
                                   << QStringLiteral("/api/v4/projects/acme%2Fapp")
                                   << QStringLiteral(".*") << false;
}

void TestConfigPage::testBoxMatchesCheckCommand()
{
    QFETCH(QString, method);
    QFETCH(QString, target);
    QFETCH(QString, projects);
    QFETCH(bool, allowed);

    ConfigPage page;
    page.setConfig(validConfig());
    page.projectsEdit()->setText(projects);
    page.testMethod()->setText(method);
    page.testTarget()->setText(target);

    // The same request through the real command line.
    QProcess check;
    check.start(TestEnvironment::executable(QStringLiteral("vcs-agent")),
                { QStringLiteral("check"), QStringLiteral("--vendor"), QStringLiteral("gitlab"),
                  QStringLiteral("--allowed-projects"), projects, method, target });
    QVERIFY(check.waitForFinished(30000));
    QCOMPARE(check.exitCode(), allowed ? 0 : 1);
    QCOMPARE(page.checkOutput(), QString::fromUtf8(check.readAllStandardOutput()).trimmed());
    QVERIFY(!page.checkResult().isEmpty());
    auto *command = page.findChild<QLabel *>(QStringLiteral("testCommand"));
    QVERIFY(command->text().startsWith(QStringLiteral("vcs-agent check --vendor gitlab")));
}

QTEST_MAIN(TestConfigPage)
#include "tst_configpage.moc"
