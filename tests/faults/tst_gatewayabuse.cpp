// A raw WebSocket client completes a real handshake with a real pool token against a real
// gateway process and then breaks the tunnel protocol; raw TCP clients send malformed HTTP to
// the platform listener. Each case must close or reject with a logged reason, while a real
// agent in another pool keeps serving.

#include "common/pooltoken.h"
#include "faultrig.h"
#include "tunnel/message.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <algorithm>
#include <memory>
#include <vector>

using namespace Tunnel;

namespace {

const QByteArray branchesTarget = "/pools/demo/api/v4/projects/acme%2Fapp/repository/branches";

// A hand-driven agent stream: records what the gateway sends and how it closes.
class RawAgent final : public QObject
{
    Q_OBJECT

public:
    explicit RawAgent(const PoolToken &token)
        : m_token(token)
    {
        connect(&m_socket, &QWebSocket::binaryMessageReceived, this,
                [this](const QByteArray &frame) {
                    QString error;
                    if (const auto message = decode(frame, &error)) {
                        m_received.append(*message);
                    }
                });
        connect(&m_socket, &QWebSocket::disconnected, this, [this] { m_closed = true; });
    }

    bool handshake(const QString &url)
    {
        m_socket.open(QUrl(url));
        if (!QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                             10000)) {
            return false;
        }
        Hello hello;
        hello.poolId = m_token.poolId;
        hello.key = m_token.key;
        hello.agentVersion = QStringLiteral("test");
        hello.vendor = QStringLiteral("gitlab");
        hello.instanceId = QStringLiteral("raw");
        m_socket.sendBinaryMessage(encodeHello(hello));
        return waitFor(MessageType::Welcome).has_value();
    }

    std::optional<Message> waitFor(MessageType type, int timeoutMs = 10000)
    {
        std::optional<Message> found;
        (void)QTest::qWaitFor(
                [&] {
                    for (qsizetype i = 0; i < m_received.size(); ++i) {
                        if (m_received.at(i).type == type) {
                            found = m_received.takeAt(i);
                            return true;
                        }
                    }
                    return false;
                },
                timeoutMs);
        return found;
    }

    bool waitClosed(int timeoutMs = 10000)
    {
        return QTest::qWaitFor([this] { return m_closed; }, timeoutMs);
    }

    QWebSocket &socket() { return m_socket; }

private:
    PoolToken m_token;
    QWebSocket m_socket;
    QList<Message> m_received;
    bool m_closed = false;
};

QByteArray frameOf(quint8 type, quint32 requestId, const QByteArray &payload)
{
    QByteArray frame(1, char(type));
    frame += char(requestId >> 24);
    frame += char(requestId >> 16);
    frame += char(requestId >> 8);
    frame += char(requestId);
    return frame + payload;
}

} // namespace

class TestGatewayAbuse final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void malformedFrame_data();
    void malformedFrame();
    void bodyAfterEnd();
    void bodyBeforeHead();
    void wrongKey();
    void silentConnectionsBeforeHello();
    void malformedHttp_data();
    void malformedHttp();

private:
    void verifyDemoPoolServes();

    std::unique_ptr<FaultRig> m_rig;
    LoggedProcess *m_gateway = nullptr;
    LoggedProcess *m_agent = nullptr;
    PoolToken m_abuseToken;
};

void TestGatewayAbuse::initTestCase()
{
    m_rig = std::make_unique<FaultRig>();
    QString error;
    QVERIFY2(m_rig->startLocalVcs(&error), qPrintable(error));
    const QString demoToken = m_rig->createPool(QStringLiteral("demo"), &error);
    QVERIFY2(!demoToken.isEmpty(), qPrintable(error));
    const QString abuseToken = m_rig->createPool(QStringLiteral("abuse"), &error);
    QVERIFY2(!abuseToken.isEmpty(), qPrintable(error));
    m_abuseToken = *PoolToken::decode(abuseToken, &error);
    m_gateway = m_rig->startGateway({}, &error);
    QVERIFY2(m_gateway, qPrintable(error));
    m_agent = m_rig->startAgent(demoToken, { QStringLiteral("--parallelism"), QStringLiteral("2") });
    QVERIFY(m_agent);
    const qsizetype first = m_agent->waitForOutput("stream 0: connected", 30000);
    QVERIFY2(first >= 0, m_agent->output().constData());
    QVERIFY2(m_agent->waitForOutput("stream 1: connected", 30000) >= 0,
             m_agent->output().constData());
}

void TestGatewayAbuse::cleanupTestCase()
{
    // The real agent's streams were never disturbed by the misbehaving peers.
    if (m_agent) {
        QVERIFY2(!m_agent->output().contains("disconnected from the gateway"),
                 m_agent->output().constData());
    }
    m_rig.reset();
}

void TestGatewayAbuse::verifyDemoPoolServes()
{
    const PlatformResponse response = sendPlatformRequest(m_rig->apiPort(), "GET", branchesTarget,
                                                          m_rig->apiKey());
    QCOMPARE(response.error, QString());
    QCOMPARE(response.status, 200);
    QVERIFY(response.body.contains("\"name\""));
    QVERIFY(m_gateway->isRunning());
}

