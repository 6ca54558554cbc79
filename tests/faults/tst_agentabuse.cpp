// A fake gateway in the test (a QWebSocketServer on 127.0.0.1) welcomes a real vcs-agent
// process and then sends one of its streams malformed, oversized, out-of-order and late
// messages. The agent must close that stream with a logged reason, reconnect it, and keep
// serving on its other stream.

#include "common/pooltoken.h"
#include "faultrig.h"
#include "tunnel/message.h"

#include <QPointer>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <memory>

using namespace Tunnel;

namespace {

const QByteArray branchesTarget = "/api/v4/projects/acme%2Fapp/repository/branches";

// One agent stream as the fake gateway sees it.
struct FakeStream
{
    QPointer<QWebSocket> socket;
    int index = -1;
    QList<Message> received;
    bool closed = false;
    int closeCode = 0;
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

RequestHead getHead(const QByteArray &target)
{
    RequestHead head;
    head.method = "GET";
    head.target = target;
    head.headers = { { "Accept", "application/json" } };
    head.idleTimeoutMs = 30000;
    return head;
}

} // namespace

class TestAgentAbuse final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void malformedMessage_data();
    void malformedMessage();
    void bodyAfterEnd();
    void headWhileInFlight();

private:
    void handleNewConnection();
    std::shared_ptr<FakeStream> waitForStream(int index, int timeoutMs = 20000);
    std::optional<Message> waitForMessage(FakeStream &stream, MessageType type,
                                          int timeoutMs = 15000);
    void verifyStreamServes(FakeStream &stream, quint32 requestId);

    std::unique_ptr<FaultRig> m_rig;
    QWebSocketServer m_server { QStringLiteral("fake gateway"), QWebSocketServer::NonSecureMode };
    QList<std::shared_ptr<FakeStream>> m_streams;
    LoggedProcess *m_agent = nullptr;
    quint32 m_nextRequestId = 1;
};

void TestAgentAbuse::initTestCase()
{
    m_rig = std::make_unique<FaultRig>();
    QString error;
    QVERIFY2(m_rig->startLocalVcs(&error), qPrintable(error));
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    connect(&m_server, &QWebSocketServer::newConnection, this,
            &TestAgentAbuse::handleNewConnection);

    PoolToken token;
    token.gatewayUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server.serverPort()));
    token.poolId = QStringLiteral("fakepool");
    token.key = QStringLiteral("fake-gateway-key-0123456789");
    m_agent = m_rig->startAgent(token.encode(),
                                { QStringLiteral("--parallelism"), QStringLiteral("2"),
                                  QStringLiteral("--reconnect-min-delay"), QStringLiteral("100"),
                                  QStringLiteral("--reconnect-max-delay"),
                                  QStringLiteral("1000") });
    QVERIFY(m_agent);
    QVERIFY2(waitForStream(0), m_agent->output().constData());
    QVERIFY2(waitForStream(1), m_agent->output().constData());
}

void TestAgentAbuse::cleanupTestCase()
{
    m_rig.reset();
    // The sockets are children of this object, so ~QObject would delete them after the members
    // their handlers use. A late disconnected() then crashed the test at exit.
    m_server.close();
    const auto sockets = findChildren<QWebSocket *>();
    for (QWebSocket *socket : sockets) {
        socket->disconnect();
        socket->abort();
        delete socket;
    }
    m_streams.clear();
}

void TestAgentAbuse::handleNewConnection()
{
    while (QWebSocket *socket = m_server.nextPendingConnection()) {
        auto stream = std::make_shared<FakeStream>();
        stream->socket = socket;
        socket->setParent(this);
        m_streams.append(stream);
        // The sockets can outlive m_streams (the server deletes them last), so the handlers hold
        // the stream weakly.
        const std::weak_ptr<FakeStream> weak = stream;
        connect(socket, &QWebSocket::binaryMessageReceived, this,
                [weak, socket](const QByteArray &frame) {
                    const std::shared_ptr<FakeStream> raw = weak.lock();
                    if (!raw) {
                        return;
                    }
                    QString error;
                    const auto message = decode(frame, &error);
                    if (!message) {
                        return;
                    }
                    if (message->type == MessageType::Hello) {
                        raw->index = message->hello->streamIndex;
                        Welcome welcome;
                        welcome.connectionId = QStringLiteral("fake-%1").arg(raw->index);
                        socket->sendBinaryMessage(encodeWelcome(welcome));
                        return;
                    }
                    if (message->type == MessageType::Ping) {
                        socket->sendBinaryMessage(encodePing(MessageType::Pong,
                                                             message->pingValue));
                        return;
                    }
                    raw->received.append(*message);
                });
        connect(socket, &QWebSocket::disconnected, this, [weak, socket] {
            const std::shared_ptr<FakeStream> raw = weak.lock();
            if (!raw) {
                return;
            }
            raw->closed = true;
            raw->closeCode = int(socket->closeCode());
        });
    }
}

