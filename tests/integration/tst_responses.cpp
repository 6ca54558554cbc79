#include "agent/upstreamclient.h"
#include "systemharness.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

namespace {

// GitLab's raw file endpoint, which the allowlist lets through and where localvcs serves its
// test behaviours with ?respond=NAME.
const QByteArray rawFilePath = "/api/v4/projects/2/repository/files/README.md/raw";

QStringList lowerCaseNames(const HttpHeaderList &headers)
{
    QStringList names;
    for (const auto &header : headers) {
        names.append(QString::fromLatin1(header.first).toLower());
    }
    return names;
}

} // namespace

// The VCS response travels back to the platform unchanged, except for hop-by-hop headers and
// framing: localvcs as the VCS, one gateway and one agent with four streams, all on 127.0.0.1.
class TestResponses final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void redirectNotFollowed_data();
    void redirectNotFollowed();
    void gzipBodyNotDecoded_data();
    void gzipBodyNotDecoded();
    void setCookieFieldsKeptInOrder();
    void hopByHopResponseHeadersDropped();
    void statusWithoutBody_data();
    void statusWithoutBody();
    void errorStatusKeepsBody();
    void headRequestDenied();
    void upstreamHeadHasNoBody();
    void truncatedUpstreamBody_data();
    void truncatedUpstreamBody();

private:
    // The number of requests that reached localvcs after `sinceId`.
    qsizetype upstreamRequestsSince(qint64 sinceId) const;

    std::unique_ptr<SystemHarness> m_harness;
    TestProcess *m_agent = nullptr;
};

void TestResponses::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs(), qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway(), qPrintable(m_harness->lastError()));
    const auto token = m_harness->createPool(QStringLiteral("responses"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    m_agent = m_harness->startAgent(*token);
    QVERIFY2(m_harness->waitForStreams(m_agent, 4), qPrintable(m_harness->logTail()));
}

void TestResponses::cleanup()
{
    if (QTest::currentTestFailed()) {
        qInfo().noquote() << m_harness->logTail(40);
    }
}

qsizetype TestResponses::upstreamRequestsSince(qint64 sinceId) const
{
    return m_harness->localVcs().requests(sinceId).size();
}

void TestResponses::redirectNotFollowed_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("location");

    QTest::newRow("301 relative") << 301 << QByteArray("/api/v4/version");
    QTest::newRow("302 relative") << 302 << QByteArray("/api/v4/user");
    QTest::newRow("303 relative") << 303 << QByteArray("/api/v4/projects");
    QTest::newRow("307 absolute")
            << 307 << QByteArray("https://vcs.internal.example/api/v4/version");
    QTest::newRow("308 absolute")
            << 308 << QByteArray("https://vcs.internal.example/api/v4/user");
}

void TestResponses::redirectNotFollowed()
{
    QFETCH(int, status);
    QFETCH(QByteArray, location);

    const qint64 before = m_harness->localVcs().lastRequestId();
    const QByteArray target = rawFilePath + "?respond=redirect&status=" + QByteArray::number(status)
            + "&to=" + location.toPercentEncoding();
    const RawHttpResponse response = m_harness->relay("GET", target);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("Location"), location);
    QCOMPARE(response.json().object().value(QStringLiteral("location")).toString().toLatin1(),
             location);

    // Only the redirecting request reached the VCS, so the Location was not followed.
    QCOMPARE(upstreamRequestsSince(before), 1);
}

void TestResponses::gzipBodyNotDecoded_data()
{
    QTest::addColumn<HttpHeaderList>("headers");

    QTest::newRow("with accept-encoding")
            << HttpHeaderList { { "Accept-Encoding", "gzip, deflate" } };
    QTest::newRow("without accept-encoding") << HttpHeaderList {};
    QTest::newRow("identity only") << HttpHeaderList { { "Accept-Encoding", "identity" } };
}

