#include "filter/allowlist.h"
#include "filter/requestfilter.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

namespace {

// Wraps one rule object (JSON text) into an allowlist file.
QByteArray fileWithRule(const char *rule)
{
    return QByteArray(R"({"vendor": "gitlab", "rules": [)") + rule + "]}";
}

} // namespace

class TestAllowlist : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badFile_data();
    void badFile();
    void missingFile();
    void vendorMismatch();
    void builtInAllowlists();
    void pathTemplate_data();
    void pathTemplate();
};

void TestAllowlist::badFile_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");

    const char *good = R"("description": "d", "method": "GET", "path": "/a")";
    QTest::newRow("invalid JSON") << QByteArray("{") << QStringLiteral("invalid JSON at offset");
    QTest::newRow("not an object") << QByteArray("[]") << QStringLiteral("expected an object");
    QTest::newRow("unknown top-level key")
            << QByteArray(R"({"vendor": "gitlab", "rules": [], "extra": 1})")
            << QStringLiteral("unknown key \"extra\"");
    QTest::newRow("no rules") << QByteArray(R"({"vendor": "gitlab", "rules": []})")
                              << QStringLiteral("has no rules");
    QTest::newRow("rule not an object") << fileWithRule("1") << QStringLiteral("rule #1: a rule must be an object");
    QTest::newRow("missing name") << fileWithRule(R"({"description": "d", "method": "GET", "path": "/a"})")
                                  << QStringLiteral("rule #1: \"name\" must be");
    QTest::newRow("bad name") << fileWithRule(R"({"name": "Bad Name", "description": "d", "method": "GET", "path": "/a"})")
                              << QStringLiteral("rule \"Bad Name\": \"name\" must be");
    QTest::newRow("duplicate name")
            << fileWithRule(QByteArray(QByteArray(R"({"name": "r", )") + good + R"(}, {"name": "r", )"
                                       + good + "}")
                                    .constData())
            << QStringLiteral("rule \"r\": the name is used by an earlier rule");
    QTest::newRow("unknown rule key")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a", "paths": []})")
            << QStringLiteral("rule \"r\": unknown key \"paths\"");
    QTest::newRow("missing description") << fileWithRule(R"({"name": "r", "method": "GET", "path": "/a"})")
                                         << QStringLiteral("rule \"r\": \"description\" is missing");
    QTest::newRow("two-line description")
            << fileWithRule(R"({"name": "r", "description": "a\nb", "method": "GET", "path": "/a"})")
            << QStringLiteral("\"description\" must be one line");
    QTest::newRow("lower-case method")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "get", "path": "/a"})")
            << QStringLiteral("rule \"r\": \"method\" must be one of");
    QTest::newRow("relative path")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "a"})")
            << QStringLiteral("must start with /");
    QTest::newRow("empty path segment")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a//b"})")
            << QStringLiteral("empty or dot segment");
    QTest::newRow("dot path segment")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a/../b"})")
            << QStringLiteral("empty or dot segment");
    QTest::newRow("bad placeholder")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a/{1x}"})")
            << QStringLiteral("invalid placeholder");
    QTest::newRow("placeholder inside segment")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a/x{y}"})")
            << QStringLiteral("must start its segment");
    QTest::newRow("two multi-segment placeholders")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/{a+}/x/{b+}"})")
            << QStringLiteral("more than one {name+}");
    QTest::newRow("repeated placeholder")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/{a}/{a}"})")
            << QStringLiteral("repeats the placeholder {a}");
    QTest::newRow("project names unknown placeholder")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/{a}", "project": "{a}/{b}"})")
            << QStringLiteral("\"project\" names {b}");
    QTest::newRow("project with literal text")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/{a}", "project": "x/{a}"})")
            << QStringLiteral("\"project\" must be placeholders");
    QTest::newRow("query not a list")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "GET", "path": "/a", "query": {"service": "x"}})")
            << QStringLiteral("\"query\" must map");
    QTest::newRow("unknown body")
            << fileWithRule(R"({"name": "r", "description": "d", "method": "POST", "path": "/a", "body": "json"})")
            << QStringLiteral("\"body\" must be \"graphql\"");
}

