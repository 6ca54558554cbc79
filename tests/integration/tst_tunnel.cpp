#include "systemharness.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <future>

// The tunnel end to end on 127.0.0.1: localvcs as the VCS, one gateway, one agent with four
// streams.
class TestTunnel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void allowedRequestByteExact_data();
    void allowedRequestByteExact();
    void hopByHopHeadersStripped();
    void deniedRequestNeverReachesUpstream();
    void gitCloneThroughTunnel();
    void streamsServeConcurrentRequests();
    void largeDownloadKeepsBytes();
    void uploadKeepsBytes();
    void accessLogRecordFields();
    void gatewayRestartReconnects();

private:
    // The upstream record of the only request that reached localvcs after `sinceId`.
    QJsonObject onlyRecordSince(qint64 sinceId);

    std::unique_ptr<SystemHarness> m_harness;
    TestProcess *m_agent = nullptr;
};

void TestTunnel::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs(), qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway(), qPrintable(m_harness->lastError()));
    const auto token = m_harness->createPool(QStringLiteral("tunnel"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    m_agent = m_harness->startAgent(*token);
    QVERIFY2(m_harness->waitForStreams(m_agent, 4), qPrintable(m_harness->logTail()));
}

void TestTunnel::cleanup()
{
    if (QTest::currentTestFailed()) {
        qInfo().noquote() << m_harness->logTail(40);
    }
}

QJsonObject TestTunnel::onlyRecordSince(qint64 sinceId)
{
    const QJsonArray records = m_harness->localVcs().requests(sinceId);
    if (records.size() != 1) {
        qWarning() << "expected one upstream record, got" << records;
        return QJsonObject();
    }
    return records.first().toObject();
}

void TestTunnel::allowedRequestByteExact_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");

    QTest::newRow("encoded file path")
            << QByteArray("/api/v4/projects/acme%2fapp/repository/files/"
                          "%2espacelift%2fconfig%2eyml/raw?ref=main")
            << 200;
    QTest::newRow("upper-case escapes")
            << QByteArray("/api/v4/projects/acme%2Fapp/repository/files/"
                          "%2Espacelift%2Fconfig%2Eyml/raw?ref=main")
            << 200;
    QTest::newRow("project by id") << QByteArray("/api/v4/projects/2/repository/branches") << 200;
    QTest::newRow("query order kept")
            << QByteArray("/api/v4/projects/2/merge_requests?state=opened&per_page=5&state=all")
            << 200;
}

void TestTunnel::allowedRequestByteExact()
{
    QFETCH(QByteArray, target);
    QFETCH(int, status);

    const qint64 before = m_harness->localVcs().lastRequestId();
    const RawHttpResponse response = m_harness->relay(
            "GET", target,
            { { "X-Multi", "one" }, { "x-multi", "two" }, { "Accept", "application/json" } });
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, status);

    const QJsonObject record = onlyRecordSince(before);
    QCOMPARE(record.value(QStringLiteral("request_line")).toString().toLatin1(),
             "GET " + target + " HTTP/1.1");
    QCOMPARE(record.value(QStringLiteral("target")).toString().toLatin1(), target);

    // Both X-Multi fields arrive separately, in order, with their case.
    QList<QPair<QString, QString>> multi;
    for (const QJsonValue &header : record.value(QStringLiteral("headers")).toArray()) {
        const QString name = header.toArray().at(0).toString();
        if (name.compare(QStringLiteral("X-Multi"), Qt::CaseInsensitive) == 0) {
            multi.append({ name, header.toArray().at(1).toString() });
        }
    }
    const QList<QPair<QString, QString>> expected = {
        { QStringLiteral("X-Multi"), QStringLiteral("one") },
        { QStringLiteral("x-multi"), QStringLiteral("two") },
    };
    QCOMPARE(multi, expected);
}

