#include "tunnel/message.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QtEndian>

using namespace Tunnel;

namespace {

QByteArray frame(quint8 type, quint32 requestId, const QByteArray &payload)
{
    QByteArray bytes(1, char(type));
    char id[4];
    qToBigEndian(requestId, id);
    bytes.append(id, 4);
    return bytes + payload;
}

QByteArray jsonFrame(MessageType type, const QJsonObject &object, quint32 requestId = 1)
{
    return frame(quint8(type), requestId, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject validRequestHead()
{
    return QJsonObject { { QStringLiteral("method"), QStringLiteral("GET") },
                         { QStringLiteral("target"), QStringLiteral("/api/v4/user") },
                         { QStringLiteral("idleTimeoutMs"), 1000 },
                         { QStringLiteral("headers"), QJsonArray() } };
}

QJsonObject validResponseHead()
{
    return QJsonObject { { QStringLiteral("status"), 200 },
                         { QStringLiteral("reason"), QStringLiteral("OK") },
                         { QStringLiteral("headers"), QJsonArray() } };
}

QJsonObject with(QJsonObject object, const QString &name, const QJsonValue &value)
{
    object.insert(name, value);
    return object;
}

QJsonArray headerPair(const QString &name, const QString &value)
{
    return QJsonArray { QJsonArray { name, value } };
}

} // namespace

class TestMessage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helloRoundTrip();
    void welcomeRoundTrip();
    void requestHeadRoundTrip();
    void responseHeadRoundTrip();
    void errorRoundTrip_data();
    void errorRoundTrip();
    void bodyChunkRoundTrip_data();
    void bodyChunkRoundTrip();
    void emptyMessageRoundTrip_data();
    void emptyMessageRoundTrip();
    void windowRoundTrip();
    void pingRoundTrip_data();
    void pingRoundTrip();
    void largestValidMessages();
    void malformed_data();
    void malformed();
    void errorKindStatus_data();
    void errorKindStatus();
};

void TestMessage::helloRoundTrip()
{
    Hello hello;
    hello.poolId = QStringLiteral("pool-1");
    hello.key = QStringLiteral("secret");
    hello.agentVersion = QStringLiteral("1.2.3");
    hello.instanceId = QStringLiteral("instance-9");
    hello.vendor = QStringLiteral("gitlab");
    hello.streamIndex = 3;
    hello.window = 2 * 1024 * 1024;
    hello.tags = { { QStringLiteral("env"), QStringLiteral("prod") },
                   { QStringLiteral("zone"), QStringLiteral("eu-1") } };

    QString error;
    const auto message = decode(encodeHello(hello), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, MessageType::Hello);
    QCOMPARE(message->requestId, 0u);
    QVERIFY(message->hello);
    QCOMPARE(message->hello->protocol, protocolVersion);
    QCOMPARE(message->hello->poolId, hello.poolId);
    QCOMPARE(message->hello->key, hello.key);
    QCOMPARE(message->hello->agentVersion, hello.agentVersion);
    QCOMPARE(message->hello->instanceId, hello.instanceId);
    QCOMPARE(message->hello->vendor, hello.vendor);
    QCOMPARE(message->hello->streamIndex, 3);
    QCOMPARE(message->hello->window, hello.window);
    QCOMPARE(message->hello->tags, hello.tags);
}

void TestMessage::welcomeRoundTrip()
{
    Welcome welcome;
    welcome.connectionId = QStringLiteral("c42");
    welcome.window = 512 * 1024;
    welcome.pingIntervalMs = 15000;

    QString error;
    const auto message = decode(encodeWelcome(welcome), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, MessageType::Welcome);
    QVERIFY(message->welcome);
    QCOMPARE(message->welcome->protocol, protocolVersion);
    QCOMPARE(message->welcome->connectionId, welcome.connectionId);
    QCOMPARE(message->welcome->window, welcome.window);
    QCOMPARE(message->welcome->pingIntervalMs, 15000);
}

void TestMessage::requestHeadRoundTrip()
{
    RequestHead head;
    head.method = "POST";
    head.target = "/api/v4/projects/acme%2Fapp/statuses/abc?name=%E2%9C%93&x=\xff";
    head.headers = { { "X-Multi", "one" }, { "x-multi", "two" }, { "X-Bytes", "caf\xe9\x80" },
                     { "Empty", "" } };
    head.description = QStringLiteral("plan run 7 \u2713");
    head.idleTimeoutMs = 60000;
    head.hasBody = true;

    QString error;
    const auto message = decode(encodeRequestHead(0xfffffffe, head), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, MessageType::RequestHead);
    QCOMPARE(message->requestId, 0xfffffffeu);
    QVERIFY(message->requestHead);
    QCOMPARE(message->requestHead->method, head.method);
    QCOMPARE(message->requestHead->target, head.target);
    QCOMPARE(message->requestHead->headers, head.headers);
    QCOMPARE(message->requestHead->description, head.description);
    QCOMPARE(message->requestHead->idleTimeoutMs, 60000);
    QCOMPARE(message->requestHead->hasBody, true);
}

void TestMessage::responseHeadRoundTrip()
{
    ResponseHead head;
    head.status = 304;
    head.reason = "Not Modified";
    head.headers = { { "Set-Cookie", "a=1" }, { "Set-Cookie", "b=2" }, { "ETag", "\"x\"" } };

    QString error;
    const auto message = decode(encodeResponseHead(7, head), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, MessageType::ResponseHead);
    QCOMPARE(message->requestId, 7u);
    QVERIFY(message->responseHead);
    QCOMPARE(message->responseHead->status, 304);
    QCOMPARE(message->responseHead->reason, head.reason);
    QCOMPARE(message->responseHead->headers, head.headers);
}

void TestMessage::errorRoundTrip_data()
{
    QTest::addColumn<ErrorKind>("kind");
    QTest::newRow("denied") << ErrorKind::Denied;
    QTest::newRow("upstream") << ErrorKind::Upstream;
    QTest::newRow("timeout") << ErrorKind::Timeout;
    QTest::newRow("bad request") << ErrorKind::BadRequest;
    QTest::newRow("cancelled") << ErrorKind::Cancelled;
    QTest::newRow("internal") << ErrorKind::Internal;
}

void TestMessage::errorRoundTrip()
{
    QFETCH(ErrorKind, kind);
    ErrorMessage error;
    error.kind = kind;
    error.message = QStringLiteral("the request was denied");
    error.rule = QStringLiteral("gitlab.files.raw");
    error.reason = QStringLiteral("method_not_allowed");

    QString decodeError;
    const auto message = decode(encodeError(9, error), &decodeError);
    QVERIFY2(message, qPrintable(decodeError));
    QCOMPARE(message->type, MessageType::Error);
    QCOMPARE(message->requestId, 9u);
    QVERIFY(message->error);
    QCOMPARE(message->error->kind, kind);
    QCOMPARE(message->error->message, error.message);
    QCOMPARE(message->error->rule, error.rule);
    QCOMPARE(message->error->reason, error.reason);
    QCOMPARE(errorKindFromName(errorKindName(kind)), kind);
}

void TestMessage::bodyChunkRoundTrip_data()
{
    QTest::addColumn<MessageType>("type");
    QTest::addColumn<QByteArray>("data");
    QByteArray binary(256, Qt::Uninitialized);
    for (int i = 0; i < 256; ++i) {
        binary[i] = char(i);
    }
    QTest::newRow("request empty") << MessageType::RequestBody << QByteArray();
    QTest::newRow("request binary") << MessageType::RequestBody << binary;
    QTest::newRow("response full chunk")
            << MessageType::ResponseBody << QByteArray(maxChunkSize, 'x');
}

void TestMessage::bodyChunkRoundTrip()
{
    QFETCH(MessageType, type);
    QFETCH(QByteArray, data);
    QString error;
    const auto message = decode(encodeBodyChunk(type, 5, data.constData(), data.size()), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, type);
    QCOMPARE(message->requestId, 5u);
    QCOMPARE(message->data, data);
}

void TestMessage::emptyMessageRoundTrip_data()
{
    QTest::addColumn<MessageType>("type");
    QTest::newRow("request end") << MessageType::RequestEnd;
    QTest::newRow("response end") << MessageType::ResponseEnd;
    QTest::newRow("cancel") << MessageType::Cancel;
    QTest::newRow("drain") << MessageType::Drain;
}

void TestMessage::emptyMessageRoundTrip()
{
    QFETCH(MessageType, type);
    QString error;
    const QByteArray bytes = encodeEmpty(type, 11);
    QCOMPARE(bytes.size(), headerSize);
    const auto message = decode(bytes, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, type);
    QCOMPARE(message->requestId, 11u);
}

void TestMessage::windowRoundTrip()
{
    QString error;
    const auto message = decode(encodeWindow(3, 0xfedcba98), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, MessageType::Window);
    QCOMPARE(message->requestId, 3u);
    QCOMPARE(message->window, 0xfedcba98u);
}

void TestMessage::pingRoundTrip_data()
{
    QTest::addColumn<MessageType>("type");
    QTest::addColumn<quint64>("value");
    QTest::newRow("ping") << MessageType::Ping << quint64(1);
    QTest::newRow("pong large") << MessageType::Pong << quint64(0x0123456789abcdefULL);
}

void TestMessage::pingRoundTrip()
{
    QFETCH(MessageType, type);
    QFETCH(quint64, value);
    QString error;
    const auto message = decode(encodePing(type, value), &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, type);
    QCOMPARE(message->pingValue, value);
}

void TestMessage::largestValidMessages()
{
    // A head whose JSON is exactly maxHeadSize bytes is accepted.
    QJsonObject head = validRequestHead();
    head.insert(QStringLiteral("description"), QString());
    const qsizetype baseSize = QJsonDocument(head).toJson(QJsonDocument::Compact).size();
    head.insert(QStringLiteral("description"), QString(maxHeadSize - baseSize, QLatin1Char('d')));
    const QByteArray bytes = jsonFrame(MessageType::RequestHead, head);
    QCOMPARE(bytes.size(), maxMessageSize);
    QString error;
    QVERIFY2(decode(bytes, &error), qPrintable(error));
}

void TestMessage::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("empty") << QByteArray() << QStringLiteral("shorter than the 5-byte header");
    QTest::newRow("four bytes") << QByteArray("\x50\x00\x00\x00", 4)
                                << QStringLiteral("shorter than the 5-byte header");
    QTest::newRow("oversized") << frame(quint8(MessageType::ResponseBody), 1,
                                        QByteArray(maxMessageSize, 'x'))
                               << QStringLiteral("exceeds the limit");
    QTest::newRow("chunk over limit") << frame(quint8(MessageType::ResponseBody), 1,
                                               QByteArray(maxChunkSize + 1, 'x'))
                                      << QStringLiteral("body chunk of 65537 bytes");
    QTest::newRow("unknown type") << frame(0x7f, 0, QByteArray()) << QStringLiteral("0x7f");
    QTest::newRow("type zero") << frame(0x00, 0, QByteArray()) << QStringLiteral("0x00");
    QTest::newRow("bad JSON") << frame(quint8(MessageType::RequestHead), 1, "{\"method\":")
                              << QStringLiteral("not a JSON object");
    QTest::newRow("JSON array") << frame(quint8(MessageType::ResponseHead), 1, "[]")
                                << QStringLiteral("not a JSON object");
    QTest::newRow("missing method")
            << jsonFrame(MessageType::RequestHead,
                         with(validRequestHead(), QStringLiteral("method"), QJsonValue()))
            << QStringLiteral("\"method\"");
    QTest::newRow("method with space")
            << jsonFrame(MessageType::RequestHead,
                         with(validRequestHead(), QStringLiteral("method"), QStringLiteral("G T")))
            << QStringLiteral("method is not a valid token");
    QTest::newRow("empty target")
            << jsonFrame(MessageType::RequestHead,
                         with(validRequestHead(), QStringLiteral("target"), QString()))
            << QStringLiteral("target is empty");
    QTest::newRow("header name with space")
            << jsonFrame(MessageType::RequestHead,
                         with(validRequestHead(), QStringLiteral("headers"),
                              headerPair(QStringLiteral("X Bad"), QStringLiteral("1"))))
            << QStringLiteral("header name \"X Bad\" is not a valid token");
    QTest::newRow("header value with CR")
            << jsonFrame(MessageType::RequestHead,
                         with(validRequestHead(), QStringLiteral("headers"),
                              headerPair(QStringLiteral("X-A"), QStringLiteral("1\r\nX-B: 2"))))
            << QStringLiteral("contains CR, LF or NUL");
    QTest::newRow("header value with LF")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("headers"),
                              headerPair(QStringLiteral("X-A"), QStringLiteral("1\nX-B: 2"))))
            << QStringLiteral("contains CR, LF or NUL");
    QTest::newRow("header not a pair")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("headers"),
                              QJsonArray { QJsonArray { QStringLiteral("X-A") } }))
            << QStringLiteral("not a [name, value] pair");
    QTest::newRow("header outside Latin-1")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("headers"),
                              headerPair(QStringLiteral("X-A"), QStringLiteral("\u2713"))))
            << QStringLiteral("outside Latin-1");
    QTest::newRow("status 199")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("status"), 199))
            << QStringLiteral("\"status\"");
    QTest::newRow("status 600")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("status"), 600))
            << QStringLiteral("\"status\"");
    QTest::newRow("status fraction")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("status"), 200.5))
            << QStringLiteral("\"status\"");
    QTest::newRow("reason with LF")
            << jsonFrame(MessageType::ResponseHead,
                         with(validResponseHead(), QStringLiteral("reason"), QStringLiteral("O\nK")))
            << QStringLiteral("reason phrase");
    QTest::newRow("unknown error kind")
            << jsonFrame(MessageType::Error, { { QStringLiteral("kind"), QStringLiteral("oops") } })
            << QStringLiteral("unknown error kind \"oops\"");
    QTest::newRow("hello without key")
            << jsonFrame(MessageType::Hello,
                         { { QStringLiteral("protocol"), 1 }, { QStringLiteral("pool"), QStringLiteral("p") },
                           { QStringLiteral("agentVersion"), QStringLiteral("1") },
                           { QStringLiteral("vendor"), QStringLiteral("gitlab") },
                           { QStringLiteral("stream"), 0 }, { QStringLiteral("window"), 1 << 20 } },
                         0)
            << QStringLiteral("\"key\"");
    QTest::newRow("hello window below a chunk")
            << jsonFrame(MessageType::Hello,
                         { { QStringLiteral("protocol"), 1 }, { QStringLiteral("pool"), QStringLiteral("p") },
                           { QStringLiteral("key"), QStringLiteral("k") },
                           { QStringLiteral("agentVersion"), QStringLiteral("1") },
                           { QStringLiteral("vendor"), QStringLiteral("gitlab") },
                           { QStringLiteral("stream"), 0 }, { QStringLiteral("window"), 1024 } },
                         0)
            << QStringLiteral("\"window\"");
    QTest::newRow("welcome without connection")
            << jsonFrame(MessageType::Welcome,
                         { { QStringLiteral("protocol"), 1 }, { QStringLiteral("window"), 1 << 20 },
                           { QStringLiteral("pingIntervalMs"), 1000 } },
                         0)
            << QStringLiteral("\"connection\"");
    QTest::newRow("request end with payload") << frame(quint8(MessageType::RequestEnd), 1, "x")
                                              << QStringLiteral("carries 1 payload bytes, expected 0");
    QTest::newRow("cancel with payload") << frame(quint8(MessageType::Cancel), 1, "xy")
                                         << QStringLiteral("expected 0");
    QTest::newRow("window of 3 bytes") << frame(quint8(MessageType::Window), 1, "abc")
                                       << QStringLiteral("carries 3 payload bytes, expected 4");
    QTest::newRow("window of 5 bytes") << frame(quint8(MessageType::Window), 1, "abcde")
                                       << QStringLiteral("expected 4");
    QTest::newRow("ping of 7 bytes") << frame(quint8(MessageType::Ping), 0, "1234567")
                                     << QStringLiteral("carries 7 payload bytes, expected 8");
    QTest::newRow("pong of 9 bytes") << frame(quint8(MessageType::Pong), 0, "123456789")
                                     << QStringLiteral("expected 8");
}

void TestMessage::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expectedError);
    QString error;
    const auto message = decode(bytes, &error);
    QVERIFY(!message);
    QVERIFY2(error.contains(expectedError), qPrintable(error));
}

void TestMessage::errorKindStatus_data()
{
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<int>("status");
    QTest::newRow("denied") << ErrorKind::Denied << 403;
    QTest::newRow("upstream") << ErrorKind::Upstream << 502;
    QTest::newRow("timeout") << ErrorKind::Timeout << 504;
    QTest::newRow("bad request") << ErrorKind::BadRequest << 400;
    QTest::newRow("internal") << ErrorKind::Internal << 500;
}

void TestMessage::errorKindStatus()
{
    QFETCH(ErrorKind, kind);
    QFETCH(int, status);
    QCOMPARE(httpStatusForError(kind), status);
}

QTEST_GUILESS_MAIN(TestMessage)
#include "tst_message.moc"