std::shared_ptr<FakeStream> TestAgentAbuse::waitForStream(int index, int timeoutMs)
{
    std::shared_ptr<FakeStream> found;
    (void)QTest::qWaitFor(
            [&] {
                for (const auto &stream : m_streams) {
                    if (stream->index == index && !stream->closed) {
                        found = stream;
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
    // Give the agent time to read the Welcome before the test talks to the stream.
    if (found) {
        QTest::qWait(200);
    }
    return found;
}

std::optional<Message> TestAgentAbuse::waitForMessage(FakeStream &stream, MessageType type,
                                                      int timeoutMs)
{
    std::optional<Message> found;
    (void)QTest::qWaitFor(
            [&] {
                for (qsizetype i = 0; i < stream.received.size(); ++i) {
                    if (stream.received.at(i).type == type) {
                        found = stream.received.takeAt(i);
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
    return found;
}

void TestAgentAbuse::verifyStreamServes(FakeStream &stream, quint32 requestId)
{
    stream.socket->sendBinaryMessage(encodeRequestHead(requestId, getHead(branchesTarget)));
    const auto head = waitForMessage(stream, MessageType::ResponseHead);
    QVERIFY2(head.has_value(), m_agent->output().constData());
    QCOMPARE(head->requestId, requestId);
    QCOMPARE(head->responseHead->status, 200);
    const auto end = waitForMessage(stream, MessageType::ResponseEnd);
    QVERIFY(end.has_value());
    QByteArray body;
    for (const Message &message : std::as_const(stream.received)) {
        if (message.type == MessageType::ResponseBody && message.requestId == requestId) {
            body += message.data;
        }
    }
    stream.received.clear();
    QVERIFY(body.contains("\"name\""));
}

void TestAgentAbuse::malformedMessage_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("text");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<QByteArray>("logged");

    const int protocolError = int(CloseCode::ProtocolError);
    QTest::newRow("unknown type") << frameOf(0x7f, 0, "x") << false << protocolError
                                  << QByteArray("unknown message type 0x7f");
    QTest::newRow("body for no request")
            << frameOf(0x11, 50, "data") << false << protocolError
            << QByteArray("RequestBody for request 50, which is not open");
    QTest::newRow("end for no request")
            << frameOf(0x12, 50, {}) << false << protocolError
            << QByteArray("RequestEnd for request 50, which is not open");
    QTest::newRow("cancel for unknown request")
            << frameOf(0x31, 5000, {}) << false << protocolError
            << QByteArray("Cancel for unknown request 5000");
    QTest::newRow("window for unknown request")
            << encodeWindow(5000, 1024) << false << protocolError
            << QByteArray("Window for unknown request 5000");
    QTest::newRow("second welcome") << encodeWelcome(Welcome()) << false << protocolError
                                    << QByteArray("a second Welcome");
    QTest::newRow("response head from gateway")
            << frameOf(0x20, 1, "{\"status\":200,\"headers\":[]}") << false << protocolError
            << QByteArray("unexpected ResponseHead message from the gateway");
    QTest::newRow("head with reused id")
            << encodeRequestHead(0, getHead(branchesTarget)) << false << protocolError
            << QByteArray("RequestHead id 0 does not follow id");
    QTest::newRow("header injection")
            << frameOf(0x10, 4000,
                       "{\"method\":\"GET\",\"target\":\"/api/v4/user\",\"idleTimeoutMs\":1000,"
                       "\"headers\":[[\"X-A\",\"b\\r\\nHost: evil\"]]}")
            << false << protocolError << QByteArray("contains CR, LF or NUL");
    QTest::newRow("malformed json") << frameOf(0x10, 4000, "[1,2") << false << protocolError
                                    << QByteArray("malformed RequestHead message");
    QTest::newRow("oversized body chunk")
            << frameOf(0x11, 1, QByteArray(maxChunkSize + 1, 'x')) << false << protocolError
            << QByteArray("body chunk of 65537 bytes exceeds the limit");
    QTest::newRow("oversized frame")
            << frameOf(0x11, 1, QByteArray(maxMessageSize, 'x')) << false
            << int(QWebSocketProtocol::CloseCodeTooMuchData) << QByteArray();
    QTest::newRow("text frame") << QByteArray("hello") << true << protocolError
                                << QByteArray("the gateway sent a text frame");
}

void TestAgentAbuse::malformedMessage()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, text);
    QFETCH(int, closeCode);
    QFETCH(QByteArray, logged);

    const auto victim = waitForStream(0);
    const auto bystander = waitForStream(1);
    QVERIFY(victim);
    QVERIFY(bystander);
    const qsizetype logStart = m_agent->output().size();
    if (text) {
        victim->socket->sendTextMessage(QString::fromLatin1(frame));
    } else {
        victim->socket->sendBinaryMessage(frame);
    }
    QVERIFY(QTest::qWaitFor([&] { return victim->closed; }, 10000));
    QCOMPARE(victim->closeCode, closeCode);
    if (!logged.isEmpty()) {
        QVERIFY2(m_agent->waitForOutput(logged, 5000, logStart) >= 0,
                 m_agent->output().mid(logStart).constData());
    }

    // The other stream was not touched and still serves.
    QVERIFY(!bystander->closed);
    verifyStreamServes(*bystander, m_nextRequestId++);

    // The broken stream comes back.
    const auto replacement = waitForStream(0);
    QVERIFY2(replacement, m_agent->output().mid(logStart).constData());
    verifyStreamServes(*replacement, 1);
    QVERIFY(m_agent->isRunning());
}

void TestAgentAbuse::bodyAfterEnd()
{
    const auto stream = waitForStream(0);
    QVERIFY(stream);
    const qsizetype logStart = m_agent->output().size();
    stream->socket->sendBinaryMessage(encodeRequestHead(1000, getHead(branchesTarget)));
    QVERIFY(waitForMessage(*stream, MessageType::ResponseEnd).has_value());
    stream->socket->sendBinaryMessage(frameOf(0x11, 1000, "late"));
    QVERIFY(QTest::qWaitFor([&] { return stream->closed; }, 10000));
    QCOMPARE(stream->closeCode, int(CloseCode::ProtocolError));
    QVERIFY2(m_agent->waitForOutput("RequestBody for request 1000, which is not open", 5000,
                                    logStart) >= 0,
             m_agent->output().mid(logStart).constData());
    const auto replacement = waitForStream(0);
    QVERIFY(replacement);
    verifyStreamServes(*replacement, 1);
}

void TestAgentAbuse::headWhileInFlight()
{
    const auto stream = waitForStream(0);
    QVERIFY(stream);
    const qsizetype logStart = m_agent->output().size();
    // A request with a body that never comes keeps request 2000 open.
    RequestHead post;
    post.method = "POST";
    post.target = "/api/v4/projects/1/statuses/0123456789abcdef0123456789abcdef01234567";
    post.headers = { { "Content-Type", "application/json" }, { "Content-Length", "100" } };
    post.idleTimeoutMs = 30000;
    post.hasBody = true;
    stream->socket->sendBinaryMessage(encodeRequestHead(2000, post));
    stream->socket->sendBinaryMessage(encodeRequestHead(2001, getHead(branchesTarget)));
    QVERIFY(QTest::qWaitFor([&] { return stream->closed; }, 10000));
    QCOMPARE(stream->closeCode, int(CloseCode::ProtocolError));
    QVERIFY2(m_agent->waitForOutput("RequestHead 2001 while request 2000 is in flight", 5000, logStart)
                     >= 0,
             m_agent->output().mid(logStart).constData());
    const auto replacement = waitForStream(0);
    QVERIFY(replacement);
    verifyStreamServes(*replacement, 1);
}

QTEST_GUILESS_MAIN(TestAgentAbuse)
#include "tst_agentabuse.moc"