void TestTunnel::hopByHopHeadersStripped()
{
    const qint64 before = m_harness->localVcs().lastRequestId();
    const RawHttpResponse response = m_harness->relay(
            "GET", "/api/v4/user",
            { { "Connection", "X-Private-Hop, close" }, { "X-Private-Hop", "1" },
              { "Keep-Alive", "timeout=5" }, { "TE", "trailers" },
              { "Proxy-Authorization", "Basic eDp5" }, { "X-End-To-End", "kept" } });
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);

    const QJsonObject record = onlyRecordSince(before);
    QStringList names;
    QString host;
    for (const QJsonValue &header : record.value(QStringLiteral("headers")).toArray()) {
        const QString name = header.toArray().at(0).toString();
        names.append(name.toLower());
        if (name.compare(QStringLiteral("Host"), Qt::CaseInsensitive) == 0) {
            host = header.toArray().at(1).toString();
        }
    }
    QCOMPARE(host, QStringLiteral("127.0.0.1:%1").arg(m_harness->localVcs().port()));
    QCOMPARE(names.count(QStringLiteral("host")), 1);
    QVERIFY(names.contains(QStringLiteral("x-end-to-end")));
    QVERIFY2(!names.contains(QStringLiteral("x-private-hop")), qPrintable(names.join(u',')));
    QVERIFY(!names.contains(QStringLiteral("keep-alive")));
    QVERIFY(!names.contains(QStringLiteral("te")));
    QVERIFY(!names.contains(QStringLiteral("proxy-authorization")));
    QVERIFY2(!names.contains(QStringLiteral("authorization")),
             "the gateway's API key must not reach the VCS");
}

void TestTunnel::deniedRequestNeverReachesUpstream()
{
    const qint64 before = m_harness->localVcs().lastRequestId();
    const RawHttpResponse response = m_harness->relay("DELETE", "/api/v4/projects/2");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 403);
    QVERIFY(response.header("Content-Type").startsWith("application/json"));
    const QJsonObject body = response.json().object();
    QVERIFY2(!body.isEmpty(), response.body.constData());
    QCOMPARE(body.value(QStringLiteral("error")).toString(), QStringLiteral("denied"));
    const QString reason = body.value(QStringLiteral("reason")).toString();
    QVERIFY2(reason.contains(QStringLiteral("DELETE")), qPrintable(reason));

    // The agent rejected it without connecting to localvcs, so nothing can arrive later either.
    QVERIFY(m_harness->localVcs().requests(before).isEmpty());
}

void TestTunnel::gitCloneThroughTunnel()
{
    QJsonObject source;
    for (const QJsonValue &repository : m_harness->localVcs().repositories()) {
        if (repository.toObject().value(QStringLiteral("path")).toString()
            == QStringLiteral("acme/platform/app")) {
            source = repository.toObject();
        }
    }
    QVERIFY(!source.isEmpty());
    const QString expectedHead = source.value(QStringLiteral("head")).toString();
    QVERIFY(!expectedHead.isEmpty());

    const QString checkout = m_harness->workDir() + QStringLiteral("/clone");
    const QProcessEnvironment environment = m_harness->clientEnvironment();
    const ProcessResult clone = TestProcess::run(
            QStringLiteral("git"),
            { QStringLiteral("-c"),
              QStringLiteral("http.extraHeader=Authorization: Bearer ")
                      + QString::fromLatin1(m_harness->apiKey()),
              QStringLiteral("clone"), QStringLiteral("--quiet"),
              m_harness->relayUrl(QStringLiteral("acme/platform/app.git")), checkout },
            environment, 60000);
    QVERIFY2(clone.finished && clone.exitCode == 0, clone.standardError.constData());

    const ProcessResult head = TestProcess::run(
            QStringLiteral("git"), { QStringLiteral("-C"), checkout, QStringLiteral("rev-parse"),
                                     QStringLiteral("HEAD") },
            environment, 10000);
    QCOMPARE(QString::fromLatin1(head.standardOutput.trimmed()), expectedHead);

    const ProcessResult fsck = TestProcess::run(
            QStringLiteral("git"), { QStringLiteral("-C"), checkout, QStringLiteral("fsck"),
                                     QStringLiteral("--strict") },
            environment, 60000);
    QVERIFY2(fsck.finished && fsck.exitCode == 0, fsck.standardError.constData());
}