void TestResponses::gzipBodyNotDecoded()
{
    QFETCH(HttpHeaderList, headers);

    const RawHttpResponse response = m_harness->relay(
            "GET", rawFilePath + "?respond=gzip&size=200000", headers);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("Content-Encoding"), QByteArray("gzip"));
    QVERIFY(response.body.startsWith("\x1f\x8b"));

    // The compressed bytes arrive exactly as localvcs sent them.
    const QByteArray sentHash = response.header("X-Content-SHA256");
    QVERIFY(!sentHash.isEmpty());
    QCOMPARE(QCryptographicHash::hash(response.body, QCryptographicHash::Sha256).toHex(),
             sentHash);
    QVERIFY(response.body.size() < 200000);
    QCOMPARE(response.header("X-Uncompressed-Length"), QByteArray("200000"));
    const QByteArray length = response.header("Content-Length");
    if (!length.isNull()) {
        QCOMPARE(length.toLongLong(), response.body.size());
    }

    // The platform's Accept-Encoding reaches the VCS unchanged.
    const QJsonArray records = m_harness->localVcs().requests(
            m_harness->localVcs().lastRequestId() - 1);
    QCOMPARE(records.size(), 1);
    QByteArray acceptEncoding;
    for (const QJsonValue &header :
         records.first().toObject().value(QStringLiteral("headers")).toArray()) {
        if (header.toArray().at(0).toString().compare(QStringLiteral("Accept-Encoding"),
                                                      Qt::CaseInsensitive)
            == 0) {
            acceptEncoding = header.toArray().at(1).toString().toLatin1();
        }
    }
    QCOMPARE(acceptEncoding, HttpHeaders::value(headers, "Accept-Encoding"));
}

void TestResponses::setCookieFieldsKeptInOrder()
{
    const RawHttpResponse response = m_harness->relay("GET", rawFilePath + "?respond=cookies");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);
    const QList<QByteArray> expected = { "session=abc123; Path=/; HttpOnly",
                                         "theme=dark; Path=/" };
    QCOMPARE(response.headerValues("Set-Cookie"), expected);

    // Two separate fields, not one joined with a comma.
    QCOMPARE(response.rawHead.count("Set-Cookie:"), 2);
}

void TestResponses::hopByHopResponseHeadersDropped()
{
    const RawHttpResponse response = m_harness->relay("GET", rawFilePath + "?respond=hopbyhop");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("hop-by-hop headers sent\n"));

    const QStringList names = lowerCaseNames(response.headers);
    const QString seen = names.join(u',');
    QVERIFY2(!names.contains(QStringLiteral("x-upstream-hop")), qPrintable(seen));
    QVERIFY2(!names.contains(QStringLiteral("keep-alive")), qPrintable(seen));
    QVERIFY2(!names.contains(QStringLiteral("proxy-connection")), qPrintable(seen));
    for (const QByteArray &connection : response.headerValues("Connection")) {
        QVERIFY2(!connection.toLower().contains("x-upstream-hop"), connection.constData());
    }

    // The framing is the gateway's own: one framing header, never both.
    QVERIFY2(response.headerValues("Transfer-Encoding").size() <= 1, qPrintable(seen));
    QVERIFY2(!(names.contains(QStringLiteral("transfer-encoding"))
               && names.contains(QStringLiteral("content-length"))),
             qPrintable(seen));

    QCOMPARE(response.header("X-End-To-End"), QByteArray("kept"));
    QCOMPARE(response.header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(response.header("Content-Type"), QByteArray("text/plain"));
}

void TestResponses::statusWithoutBody_data()
{
    QTest::addColumn<int>("status");

    QTest::newRow("204") << 204;
    QTest::newRow("304") << 304;
}

void TestResponses::statusWithoutBody()
{
    QFETCH(int, status);

    const QByteArray target = rawFilePath + "?respond=status&code=" + QByteArray::number(status);
    const RawHttpResponse response = m_harness->relay("GET", target);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, status);
    QVERIFY(response.body.isEmpty());
    QCOMPARE(response.header("ETag"), QByteArray("\"localvcs-v1\""));
    QCOMPARE(response.header("X-Status"), QByteArray::number(status));
    QVERIFY2(!HttpHeaders::contains(response.headers, "Transfer-Encoding"),
             response.rawHead.constData());

    // The stream is free again: the next request on it succeeds.
    const RawHttpResponse next = m_harness->relay("GET", "/api/v4/version");
    QVERIFY2(next.complete, qPrintable(next.error));
    QCOMPARE(next.status, 200);
}

