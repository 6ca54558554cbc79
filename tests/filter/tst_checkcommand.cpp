#include "filter/checkcommand.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>

class TestCheckCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void run_data();
    void run();
    void environment();
    void bodyFile();
};

void TestCheckCommand::run_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("decision");
    QTest::addColumn<QString>("message"); // expected in err for exit code 2

    const auto args = [](const char *text) { return QString::fromUtf8(text).split(QLatin1Char('|')); };
    QTest::newRow("allowed") << args("--vendor|gitlab|GET|/api/v4/user") << 0 << QStringLiteral("allow") << QString();
    QTest::newRow("denied") << args("--vendor|gitlab|DELETE|/api/v4/user") << 1 << QStringLiteral("deny") << QString();
    QTest::newRow("pattern denies") << args("--vendor|gitlab|--allowed-projects|acme/app|GET|/api/v4/projects/other%2Fapp")
                                    << 1 << QStringLiteral("deny") << QString();
    QTest::newRow("header") << args("--vendor|gitlab|-H|X-HTTP-Method-Override: DELETE|POST|/api/v4/projects/a%2Fb/statuses/1")
                            << 1 << QStringLiteral("deny") << QString();
    QTest::newRow("graphql without body") << args("--vendor|github_enterprise|--allowed-projects|acme/.*|POST|/api/graphql")
                                          << 1 << QStringLiteral("deny") << QString();
    QTest::newRow("no vendor") << args("GET|/api/v4/user") << 2 << QString() << QStringLiteral("No vendor set");
    QTest::newRow("unknown vendor") << args("--vendor|gitlab.com|GET|/a") << 2 << QString()
                                    << QStringLiteral("Unknown vendor \"gitlab.com\"");
    QTest::newRow("missing target") << args("--vendor|gitlab|GET") << 2 << QString()
                                    << QStringLiteral("Expected METHOD and TARGET");
    QTest::newRow("bad pattern") << args("--vendor|gitlab|--allowed-projects|acme/(|GET|/a") << 2 << QString()
                                 << QStringLiteral("Invalid allowed-projects pattern \"acme/(\" at offset");
    QTest::newRow("bad header") << args("--vendor|gitlab|-H|NoColon|GET|/a") << 2 << QString()
                                << QStringLiteral("Invalid header \"NoColon\"");
    QTest::newRow("unknown option") << args("--vendr|gitlab|GET|/a") << 2 << QString()
                                    << QStringLiteral("vendr");
    QTest::newRow("missing body file") << args("--vendor|gitlab|--body|/nonexistent/body|GET|/a") << 2 << QString()
                                       << QStringLiteral("Cannot read body file \"/nonexistent/body\"");
}

void TestCheckCommand::run()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, decision);
    QFETCH(QString, message);

    QString output;
    QString errors;
    QTextStream out(&output);
    QTextStream err(&errors);
    QCOMPARE(runCheckCommand(arguments, QProcessEnvironment(), out, err), exitCode);
    if (exitCode == 2) {
        QVERIFY(output.isEmpty());
        QVERIFY2(errors.contains(message), qPrintable(errors));
        QCOMPARE(errors.count(QLatin1Char('\n')), 1);
        return;
    }
    QVERIFY2(errors.isEmpty(), qPrintable(errors));
    const QJsonObject object = QJsonDocument::fromJson(output.toUtf8()).object();
    QCOMPARE(object.value(QLatin1String("decision")).toString(), decision);
    for (const char *key : {"rule", "description", "project", "reason"}) {
        QVERIFY2(object.value(QLatin1String(key)).isString(), key);
    }
    QVERIFY(!object.value(QLatin1String("reason")).toString().isEmpty());
}

void TestCheckCommand::environment()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), QStringLiteral("gitlab"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS"), QStringLiteral("acme/.*"));
    QString output;
    QString errors;
    QTextStream out(&output);
    QTextStream err(&errors);

    const QStringList request = {QStringLiteral("GET"), QStringLiteral("/api/v4/projects/other%2Fx")};
    QCOMPARE(runCheckCommand(request, environment, out, err), 1);

    // Flags win over the environment.
    QCOMPARE(runCheckCommand(QStringList{QStringLiteral("--allowed-projects"), QStringLiteral("other/.*")}
                                     + request,
                             environment, out, err),
             0);
    QCOMPARE(runCheckCommand(QStringList{QStringLiteral("--vendor"), QStringLiteral("github_enterprise")}
                                     + request,
                             environment, out, err),
             1);
    QVERIFY(output.contains(QLatin1String("\"project\":\"other/x\"")));
}

void TestCheckCommand::bodyFile()
{
    QTemporaryFile body;
    QVERIFY(body.open());
    body.write(R"({"query": "{ repository(owner: \"acme\", name: \"app\") { id } }"})");
    body.close();

    QString output;
    QString errors;
    QTextStream out(&output);
    QTextStream err(&errors);
    const QStringList arguments = {QStringLiteral("--vendor"), QStringLiteral("github_enterprise"),
                                   QStringLiteral("--allowed-projects"), QStringLiteral("acme/app"),
                                   QStringLiteral("--body"), body.fileName(),
                                   QStringLiteral("POST"), QStringLiteral("/api/graphql")};
    QCOMPARE(runCheckCommand(arguments, QProcessEnvironment(), out, err), 0);
    const QJsonObject object = QJsonDocument::fromJson(output.toUtf8()).object();
    QCOMPARE(object.value(QLatin1String("rule")).toString(), QStringLiteral("graphql"));
    QCOMPARE(object.value(QLatin1String("project")).toString(), QStringLiteral("acme/app"));
}

QTEST_GUILESS_MAIN(TestCheckCommand)
#include "tst_checkcommand.moc"