void TestTunnel::streamsServeConcurrentRequests()
{
    // Each archive takes about two seconds at this rate, so the four overlap.
    const qint64 before = m_harness->localVcs().lastRequestId();
    std::vector<std::future<RawHttpResponse>> responses;
    for (int i = 0; i < 4; ++i) {
        const QByteArray target = "/api/v4/projects/2/repository/archive?size=60000&rate=30000&seed=c"
                + QByteArray::number(i);
        const QByteArray request = m_harness->relayRequest("GET", target);
        const quint16 port = m_harness->apiPort();
        responses.push_back(std::async(std::launch::async, [port, request] {
            return RawHttpClient::send(port, request, 30000);
        }));
    }

    // Records appear when localvcs has read a request head and get a status once the response
    // is sent, so four records without status show four requests in flight at the same time.
    int maxInFlight = 0;
    QSet<qint64> connections;
    waitUntil(
            [&] {
                const QJsonArray records = m_harness->localVcs().requests(before);
                int inFlight = 0;
                for (const QJsonValue &value : records) {
                    const QJsonObject record = value.toObject();
                    connections.insert(record.value(QStringLiteral("connection_id")).toInteger());
                    if (record.value(QStringLiteral("status")).isNull()
                        || !record.contains(QStringLiteral("status"))) {
                        ++inFlight;
                    }
                }
                maxInFlight = qMax(maxInFlight, inFlight);
                return maxInFlight >= 4;
            },
            15000);

    for (int i = 0; i < 4; ++i) {
        const RawHttpResponse response = responses[size_t(i)].get();
        QVERIFY2(response.complete, qPrintable(response.error));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, generatedStream("c" + QByteArray::number(i), 60000));
    }
    QCOMPARE(maxInFlight, 4);
    QCOMPARE(connections.size(), 4);
}

void TestTunnel::largeDownloadKeepsBytes()
{
    const qint64 size = 50 * 1024 * 1024;
    const RawHttpResponse response = m_harness->relay(
            "GET", "/api/v4/projects/2/repository/archive?size=" + QByteArray::number(size)
                    + "&seed=large",
            {}, {}, 90000);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body.size(), size);
    QCOMPARE(QCryptographicHash::hash(response.body, QCryptographicHash::Sha256).toHex(),
             generatedStreamSha256("large", size));
}

void TestTunnel::uploadKeepsBytes()
{
    const QByteArray body = generatedStream("upload", 3 * 1024 * 1024 + 17);
    const qint64 before = m_harness->localVcs().lastRequestId();
    const RawHttpResponse response = m_harness->relay(
            "POST", "/api/v4/projects/acme%2Fapp/statuses/0123456789abcdef0123456789abcdef01234567"
                    "?state=success&name=upload",
            { { "Content-Type", "application/octet-stream" } }, body, 60000);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 201);
    const QByteArray expected = QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex();
    const QJsonObject answer = response.json().object();
    QCOMPARE(answer.value(QStringLiteral("body_length")).toInteger(), body.size());
    QCOMPARE(answer.value(QStringLiteral("body_sha256")).toString().toLatin1(), expected);

    const QJsonObject record = onlyRecordSince(before);
    QCOMPARE(record.value(QStringLiteral("body_length")).toInteger(), body.size());
    QCOMPARE(record.value(QStringLiteral("body_sha256")).toString().toLatin1(), expected);
}