void TestResponses::errorStatusKeepsBody()
{
    const RawHttpResponse response = m_harness->relay("GET", rawFilePath
                                                              + "?respond=status&code=418");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 418);
    QCOMPARE(response.json().object().value(QStringLiteral("status")).toInt(), 418);
}

void TestResponses::headRequestDenied()
{
    // NOTE: no built-in allowlist has a HEAD rule, so a HEAD request never reaches the VCS and
    // the gateway's HEAD framing is checked here only on its 403 response.
    const qint64 before = m_harness->localVcs().lastRequestId();
    const QByteArray request = m_harness->relayRequest("HEAD", rawFilePath);
    const RawHttpResponse response = RawHttpClient::send(m_harness->apiPort(), request, 30000,
                                                         "HEAD");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 403);
    QVERIFY(response.body.isEmpty());
    QCOMPARE(upstreamRequestsSince(before), 0);
}

void TestResponses::upstreamHeadHasNoBody()
{
    // The agent's own HTTP client, as it forwards a HEAD request: headers, a declared length
    // and no body, with the connection still usable for the next request.
    UpstreamConfig config;
    config.baseEndpoint = QUrl(m_harness->localVcs().baseUrl());
    UpstreamClient client(config);
    QString failure;
    HttpHead head;
    QObject context;
    connect(&client, &UpstreamClient::failed, &context,
            [&failure](const QString &reason) { failure = reason; });
    connect(&client, &UpstreamClient::responseHeadReceived, &context,
            [&head](const HttpHead &received) { head = received; });

    client.start({ "HEAD", "/api/v4/projects/2/repository/archive?size=5000", {}, false, -1 });
    QVERIFY(waitUntil([&] { return client.isResponseComplete() || !failure.isEmpty(); }, 20000));
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QCOMPARE(head.status, 200);
    QCOMPARE(HttpHeaders::value(head.headers, "Content-Length"), QByteArray("5000"));
    QByteArray body;
    QCOMPARE(client.readBody(body, 1 << 20), 0);
    QVERIFY(body.isEmpty());

    head = HttpHead();
    client.start({ "GET", "/api/v4/projects/2/repository/archive?size=5000", {}, false, -1 });
    QVERIFY(waitUntil(
            [&] {
                client.readBody(body, 1 << 20);
                return client.isResponseComplete() || !failure.isEmpty();
            },
            20000));
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QCOMPARE(head.status, 200);
    QCOMPARE(body, generatedStream("0", 5000));
}

void TestResponses::truncatedUpstreamBody_data()
{
    QTest::addColumn<QByteArray>("options");

    QTest::newRow("content-length then FIN") << QByteArray("&fail_after=1000");
    QTest::newRow("content-length then RST") << QByteArray("&fail_after=1000&fail=reset");
    QTest::newRow("chunked then FIN") << QByteArray("&chunked=1&fail_after=1000");
    QTest::newRow("chunked then RST") << QByteArray("&chunked=1&fail_after=1000&fail=reset");
    QTest::newRow("nothing after head") << QByteArray("&fail_after=0");
}

void TestResponses::truncatedUpstreamBody()
{
    QFETCH(QByteArray, options);

    const qint64 size = 300000;
    const QByteArray target = rawFilePath + "?respond=bytes&size=" + QByteArray::number(size)
            + options;
    const RawHttpResponse response = m_harness->relay("GET", target);

    // The platform must be able to tell: a cut connection or a 502 error, never a whole 200.
    const QByteArray description = "status " + QByteArray::number(response.status) + ", "
            + QByteArray::number(response.body.size()) + " body bytes, "
            + response.error.toLatin1();
    QVERIFY2(!response.complete || response.status == 502, description.constData());
    QVERIFY2(response.body.size() < size, description.constData());
    if (response.status == 200) {
        QVERIFY2(generatedStream("0", response.body.size()) == response.body,
                 "the bytes that did arrive differ from what the VCS sent");
    }

    // The agent and its streams recover for the next request.
    const RawHttpResponse next = m_harness->relay("GET", "/api/v4/version");
    QVERIFY2(next.complete, qPrintable(next.error));
    QCOMPARE(next.status, 200);
}

QTEST_GUILESS_MAIN(TestResponses)
#include "tst_responses.moc"
