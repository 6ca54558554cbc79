#include "health/healthserver.h"
#include "rawhttpclient.h"
#include "testprocess.h"

#include <QTcpSocket>
#include <QTest>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace {

// Sends `request` from a helper thread while this thread runs the server's event loop.
RawHttpResponse exchange(quint16 port, const QByteArray &request,
                         const QByteArray &method = QByteArray())
{
    RawHttpResponse response;
    std::atomic<bool> done = false;
    std::thread client([&] {
        response = RawHttpClient::send(port, request, 10000, method);
        done = true;
    });
    waitUntil([&] { return done.load(); }, 15000);
    client.join();
    return response;
}

} // namespace

class TestHealthServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void requests_data();
    void requests();
    void readinessFollowsCheck();
    void oversizedHeadRejected();
    void connectionLimit();
    void idleConnectionClosed();
    void listenErrors();

private:
    std::unique_ptr<HealthServer> m_server;
    QString m_notReadyReason;
};

void TestHealthServer::init()
{
    m_notReadyReason.clear();
    m_server = std::make_unique<HealthServer>();
    m_server->setReadinessCheck([this] {
        return m_notReadyReason;
    });
    m_server->setMetricsRenderer([] {
        return QByteArray("# TYPE up gauge\nup 1\n");
    });
    QString error;
    QVERIFY2(m_server->listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
    QVERIFY(m_server->serverPort() != 0);
}

void TestHealthServer::cleanup()
{
    m_server.reset();
}

void TestHealthServer::requests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");

    const QByteArray text = "text/plain; charset=utf-8";
    QTest::newRow("healthz") << RawHttpClient::buildRequest("GET", "/healthz") << QByteArray()
                             << 200 << text << QByteArray("ok\n");
    QTest::newRow("healthz with query")
            << RawHttpClient::buildRequest("GET", "/healthz?verbose=1") << QByteArray() << 200
            << text << QByteArray("ok\n");
    QTest::newRow("readyz") << RawHttpClient::buildRequest("GET", "/readyz") << QByteArray()
                            << 200 << text << QByteArray("ready\n");
    QTest::newRow("metrics") << RawHttpClient::buildRequest("GET", "/metrics") << QByteArray()
                             << 200 << QByteArray("text/plain; version=0.0.4; charset=utf-8")
                             << QByteArray("# TYPE up gauge\nup 1\n");
    QTest::newRow("head healthz") << RawHttpClient::buildRequest("HEAD", "/healthz")
                                  << QByteArray("HEAD") << 200 << text << QByteArray();
    QTest::newRow("unknown path") << RawHttpClient::buildRequest("GET", "/status")
                                  << QByteArray() << 404 << text
                                  << QByteArray("not found; the paths are /healthz, /readyz and "
                                                "/metrics\n");
    QTest::newRow("post") << RawHttpClient::buildRequest("POST", "/healthz", {}, "x")
                          << QByteArray() << 405 << text
                          << QByteArray("only GET and HEAD are supported\n");
    QTest::newRow("get with body") << RawHttpClient::buildRequest("GET", "/healthz", {}, "x")
                                   << QByteArray() << 400 << text
                                   << QByteArray("a GET request has no body\n");
    QTest::newRow("malformed request line")
            << QByteArray("GET\r\n\r\n") << QByteArray() << 400 << text << QByteArray();
    QTest::newRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                                    << QByteArray() << 505 << text << QByteArray();
}

void TestHealthServer::requests()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);

    const RawHttpResponse response = exchange(m_server->serverPort(), request, method);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("Content-Type"), contentType);
    QCOMPARE(response.header("Connection"), QByteArray("close"));
    QCOMPARE(response.header("Cache-Control"), QByteArray("no-store"));
    if (!body.isEmpty() || method == "HEAD") {
        QCOMPARE(response.body, body);
    }
    if (status == 405) {
        QCOMPARE(response.header("Allow"), QByteArray("GET, HEAD"));
    }
    QVERIFY(response.connectionClosed);
}

void TestHealthServer::readinessFollowsCheck()
{
    m_notReadyReason = QStringLiteral("2 of 4 streams connected");
    RawHttpResponse response = exchange(m_server->serverPort(),
                                        RawHttpClient::buildRequest("GET", "/readyz"));
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 503);
    QCOMPARE(response.body, QByteArray("2 of 4 streams connected\n"));

    // Liveness does not depend on readiness.
    response = exchange(m_server->serverPort(), RawHttpClient::buildRequest("GET", "/healthz"));
    QCOMPARE(response.status, 200);

    m_notReadyReason.clear();
    response = exchange(m_server->serverPort(), RawHttpClient::buildRequest("GET", "/readyz"));
    QCOMPARE(response.status, 200);
}

void TestHealthServer::oversizedHeadRejected()
{
    const QByteArray filler(HealthServer::maxHeadSize + 1024, 'a');
    const RawHttpResponse response = exchange(
            m_server->serverPort(),
            RawHttpClient::buildRequest("GET", "/healthz", { { "X-Filler", filler } }));
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 431);
}

void TestHealthServer::connectionLimit()
{
    // Idle connections up to the limit; the one after it is closed without a response.
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < HealthServer::maxConnections; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        idle.push_back(std::move(socket));
    }
    QVERIFY(waitUntil([&] {
        for (const auto &socket : idle) {
            if (socket->state() != QAbstractSocket::ConnectedState) {
                return false;
            }
        }
        return true;
    }, 10000));
    QTest::qWait(200);

    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(waitUntil([&] { return extra.state() == QAbstractSocket::UnconnectedState; }, 10000));

    // Closing the idle connections frees the slots again.
    idle.clear();
    QVERIFY(waitUntil([&] {
        const RawHttpResponse response = exchange(
                m_server->serverPort(), RawHttpClient::buildRequest("GET", "/healthz"));
        return response.complete && response.status == 200;
    }, 10000));
}

void TestHealthServer::idleConnectionClosed()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000));
    socket.write("GET /healthz HTTP/1.1\r\n");
    // The head never ends, so the server closes the connection after its request timeout.
    QVERIFY(waitUntil([&] { return socket.state() == QAbstractSocket::UnconnectedState; },
                      HealthServer::requestTimeoutMs + 10000));
    QVERIFY(socket.readAll().isEmpty());
}

void TestHealthServer::listenErrors()
{
    HealthServer second;
    QString error;
    QVERIFY(!second.listen(QStringLiteral("127.0.0.1:%1").arg(m_server->serverPort()), &error));
    QVERIFY2(error.contains(QStringLiteral("cannot listen")), qPrintable(error));

    error.clear();
    QVERIFY(!second.listen(QStringLiteral("nonsense"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("--health-listen: ")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestHealthServer)
#include "tst_healthserver.moc"