void TestGatewayAbuse::malformedFrame_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("text");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<QByteArray>("logged");

    const int protocolError = int(CloseCode::ProtocolError);
    QTest::newRow("unknown type") << frameOf(0x7f, 0, "x") << false << protocolError
                                  << QByteArray("unknown message type 0x7f");
    QTest::newRow("short frame") << QByteArray("\x21\x00", 2) << false << protocolError
                                 << QByteArray("shorter than the 5-byte header");
    QTest::newRow("body for no request")
            << frameOf(0x21, 1, "data") << false << protocolError
            << QByteArray("ResponseBody for request 1, which is not open");
    QTest::newRow("end for no request")
            << frameOf(0x22, 7, {}) << false << protocolError
            << QByteArray("ResponseEnd for request 7, which is not open");
    QTest::newRow("second hello")
            << encodeHello(Hello()) << false << protocolError
            << QByteArray("unexpected Hello message from the agent");
    QTest::newRow("malformed json")
            << frameOf(0x20, 1, "{\"status\":") << false << protocolError
            << QByteArray("malformed ResponseHead message");
    QTest::newRow("window size")
            << frameOf(0x40, 1, "abc") << false << protocolError
            << QByteArray("Window carries 3 payload bytes, expected 4");
    QTest::newRow("oversized body chunk")
            << frameOf(0x21, 1, QByteArray(maxChunkSize + 1, 'x')) << false << protocolError
            << QByteArray("body chunk of 65537 bytes exceeds the limit");
    QTest::newRow("oversized frame")
            << frameOf(0x21, 1, QByteArray(maxMessageSize, 'x')) << false
            << int(QWebSocketProtocol::CloseCodeTooMuchData) << QByteArray();
    QTest::newRow("text frame") << QByteArray("hello") << true << protocolError
                                << QByteArray("text frame; the protocol uses binary frames");
}

void TestGatewayAbuse::malformedFrame()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, text);
    QFETCH(int, closeCode);
    QFETCH(QByteArray, logged);

    const qsizetype logStart = m_gateway->output().size();
    RawAgent agent(m_abuseToken);
    QVERIFY(agent.handshake(m_rig->gatewayWsUrl()));
    if (text) {
        agent.socket().sendTextMessage(QString::fromLatin1(frame));
    } else {
        agent.socket().sendBinaryMessage(frame);
    }
    QVERIFY(agent.waitClosed());
    QCOMPARE(int(agent.socket().closeCode()), closeCode);
    if (!logged.isEmpty()) {
        QVERIFY2(m_gateway->waitForOutput(logged, 5000, logStart) >= 0,
                 m_gateway->output().mid(logStart).constData());
    }
    verifyDemoPoolServes();
}

void TestGatewayAbuse::bodyAfterEnd()
{
    const qsizetype logStart = m_gateway->output().size();
    RawAgent agent(m_abuseToken);
    QVERIFY(agent.handshake(m_rig->gatewayWsUrl()));

    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/pools/abuse/api/v4/user")
                                         .arg(m_rig->apiPort())));
    request.setRawHeader("Authorization", "Bearer " + m_rig->apiKey());
    QNetworkReply *reply = manager.get(request);
    const auto head = agent.waitFor(MessageType::RequestHead);
    QVERIFY(head.has_value());
    ResponseHead response;
    response.status = 200;
    response.headers = { { "Content-Length", "2" } };
    agent.socket().sendBinaryMessage(encodeResponseHead(head->requestId, response));
    agent.socket().sendBinaryMessage(encodeBodyChunk(MessageType::ResponseBody, head->requestId,
                                                     "ok", 2));
    agent.socket().sendBinaryMessage(encodeEmpty(MessageType::ResponseEnd, head->requestId));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll(), QByteArray("ok"));
    reply->deleteLater();

    // A chunk for the request that just finished.
    agent.socket().sendBinaryMessage(encodeBodyChunk(MessageType::ResponseBody, head->requestId,
                                                     "late", 4));
    QVERIFY(agent.waitClosed());
    QCOMPARE(int(agent.socket().closeCode()), int(CloseCode::ProtocolError));
    const QByteArray logged = "ResponseBody for request " + QByteArray::number(head->requestId)
            + ", which is not open";
    QVERIFY2(m_gateway->waitForOutput(logged, 5000, logStart) >= 0,
             m_gateway->output().mid(logStart).constData());
    verifyDemoPoolServes();
}

void TestGatewayAbuse::bodyBeforeHead()
{
    const qsizetype logStart = m_gateway->output().size();
    RawAgent agent(m_abuseToken);
    QVERIFY(agent.handshake(m_rig->gatewayWsUrl()));

    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/pools/abuse/api/v4/user")
                                         .arg(m_rig->apiPort())));
    request.setRawHeader("Authorization", "Bearer " + m_rig->apiKey());
    QNetworkReply *reply = manager.get(request);
    const auto head = agent.waitFor(MessageType::RequestHead);
    QVERIFY(head.has_value());
    agent.socket().sendBinaryMessage(encodeBodyChunk(MessageType::ResponseBody, head->requestId,
                                                     "early", 5));
    QVERIFY(agent.waitClosed());
    QCOMPARE(int(agent.socket().closeCode()), int(CloseCode::ProtocolError));
    QVERIFY2(m_gateway->waitForOutput("ResponseBody before ResponseHead", 5000, logStart) >= 0,
             m_gateway->output().mid(logStart).constData());

    // The platform gets a clear error for the request, never a made-up success.
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 502);
    QVERIFY(reply->readAll().contains("agent_lost"));
    reply->deleteLater();
    verifyDemoPoolServes();
}

