#include "filter/graphqlinspector.h"
#include "filter/requestfilter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

// Wraps a GraphQL document and its variables (JSON text) into a request body.
QByteArray body(const char *query, const char *variables = nullptr)
{
    QJsonObject object{{QStringLiteral("query"), QString::fromUtf8(query)}};
    if (variables) {
        object.insert(QStringLiteral("variables"),
                      QJsonDocument::fromJson(variables).object());
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestGraphQlInspector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void inspect_data();
    void inspect();
    void filterWithPattern_data();
    void filterWithPattern();
};

void TestGraphQlInspector::inspect_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("repositories"); // comma-separated; "!" prefix means rejected

    QTest::newRow("literal") << body(R"(query { repository(owner: "acme", name: "app") { id } })")
                             << QStringLiteral("acme/app");
    QTest::newRow("shorthand") << body(R"({ repository(owner: "acme", name: "app") { id } })")
                               << QStringLiteral("acme/app");
    QTest::newRow("variables")
            << body(R"(query Q($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } })",
                    R"({"o": "acme", "n": "app"})")
            << QStringLiteral("acme/app");
    QTest::newRow("variable default")
            << body(R"(query ($o: String = "acme") { repository(owner: $o, name: "app") { id } })")
            << QStringLiteral("acme/app");
    QTest::newRow("variable overrides default")
            << body(R"(query ($o: String = "acme") { repository(owner: $o, name: "app") { id } })",
                    R"({"o": "other"})")
            << QStringLiteral("other/app");
    QTest::newRow("escapes") << body(R"({ repository(owner: "ac\u006de", name: "a\"pp") { id } })")
                             << QStringLiteral("acme/a\"pp");
    QTest::newRow("block string")
            << body("{ repository(owner: \"\"\"\n    acme\n  \"\"\", name: \"app\") { id } }")
            << QStringLiteral("acme/app");
    QTest::newRow("comment hides nothing")
            << body("{ # repository(owner: \"x\", name: \"y\")\n repository(owner: \"acme\", name: \"app\") { id } }")
            << QStringLiteral("acme/app");
    QTest::newRow("string hides nothing")
            << body(R"({ repository(owner: "acme", name: "app") { object(expression: "repository(owner:") { id } } })")
            << QStringLiteral("acme/app");
    QTest::newRow("alias") << body(R"({ a: repository(owner: "acme", name: "app") { id } b: repository(owner: "acme", name: "lib") { id } })")
                           << QStringLiteral("acme/app,acme/lib");
    QTest::newRow("nested inline fragment")
            << body(R"({ repository(owner: "acme", name: "app") { ref(qualifiedName: "main") { target { ... on Commit { oid history(first: 1) { nodes { oid } } } } } } })")
            << QStringLiteral("acme/app");
    QTest::newRow("inline fragment")
            << body(R"({ repository(owner: "acme", name: "app") { ref(qualifiedName: "main") { target { ... on Commit { oid } } } } })")
            << QStringLiteral("acme/app");
    QTest::newRow("named fragment checked")
            << body(R"(query { repository(owner: "acme", name: "app") { ...F } } fragment F on Repository { id })")
            << QStringLiteral("acme/app");
    QTest::newRow("fragment names repository")
            << body(R"(fragment F on Query { repository(owner: "other", name: "x") { id } } query { ...F })")
            << QStringLiteral("other/x");
    QTest::newRow("no repository") << body("{ viewer { login } }") << QString();
    QTest::newRow("rate limit") << body("{ rateLimit { remaining } }") << QString();
    QTest::newRow("root field not allowed")
            << body(R"({ securityAdvisories(first: 1) { totalCount } })") << QStringLiteral("!");
    QTest::newRow("root field in inline fragment")
            << body(R"({ ... on Query { topic(name: "x") { name } } })") << QStringLiteral("!");
    QTest::newRow("root field in fragment on Query")
            << body(R"(query { ...F } fragment F on Query { license(key: "mit") { name } })")
            << QStringLiteral("!");
    QTest::newRow("relay re-enters root")
            << body(R"({ relay { organization(login: "acme") { id } } })") << QStringLiteral("!");
    QTest::newRow("directives and arguments")
            << body(R"(query ($s: Boolean = true) { repository(owner: "acme", name: "app") @include(if: $s) { issues(first: 10, labels: ["a", "b"], orderBy: {field: CREATED_AT, direction: DESC}) { totalCount } } })")
            << QStringLiteral("acme/app");

    QTest::newRow("mutation") << body(R"(mutation { createRef(input: {name: "x"}) { ref { name } } })")
                              << QStringLiteral("!");
    QTest::newRow("subscription") << body("subscription { x }") << QStringLiteral("!");
    QTest::newRow("two operations")
            << body(R"(query A { viewer { login } } query B { viewer { login } })")
            << QStringLiteral("!");
    QTest::newRow("node by id") << body(R"({ node(id: "R_1") { id } })") << QStringLiteral("!");
    QTest::newRow("nodes by id") << body(R"({ nodes(ids: ["R_1"]) { id } })") << QStringLiteral("!");
    QTest::newRow("search") << body(R"({ search(query: "x", type: REPOSITORY, first: 1) { edges { node { __typename } } } })")
                            << QStringLiteral("!");
    QTest::newRow("viewer repositories") << body("{ viewer { repositories(first: 5) { totalCount } } }")
                                         << QStringLiteral("!");
    QTest::newRow("organization") << body(R"({ organization(login: "acme") { id } })") << QStringLiteral("!");
    QTest::newRow("repository without owner")
            << body(R"({ repository(name: "app") { id } })") << QStringLiteral("!");
    QTest::newRow("owner hop to other repository")
            << body(R"({ repository(owner: "acme", name: "app") { owner { repository(name: "secret") { id } } } })")
            << QStringLiteral("!");
    QTest::newRow("parent repository")
            << body(R"({ repository(owner: "acme", name: "app") { parent { name } } })")
            << QStringLiteral("!");
    QTest::newRow("unknown variable")
            << body(R"(query ($o: String) { repository(owner: $o, name: "app") { id } })")
            << QStringLiteral("!");
    QTest::newRow("variable not a string")
            << body(R"(query ($o: String) { repository(owner: $o, name: "app") { id } })", R"({"o": 5})")
            << QStringLiteral("!");
    QTest::newRow("enum as owner") << body(R"({ repository(owner: acme, name: "app") { id } })")
                                   << QStringLiteral("!");
    QTest::newRow("slash in owner") << body(R"({ repository(owner: "acme/x", name: "app") { id } })")
                                    << QStringLiteral("!");
    QTest::newRow("empty name") << body(R"({ repository(owner: "acme", name: "") { id } })")
                                << QStringLiteral("!");
    QTest::newRow("duplicate argument")
            << body(R"({ repository(owner: "acme", owner: "x", name: "app") { id } })")
            << QStringLiteral("!");
    QTest::newRow("unterminated string") << body(R"({ repository(owner: "acme) { id } })") << QStringLiteral("!");
    QTest::newRow("unterminated block string") << body(R"({ a(b: """x) { id } })") << QStringLiteral("!");
    QTest::newRow("unbalanced braces") << body("{ viewer { login }") << QStringLiteral("!");
    QTest::newRow("empty document") << body("  # nothing\n") << QStringLiteral("!");
    QTest::newRow("deep nesting")
            << body(QByteArray(QByteArray("{ ").repeated(100) + "a" + QByteArray(" }").repeated(100)).constData())
            << QStringLiteral("!");
    QTest::newRow("not JSON") << QByteArray("query { viewer { login } }") << QStringLiteral("!");
    QTest::newRow("JSON array") << QByteArray(R"([{"query": "{ viewer { login } }"}])") << QStringLiteral("!");
    QTest::newRow("query not a string") << QByteArray(R"({"query": 5})") << QStringLiteral("!");
    QTest::newRow("variables not an object") << QByteArray(R"({"query": "{ a }", "variables": [1]})")
                                             << QStringLiteral("!");
}