void TestAllowlist::badFile()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);

    QTemporaryDir directory;
    const QString path = directory.filePath(QStringLiteral("gitlab.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(json);
    file.close();

    QString error;
    QVERIFY(!Allowlist::loadFile(path, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));

    // The filter fails to start on the same file, with the same message.
    QString filterError;
    QVERIFY(!RequestFilter::create(Vendor::GitLab, QString(), path, &filterError));
    QCOMPARE(filterError, error);
}

void TestAllowlist::missingFile()
{
    QString error;
    QVERIFY(!Allowlist::loadFile(QStringLiteral("/nonexistent/gitlab.json"), &error));
    QVERIFY2(error.startsWith(QLatin1String("Cannot read allowlist /nonexistent/gitlab.json")),
             qPrintable(error));
}

void TestAllowlist::vendorMismatch()
{
    QString error;
    QVERIFY(!RequestFilter::create(Vendor::GitLab, QString(),
                                   QStringLiteral(":/allowlists/azure_devops.json"), &error));
    QVERIFY2(error.contains(QLatin1String("is for vendor \"azure_devops\"")), qPrintable(error));
}

void TestAllowlist::builtInAllowlists()
{
    const QDir directory(QStringLiteral(":/allowlists"));
    const QStringList names = directory.entryList(QDir::Files);
    QCOMPARE(names.size(), 4);
    for (const QString &name : names) {
        QString error;
        const std::optional<Allowlist> allowlist = Allowlist::loadFile(directory.filePath(name), &error);
        QVERIFY2(allowlist, qPrintable(error));
        QCOMPARE(allowlist->vendor() + QStringLiteral(".json"), name);
        for (const AllowlistRule &rule : allowlist->rules()) {
            QVERIFY2(!rule.description.isEmpty(), qPrintable(rule.name));
        }
    }
}

void TestAllowlist::pathTemplate_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("segments");
    QTest::addColumn<QString>("values"); // "name=value" pairs joined by ';', or "!" for no match

    QTest::newRow("literal") << QStringLiteral("/a/b") << QStringLiteral("a|b") << QString();
    QTest::newRow("literal mismatch") << QStringLiteral("/a/b") << QStringLiteral("a|c") << QStringLiteral("!");
    QTest::newRow("too many segments") << QStringLiteral("/a/{x}") << QStringLiteral("a|b|c") << QStringLiteral("!");
    QTest::newRow("single") << QStringLiteral("/a/{x}") << QStringLiteral("a|b") << QStringLiteral("x=b");
    QTest::newRow("suffix") << QStringLiteral("/{x}.git") << QStringLiteral("app.git") << QStringLiteral("x=app");
    QTest::newRow("suffix only") << QStringLiteral("/{x}.git") << QStringLiteral(".git") << QStringLiteral("!");
    QTest::newRow("multiple") << QStringLiteral("/{n+}/{r}.git/info") << QStringLiteral("a|b|c|r.git|info")
                              << QStringLiteral("n=a/b/c;r=r");
    QTest::newRow("multiple needs one") << QStringLiteral("/{n+}/{r}") << QStringLiteral("r") << QStringLiteral("!");
    QTest::newRow("multiple at end") << QStringLiteral("/a/{f+}") << QStringLiteral("a|x|y") << QStringLiteral("f=x/y");
    QTest::newRow("case sensitive literal") << QStringLiteral("/api") << QStringLiteral("API") << QStringLiteral("!");
}

void TestAllowlist::pathTemplate()
{
    QFETCH(QString, path);
    QFETCH(QString, segments);
    QFETCH(QString, values);

    QString error;
    const std::optional<PathTemplate> parsed = PathTemplate::parse(path, &error);
    QVERIFY2(parsed, qPrintable(error));
    const auto match = parsed->match(segments.split(QLatin1Char('|')));
    if (values == QLatin1String("!")) {
        QVERIFY(!match);
        return;
    }
    QVERIFY(match);
    QStringList pairs;
    for (auto it = match->begin(); it != match->end(); ++it) {
        pairs.append(it.key() + QLatin1Char('=') + it.value());
    }
    pairs.sort();
    QCOMPARE(pairs.join(QLatin1Char(';')), values);
}

QTEST_GUILESS_MAIN(TestAllowlist)
#include "tst_allowlist.moc"