void TestTunnel::accessLogRecordFields()
{
    const QByteArray secret = "glpat-secret-value-7";
    const RawHttpResponse response = m_harness->relay(
            "GET", "/api/v4/projects/acme%2Fapp?private_token=" + secret + "&statistics=true",
            { { "X-VCS-Request-Description", "read the project for run 42" } });
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);

    QJsonObject record;
    QVERIFY(waitUntil(
            [&] {
                const QList<QJsonObject> records = SystemHarness::accessRecords(m_agent);
                for (const QJsonObject &candidate : records) {
                    if (candidate.value(QStringLiteral("description")).toString()
                        == QStringLiteral("read the project for run 42")) {
                        record = candidate;
                        return true;
                    }
                }
                return false;
            },
            5000));
    const QStringList fields = { QStringLiteral("time"), QStringLiteral("stream"),
                                 QStringLiteral("request_id"), QStringLiteral("method"),
                                 QStringLiteral("target"), QStringLiteral("rule"),
                                 QStringLiteral("rule_description"), QStringLiteral("project"),
                                 QStringLiteral("decision"), QStringLiteral("reason"),
                                 QStringLiteral("status"), QStringLiteral("bytes_in"),
                                 QStringLiteral("bytes_out"), QStringLiteral("duration_ms"),
                                 QStringLiteral("description") };
    for (const QString &field : fields) {
        QVERIFY2(record.contains(field), qPrintable(field));
    }
    QCOMPARE(record.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
    QCOMPARE(record.value(QStringLiteral("rule")).toString(), QStringLiteral("project-get"));
    QCOMPARE(record.value(QStringLiteral("project")).toString(), QStringLiteral("acme/app"));
    QCOMPARE(record.value(QStringLiteral("decision")).toString(), QStringLiteral("allow"));
    QCOMPARE(record.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(record.value(QStringLiteral("bytes_out")).toInteger(), response.body.size());
    const QString target = record.value(QStringLiteral("target")).toString();
    QVERIFY2(target.contains(QStringLiteral("private_token=REDACTED")), qPrintable(target));
    QVERIFY2(target.contains(QStringLiteral("statistics=true")), qPrintable(target));
    QVERIFY(!m_agent->standardOutput().contains(secret));
    QVERIFY(!m_agent->standardError().contains(secret));
    QVERIFY(!m_harness->gateway()->standardError().contains(secret));
}

void TestTunnel::gatewayRestartReconnects()
{
    const QRegularExpression connected(QStringLiteral("stream \\d+: connected to "));
    const QRegularExpression reconnecting(
            QStringLiteral("stream \\d+: disconnected from the gateway \\(.*\\); reconnecting in "
                           "\\d+ ms"));
    const int connectedBefore = m_agent->countOutput(connected, QProcess::StandardError);

    m_harness->killGateway();
    QVERIFY2(waitUntil([&] { return m_agent->countOutput(reconnecting, QProcess::StandardError) >= 4; },
                       10000),
             qPrintable(m_agent->logTail()));
    // The new gateway grants credit in the smallest window it accepts, so a body crosses in
    // many Window round trips.
    QVERIFY2(m_harness->startGateway({ QStringLiteral("--stream-window"), QStringLiteral("64") }),
             qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->waitForStreams(m_agent, connectedBefore + 4),
             qPrintable(m_harness->logTail()));
    QVERIFY(m_agent->isRunning());

    const RawHttpResponse response = m_harness->relay("GET", "/api/v4/user");
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);

    const qint64 size = 5 * 1024 * 1024;
    const RawHttpResponse download = m_harness->relay(
            "GET", "/api/v4/projects/2/repository/archive?size=" + QByteArray::number(size)
                    + "&seed=small-window",
            {}, {}, 60000);
    QVERIFY2(download.complete, qPrintable(download.error));
    QCOMPARE(download.body.size(), size);
    QCOMPARE(QCryptographicHash::hash(download.body, QCryptographicHash::Sha256).toHex(),
             generatedStreamSha256("small-window", size));
}

QTEST_GUILESS_MAIN(TestTunnel)
#include "tst_tunnel.moc"