void TestGraphQlInspector::inspect()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, repositories);

    const GraphQlInspector::Result result = GraphQlInspector::inspect(body);
    if (repositories == QLatin1String("!")) {
        QVERIFY(!result.ok);
        QVERIFY(!result.reason.isEmpty());
        return;
    }
    QVERIFY2(result.ok, qPrintable(result.reason));
    QCOMPARE(result.repositories.join(QLatin1Char(',')), repositories);
}

void TestGraphQlInspector::filterWithPattern_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("allowed");

    QTest::newRow("allowed repository")
            << body(R"({ repository(owner: "acme", name: "app") { id } })") << true;
    QTest::newRow("case differs") << body(R"({ repository(owner: "ACME", name: "App") { id } })")
                                  << true;
    QTest::newRow("one of two denied")
            << body(R"({ a: repository(owner: "acme", name: "app") { id } b: repository(owner: "other", name: "x") { id } })")
            << false;
    QTest::newRow("variables denied")
            << body(R"(query ($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } })",
                    R"({"o": "other", "n": "secret"})")
            << false;
    QTest::newRow("no repository") << body("{ viewer { login } }") << true;
    QTest::newRow("mutation") << body(R"(mutation { addComment(input: {subjectId: "x", body: "y"}) { clientMutationId } })")
                              << false;
}

void TestGraphQlInspector::filterWithPattern()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, allowed);

    QString error;
    const auto filter = RequestFilter::create(Vendor::GitHubEnterprise, QStringLiteral("acme/.*"),
                                              &error);
    QVERIFY2(filter, qPrintable(error));
    const FilterDecision head = filter->evaluate("POST", "/api/graphql", {});
    QVERIFY(head.needsBody);
    const FilterDecision decision = filter->evaluateBody(head, body);
    QVERIFY2(decision.allowed == allowed, qPrintable(decision.reason));
    QVERIFY(!decision.needsBody);
}

QTEST_GUILESS_MAIN(TestGraphQlInspector)
#include "tst_graphqlinspector.moc"