void TestGatewayAbuse::wrongKey()
{
    const qsizetype logStart = m_gateway->output().size();
    PoolToken token = m_abuseToken;
    token.key = QStringLiteral("not-the-key-of-this-pool");
    RawAgent agent(token);
    QVERIFY(!agent.handshake(m_rig->gatewayWsUrl()));
    QVERIFY(agent.waitClosed());
    QCOMPARE(int(agent.socket().closeCode()), int(CloseCode::KeyRejected));
    QVERIFY2(m_gateway->waitForOutput("rejected", 5000, logStart) >= 0,
             m_gateway->output().mid(logStart).constData());
    QVERIFY(!m_gateway->output().contains("not-the-key-of-this-pool"));
    verifyDemoPoolServes();
}

void TestGatewayAbuse::silentConnectionsBeforeHello()
{
    const qsizetype logStart = m_gateway->output().size();
    // 80 WebSocket connections from one address that never send Hello, beyond the 64 allowed.
    // They open in batches of 8, so each completes its WebSocket handshake before the next.
    std::vector<std::unique_ptr<QWebSocket>> silent;
    for (int i = 0; i < 80; ++i) {
        silent.push_back(std::make_unique<QWebSocket>());
        silent.back()->open(QUrl(m_rig->gatewayWsUrl()));
        if (i % 8 == 7) {
            QVERIFY(QTest::qWaitFor([&] {
                return std::none_of(silent.begin(), silent.end(), [](const auto &socket) {
                    return socket->state() == QAbstractSocket::ConnectingState;
                });
            }, 10000));
        }
    }
    // The oldest were cut with a protocol error well before the 10 s Hello deadline, and a real
    // stream still gets its Welcome.
    QVERIFY(QTest::qWaitFor([&] {
        return std::count_if(silent.begin(), silent.end(), [](const auto &socket) {
                   return socket->state() == QAbstractSocket::UnconnectedState;
               }) >= 16;
    }, 5000));
    QCOMPARE(silent.front()->state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(int(silent.front()->closeCode()), int(CloseCode::ProtocolError));
    RawAgent agent(m_abuseToken);
    QVERIFY(agent.handshake(m_rig->gatewayWsUrl()));
    // The cuts are summed up in the log, not written one line each.
    const QByteArray log = m_gateway->output().mid(logStart);
    QVERIFY2(log.count("closed before Hello") <= 1, log.constData());
    silent.clear();
    verifyDemoPoolServes();
}

void TestGatewayAbuse::malformedHttp_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("logged");

    const QByteArray start = "POST " + branchesTarget + " HTTP/1.1\r\nHost: x\r\n";
    QTest::newRow("transfer-encoding and content-length")
            << start + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" << 400
            << QByteArray("both Transfer-Encoding and Content-Length");
    QTest::newRow("oversized headers")
            << start + "X-Filler: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n" << 431
            << QByteArray("the message head exceeds");
    QTest::newRow("too many headers")
            << start + QByteArray("X-A: b\r\n").repeated(300) + "\r\n" << 431
            << QByteArray("more than 256 header fields");
    QTest::newRow("gzip transfer coding")
            << start + "Transfer-Encoding: gzip, chunked\r\n\r\n" << 501
            << QByteArray("unsupported Transfer-Encoding");
    QTest::newRow("folded header") << start + "X-A: b\r\n c\r\n\r\n" << 400
                                   << QByteArray("obsolete header line folding");
    QTest::newRow("conflicting lengths")
            << start + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcd" << 400
            << QByteArray("invalid Content-Length");
    QTest::newRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505
                                    << QByteArray("unsupported HTTP version");
}

void TestGatewayAbuse::malformedHttp()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, logged);

    const qsizetype logStart = m_gateway->output().size();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_rig->apiPort());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(request);
    QByteArray answer;
    while (socket.waitForReadyRead(10000)) {
        answer += socket.readAll();
    }
    answer += socket.readAll();
    const QByteArray statusLine = "HTTP/1.1 " + QByteArray::number(status) + ' ';
    QVERIFY2(answer.startsWith(statusLine), answer.constData());
    QVERIFY2(answer.contains("Connection: close"), answer.constData());
    // The gateway closes the connection after rejecting the request.
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(m_gateway->waitForOutput(logged, 5000, logStart) >= 0,
             m_gateway->output().mid(logStart).constData());
    verifyDemoPoolServes();
}

QTEST_GUILESS_MAIN(TestGatewayAbuse)
#include "tst_gatewayabuse.moc"
