#include "testenvironment.h"
#include "testprocess.h"
#include "tunnel/websocket.h"
#include "tunnel/websocketframe.h"
#include "tunnel/websocketserver.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <QtEndian>
#include <algorithm>
#include <sys/resource.h>
#include <memory>
#include <vector>

using namespace Tunnel;
using namespace Tunnel::WebSocketFrame;

// AddressSanitizer keeps freed memory in quarantine, so resident memory is no measure there.
#if defined(__SANITIZE_ADDRESS__)
#define VCS_UNDER_ADDRESS_SANITIZER
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VCS_UNDER_ADDRESS_SANITIZER
#endif
#endif

namespace {

constexpr int timeoutMs = 10000;

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i) {
        bytes[i] = char(QRandomGenerator::global()->bounded(256));
    }
    return bytes;
}

QByteArray maskedReference(const QByteArray &data, const MaskKey &key, quint64 offset)
{
    QByteArray out = data;
    for (qsizetype i = 0; i < out.size(); ++i) {
        out[i] = char(quint8(out.at(i)) ^ key[(offset + quint64(i)) % 4]);
    }
    return out;
}

// A complete final frame as the transport writes it, masked when key is set.
QByteArray encodeFrame(Opcode opcode, const char *payload, qsizetype size, const MaskKey *key)
{
    QByteArray frame;
    appendHeader(frame, opcode, quint64(size), key);
    const qsizetype start = frame.size();
    frame.append(payload, size);
    if (key) {
        applyMask(frame.data() + start, frame.constData() + start, size, *key, 0);
    }
    return frame;
}

// A client frame with any header bits, for the server-side checks.
QByteArray rawFrame(quint8 first, const QByteArray &payload, bool masked = true,
                    int forcedLengthCode = -1)
{
    QByteArray frame(1, char(first));
    const quint8 maskBit = masked ? 0x80 : 0;
    const qsizetype size = payload.size();
    const int code = forcedLengthCode >= 0 ? forcedLengthCode : size <= 125 ? int(size)
                                                             : size <= 0xFFFF ? 126
                                                                               : 127;
    frame.append(char(maskBit | code));
    if (code == 126) {
        char length[2];
        qToBigEndian(quint16(size), length);
        frame.append(length, 2);
    } else if (code == 127) {
        char length[8];
        qToBigEndian(quint64(size), length);
        frame.append(length, 8);
    }
    if (masked) {
        const MaskKey key { 0x12, 0x34, 0x56, 0x78 };
        frame.append(reinterpret_cast<const char *>(key.data()), 4);
        frame.append(maskedReference(payload, key, 0));
    } else {
        frame.append(payload);
    }
    return frame;
}

const QByteArray validHandshake = "GET /tunnel HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                  "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// Reads from a raw socket until `done` returns true, the peer has closed or the
// time is up. The event loop runs meanwhile, since the server under test shares the thread.
template<typename Done>
QByteArray readUntil(QTcpSocket &socket, Done done)
{
    QByteArray data;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        data += socket.readAll();
        if (done(data)) {
            break;
        }
        if (socket.state() == QAbstractSocket::UnconnectedState && socket.bytesAvailable() == 0) {
            break;
        }
        QTest::qWait(5);
    }
    return data;
}

// Reads one unmasked server frame from raw bytes; returns the opcode and payload, or nothing
// when the bytes hold no complete frame.
std::optional<std::pair<quint8, QByteArray>> parseServerFrame(const QByteArray &bytes)
{
    if (bytes.size() < 2) {
        return std::nullopt;
    }
    const quint8 code = quint8(bytes.at(1)) & 0x7F;
    qsizetype position = 2;
    quint64 size = code;
    if (code == 126) {
        if (bytes.size() < 4) {
            return std::nullopt;
        }
        size = qFromBigEndian<quint16>(bytes.constData() + 2);
        position = 4;
    } else if (code == 127) {
        if (bytes.size() < 10) {
            return std::nullopt;
        }
        size = qFromBigEndian<quint64>(bytes.constData() + 2);
        position = 10;
    }
    if (quint64(bytes.size() - position) < size) {
        return std::nullopt;
    }
    return std::make_pair(quint8(bytes.at(0)) & 0x0F, bytes.mid(position, qsizetype(size)));
}

// Sends `size` random bytes each way between one of the tunnel's sockets and a Qt socket and
// checks that both messages arrive whole.
void exchangeMessages(WebSocket &ours, QWebSocket &theirs, int size)
{
    const QByteArray toQt = randomBytes(size);
    QSignalSpy qtReceived(&theirs, &QWebSocket::binaryMessageReceived);
    ours.sendBinaryMessage(toQt);
    QVERIFY(qtReceived.wait(timeoutMs));
    QCOMPARE(qtReceived.first().first().toByteArray(), toQt);

    const QByteArray fromQt = randomBytes(size);
    QSignalSpy received(&ours, &WebSocket::binaryMessageReceived);
    theirs.sendBinaryMessage(fromQt);
    QVERIFY(received.wait(timeoutMs));
    QCOMPARE(received.first().first().toByteArray(), fromQt);
}

} // namespace

class tst_WebSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void maskMatchesByteByByte_data();
    void maskMatchesByteByByte();
    void headerLengths_data();
    void headerLengths();
    void acceptValueFromRfc();
    void closeReasonCutAtCharacter();

    void serverTalksToQtClient_data();
    void serverTalksToQtClient();
    void serverAnswersPingAndReportsText();
    void serverClosesWithCodeAndReason();
    void serverRejectsBadHandshakes_data();
    void serverRejectsBadHandshakes();
    void serverCutsSilentHandshake();
    void serverRejectsBadFrames_data();
    void serverRejectsBadFrames();
    void serverReadsFramesByteByByte();
    void serverAcceptsRegisteredCloseCodes_data();
    void serverAcceptsRegisteredCloseCodes();
    void serverBoundsMemoryAgainstFloods_data();
    void serverBoundsMemoryAgainstFloods();
    void idleConnectionsDoNotLockOutClients();
    void idleConnectionsDoNotLockOutTlsClients();

    void clientTalksToQtServer_data();
    void clientTalksToQtServer();
    void clientReportsBadHandshakeResponses_data();
    void clientReportsBadHandshakeResponses();
    void clientReadsFramesGluedToHandshake();
    void clientCutsPeerThatNeverClosesBack();

private:
    struct ServerPair
    {
        std::unique_ptr<WebSocketServer> server;
        QPointer<WebSocket> accepted;
    };
    static std::unique_ptr<WebSocketServer> startServer();
    static QPointer<WebSocket> waitForConnection(WebSocketServer &server);
    // Connects `client` to `server`; returns the server's side once both ends are open.
    static std::unique_ptr<WebSocket> connectQtClient(WebSocketServer &server, QWebSocket &client);
};

void tst_WebSocket::maskMatchesByteByByte_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("offset");
    for (int size : { 0, 1, 3, 7, 8, 9, 31, 32, 33, 63, 100, 65541 }) {
        for (int offset = 0; offset < 5; ++offset) {
            QTest::addRow("%d bytes at %d", size, offset) << size << offset;
        }
    }
}

void tst_WebSocket::maskMatchesByteByByte()
{
    QFETCH(int, size);
    QFETCH(int, offset);
    const MaskKey key { 0xA1, 0x02, 0xF3, 0x7C };
    const QByteArray data = randomBytes(size);
    const QByteArray expected = maskedReference(data, key, quint64(offset));

    QByteArray copied(size, '\0');
    applyMask(copied.data(), data.constData(), size, key, quint64(offset));
    QCOMPARE(copied, expected);

    // In place, and split at an odd point, as the reader unmasks what each read returned.
    QByteArray inPlace = data;
    const qsizetype split = size / 3;
    applyMask(inPlace.data(), inPlace.constData(), split, key, quint64(offset));
    applyMask(inPlace.data() + split, inPlace.constData() + split, size - split, key,
              quint64(offset + split));
    QCOMPARE(inPlace, expected);
}

void tst_WebSocket::headerLengths_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("headerSize");
    QTest::newRow("empty") << 0 << 2;
    QTest::newRow("125") << 125 << 2;
    QTest::newRow("126") << 126 << 4;
    QTest::newRow("65535") << 65535 << 4;
    QTest::newRow("65536") << 65536 << 10;
}

void tst_WebSocket::headerLengths()
{
    QFETCH(int, size);
    QFETCH(int, headerSize);
    const QByteArray payload = randomBytes(size);
    const QByteArray plain = encodeFrame(Opcode::Binary, payload.constData(), size, nullptr);
    QCOMPARE(plain.size(), headerSize + size);
    QCOMPARE(quint8(plain.at(0)), quint8(0x82));
    QCOMPARE(plain.mid(headerSize), payload);
    const auto parsed = parseServerFrame(plain);
    QVERIFY(parsed);
    QCOMPARE(parsed->second, payload);

    const MaskKey key { 1, 2, 3, 4 };
    const QByteArray masked = encodeFrame(Opcode::Binary, payload.constData(), size, &key);
    QCOMPARE(masked.size(), headerSize + 4 + size);
    QVERIFY(quint8(masked.at(1)) & 0x80);
    QCOMPARE(masked.mid(headerSize + 4), maskedReference(payload, key, 0));
}

void tst_WebSocket::acceptValueFromRfc()
{
    // The example of RFC 6455 section 1.3.
    QCOMPARE(acceptValue("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_WebSocket::closeReasonCutAtCharacter()
{
    // 61 two-byte characters are 122 bytes; one more would split the 62nd at byte 123.
    const QString reason = QString(62, QChar(0x00E9));
    const QByteArray payload = closePayload(4000, reason);
    QCOMPARE(qFromBigEndian<quint16>(payload.constData()), quint16(4000));
    QCOMPARE(payload.size(), 2 + 122);
    QCOMPARE(QString::fromUtf8(payload.mid(2)), QString(61, QChar(0x00E9)));
    QCOMPARE(closePayload(1000, QStringLiteral("short")).mid(2), QByteArray("short"));
}

std::unique_ptr<WebSocketServer> tst_WebSocket::startServer()
{
    auto server = std::make_unique<WebSocketServer>();
    server->setHandshakeTimeout(1000);
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        return nullptr;
    }
    return server;
}

QPointer<WebSocket> tst_WebSocket::waitForConnection(WebSocketServer &server)
{
    QSignalSpy spy(&server, &WebSocketServer::newConnection);
    if (!spy.wait(timeoutMs)) {
        return nullptr;
    }
    return server.nextPendingConnection();
}

std::unique_ptr<WebSocket> tst_WebSocket::connectQtClient(WebSocketServer &server,
                                                          QWebSocket &client)
{
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
    std::unique_ptr<WebSocket> accepted(waitForConnection(server).data());
    if (!accepted || !QTest::qWaitFor([&] {
            return client.state() == QAbstractSocket::ConnectedState;
        }, timeoutMs)) {
        return nullptr;
    }
    return accepted;
}

void tst_WebSocket::serverTalksToQtClient_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("clientFrameSize");
    for (int size : { 0, 1, 125, 126, 65535, 65536, 300000 }) {
        QTest::addRow("%d bytes", size) << size << 0;
    }
    // QWebSocket splits a message into continuation frames above its outgoing frame size.
    QTest::newRow("fragmented") << 300000 << 1000;
}

void tst_WebSocket::serverTalksToQtClient()
{
    QFETCH(int, size);
    QFETCH(int, clientFrameSize);
    auto server = startServer();
    QVERIFY(server);
    QWebSocket client;
    if (clientFrameSize > 0) {
        client.setOutgoingFrameSize(quint64(clientFrameSize));
    }
    QSignalSpy clientConnected(&client, &QWebSocket::connected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/tunnel").arg(server->serverPort())));
    QPointer<WebSocket> accepted = waitForConnection(*server);
    QVERIFY(accepted);
    std::unique_ptr<WebSocket> owner(accepted.data());
    QVERIFY(clientConnected.count() == 1 || clientConnected.wait(timeoutMs));

    exchangeMessages(*accepted, client, size);
}

void tst_WebSocket::serverAnswersPingAndReportsText()
{
    auto server = startServer();
    QVERIFY(server);
    QWebSocket client;
    std::unique_ptr<WebSocket> accepted = connectQtClient(*server, client);
    QVERIFY(accepted);

    QSignalSpy pong(&client, &QWebSocket::pong);
    client.ping("are you there");
    QVERIFY(pong.wait(timeoutMs));
    QCOMPARE(pong.first().at(1).toByteArray(), QByteArray("are you there"));

    QSignalSpy text(accepted.get(), &WebSocket::textMessageReceived);
    QSignalSpy binary(accepted.get(), &WebSocket::binaryMessageReceived);
    client.sendTextMessage(QStringLiteral("hello"));
    QVERIFY(text.wait(timeoutMs));
    QCOMPARE(binary.count(), 0);
}

void tst_WebSocket::serverClosesWithCodeAndReason()
{
    auto server = startServer();
    QVERIFY(server);
    QWebSocket client;
    std::unique_ptr<WebSocket> accepted = connectQtClient(*server, client);
    QVERIFY(accepted);

    QSignalSpy clientGone(&client, &QWebSocket::disconnected);
    QSignalSpy serverGone(accepted.get(), &WebSocket::disconnected);
    accepted->close(4003, QStringLiteral("pool token rejected"));
    QVERIFY(clientGone.wait(timeoutMs));
    QCOMPARE(int(client.closeCode()), 4003);
    QCOMPARE(client.closeReason(), QStringLiteral("pool token rejected"));
    QVERIFY(serverGone.count() == 1 || serverGone.wait(timeoutMs));
    QCOMPARE(serverGone.count(), 1);
    QCOMPARE(accepted->closeCode(), quint16(4003));
    QVERIFY2(!accepted->hasError(), qPrintable(accepted->errorString()));

    // The other way round: the client closes, the server reports its code and reason.
    QWebSocket second;
    std::unique_ptr<WebSocket> other = connectQtClient(*server, second);
    QVERIFY(other);
    QSignalSpy otherGone(other.get(), &WebSocket::disconnected);
    second.close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("bye"));
    QVERIFY(otherGone.wait(timeoutMs));
    QCOMPARE(other->closeCode(), quint16(1001));
    QCOMPARE(other->closeReason(), QStringLiteral("bye"));
}

void tst_WebSocket::serverRejectsBadHandshakes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("says");
    QTest::newRow("plain HTTP") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << 426
                                << QByteArray("tunnel connections (WebSocket) only");
    QTest::newRow("POST") << QByteArray(validHandshake).replace("GET", "POST") << 405
                          << QByteArray("GET request");
    QTest::newRow("HTTP/1.0") << QByteArray(validHandshake).replace("HTTP/1.1", "HTTP/1.0")
                              << 400 << QByteArray("not HTTP/1.1");
    QTest::newRow("version 8") << QByteArray(validHandshake).replace("Version: 13", "Version: 8")
                               << 426 << QByteArray("version 13");
    QTest::newRow("short key")
            << QByteArray(validHandshake).replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=") << 400
            << QByteArray("Sec-WebSocket-Key");
    QTest::newRow("no key")
            << QByteArray(validHandshake)
                       .replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")
            << 400 << QByteArray("Sec-WebSocket-Key");
    QTest::newRow("header without name")
            << QByteArray(validHandshake).replace("Host: 127.0.0.1", ": nameless") << 400
            << QByteArray("no name");
    QTest::newRow("key with invalid characters")
            << QByteArray(validHandshake)
                       .replace("dGhlIHNhbXBsZSBub25jZQ==", "!!!!AAAAAAAAAAAAAAAAAA==")
            << 400 << QByteArray("Sec-WebSocket-Key");
    QTest::newRow("key without padding")
            << QByteArray(validHandshake).replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ")
            << 400 << QByteArray("Sec-WebSocket-Key");
    QTest::newRow("space before colon")
            << QByteArray(validHandshake).replace("Upgrade: websocket", "Upgrade : websocket")
            << 400 << QByteArray("whitespace before its colon");
    QTest::newRow("no Host")
            << QByteArray(validHandshake).replace("Host: 127.0.0.1\r\n", "") << 400
            << QByteArray("no Host header");
    QTest::newRow("20 KB of headers")
            << QByteArray("GET / HTTP/1.1\r\nX-Filler: " + QByteArray(20000, 'a') + "\r\n\r\n")
            << 431 << QByteArray("exceeds 8192 bytes");
}

void tst_WebSocket::serverRejectsBadHandshakes()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, says);
    auto server = startServer();
    QVERIFY(server);
    QSignalSpy connections(server.get(), &WebSocketServer::newConnection);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(timeoutMs));
    socket.write(request);
    const QByteArray answer = readUntil(socket, [](const QByteArray &) { return false; });
    const QByteArray statusLine = "HTTP/1.1 " + QByteArray::number(status) + ' ';
    QVERIFY2(answer.startsWith(statusLine), answer.constData());
    QVERIFY2(answer.contains(says), answer.constData());
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(connections.count(), 0);
}

void tst_WebSocket::serverCutsSilentHandshake()
{
    auto server = startServer(); // 1 s handshake deadline
    QVERIFY(server);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(timeoutMs));
    socket.write("GET / HTTP/1.1\r\n"); // and nothing more
    QElapsedTimer timer;
    timer.start();
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, timeoutMs);
    QVERIFY(timer.elapsed() >= 500);
}

void tst_WebSocket::serverRejectsBadFrames_data()
{
    QTest::addColumn<QByteArray>("frames");
    QTest::addColumn<int>("closeCode");
    const QByteArray hello("hello");
    QTest::newRow("unmasked") << rawFrame(0x82, hello, false) << int(CloseProtocolError);
    QTest::newRow("reserved bit") << rawFrame(0xC2, hello) << int(CloseProtocolError);
    QTest::newRow("unknown opcode") << rawFrame(0x83, hello) << int(CloseProtocolError);
    QTest::newRow("fragmented ping") << rawFrame(0x09, hello) << int(CloseProtocolError);
    QTest::newRow("long ping") << rawFrame(0x89, QByteArray(126, 'p')) << int(CloseProtocolError);
    QTest::newRow("lone continuation") << rawFrame(0x80, hello) << int(CloseProtocolError);
    QTest::newRow("message inside message")
            << rawFrame(0x02, hello) + rawFrame(0x82, hello) << int(CloseProtocolError);
    QTest::newRow("one-byte close") << rawFrame(0x88, QByteArray(1, 'x')) << int(CloseProtocolError);
    QTest::newRow("close code 1005")
            << rawFrame(0x88, QByteArray::fromHex("03ed")) << int(CloseProtocolError);
    QByteArray hugeLength = QByteArray::fromHex("82ff") + QByteArray::fromHex("8000000000000001")
            + QByteArray(4, '\0');
    QTest::newRow("length with top bit") << hugeLength << int(CloseProtocolError);
    QTest::newRow("5 bytes in the 16-bit form")
            << rawFrame(0x82, hello, true, 126) << int(CloseProtocolError);
    QTest::newRow("5 bytes in the 64-bit form")
            << rawFrame(0x82, hello, true, 127) << int(CloseProtocolError);
    QTest::newRow("close reason not UTF-8")
            << rawFrame(0x88, QByteArray::fromHex("03e8fffec0")) << int(CloseInvalidPayload);
    QByteArray tooBig = QByteArray::fromHex("82ff") + QByteArray::fromHex("0000000100000000")
            + QByteArray(4, '\0');
    QTest::newRow("declared 4 GiB") << tooBig << int(CloseTooBig);
    // Three continuation frames of 40 KB each exceed the 100 KB limit set below.
    const QByteArray piece(40000, 'c');
    QTest::newRow("too big across fragments")
            << rawFrame(0x02, piece) + rawFrame(0x00, piece) + rawFrame(0x80, piece)
            << int(CloseTooBig);
}

void tst_WebSocket::serverRejectsBadFrames()
{
    QFETCH(QByteArray, frames);
    QFETCH(int, closeCode);
    auto server = startServer();
    QVERIFY(server);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(timeoutMs));
    socket.write(validHandshake);
    std::unique_ptr<WebSocket> accepted(waitForConnection(*server).data());
    QVERIFY(accepted);
    accepted->setMaxIncomingMessageSize(100000);
    QSignalSpy messages(accepted.get(), &WebSocket::binaryMessageReceived);
    QSignalSpy gone(accepted.get(), &WebSocket::disconnected);
    const QByteArray head = readUntil(socket, [](const QByteArray &data) {
        return data.contains("\r\n\r\n");
    });
    QVERIFY2(head.startsWith("HTTP/1.1 101 "), head.constData());
    QVERIFY(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));

    socket.write(frames);
    const QByteArray answer = readUntil(socket, [](const QByteArray &data) {
        return parseServerFrame(data).has_value();
    });
    const auto close = parseServerFrame(answer);
    QVERIFY2(close, answer.toHex().constData());
    QCOMPARE(close->first, quint8(Opcode::Close));
    QCOMPARE(int(qFromBigEndian<quint16>(close->second.constData())), closeCode);
    QVERIFY(!close->second.mid(2).isEmpty()); // the reason names the fault
    QCOMPARE(messages.count(), 0);
    socket.write(rawFrame(0x88, close->second.left(2))); // the close frame in reply
    QVERIFY(gone.count() == 1 || gone.wait(timeoutMs));
    QVERIFY(accepted->hasError());
}

void tst_WebSocket::serverReadsFramesByteByByte()
{
    auto server = startServer();
    QVERIFY(server);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(timeoutMs));
    socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // The handshake and the frames arrive one byte per write, the frames glued to the request.
    const QByteArray first = randomBytes(300);
    const QByteArray second = randomBytes(70000);
    const QByteArray bytes = validHandshake + rawFrame(0x89, "ping") + rawFrame(0x02, first.left(100))
            + rawFrame(0x80, first.mid(100)) + rawFrame(0x82, second);
    QPointer<WebSocket> accepted;
    QList<QByteArray> received;
    connect(server.get(), &WebSocketServer::newConnection, this, [&] {
        accepted = server->nextPendingConnection();
        connect(accepted.data(), &WebSocket::binaryMessageReceived, this,
                [&](const QByteArray &message) { received.append(message); });
    });
    // Byte by byte through the handshake and the first frames, then in larger slices.
    qsizetype position = 0;
    while (position < bytes.size()) {
        const qsizetype step = position < validHandshake.size() + 200 ? 1 : 4096;
        socket.write(bytes.mid(position, step));
        socket.flush();
        position += step;
        QCoreApplication::processEvents();
    }
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, timeoutMs);
    std::unique_ptr<WebSocket> owner(accepted.data());
    QCOMPARE(received.at(0), first);
    QCOMPARE(received.at(1), second);
    const QByteArray answer = readUntil(socket, [](const QByteArray &data) {
        const qsizetype end = data.indexOf("\r\n\r\n");
        return end >= 0 && parseServerFrame(data.mid(end + 4)).has_value();
    });
    const auto pong = parseServerFrame(answer.mid(answer.indexOf("\r\n\r\n") + 4));
    QVERIFY(pong);
    QCOMPARE(pong->first, quint8(Opcode::Pong));
    QCOMPARE(pong->second, QByteArray("ping"));
}

void tst_WebSocket::serverAcceptsRegisteredCloseCodes_data()
{
    QTest::addColumn<int>("code");
    for (int code : { 1000, 1001, 1011, 1012, 1013, 1014, 3000, 4999 }) {
        QTest::addRow("%d", code) << code;
    }
}

void tst_WebSocket::serverAcceptsRegisteredCloseCodes()
{
    QFETCH(int, code);
    auto server = startServer();
    QVERIFY(server);
    QWebSocket client;
    std::unique_ptr<WebSocket> accepted = connectQtClient(*server, client);
    QVERIFY(accepted);
    QSignalSpy gone(accepted.get(), &WebSocket::disconnected);
    client.close(QWebSocketProtocol::CloseCode(code), QStringLiteral("r\u00e9sum\u00e9"));
    QVERIFY(gone.wait(timeoutMs));
    QCOMPARE(int(accepted->closeCode()), code);
    QCOMPARE(accepted->closeReason(), QStringLiteral("r\u00e9sum\u00e9"));
    QVERIFY2(!accepted->hasError(), qPrintable(accepted->errorString()));
}

void tst_WebSocket::serverBoundsMemoryAgainstFloods_data()
{
    QTest::addColumn<QString>("mode");
    // An unmasked frame fails the connection, then 64 MiB follow as fast as TCP takes them.
    QTest::newRow("data after a protocol error") << QStringLiteral("flood");
    // 200,000 pings of 125 bytes from a peer that never reads: 25 MB of pongs if all were sent.
    QTest::newRow("pings from a peer that reads nothing") << QStringLiteral("pings");
}

void tst_WebSocket::serverBoundsMemoryAgainstFloods()
{
    QFETCH(QString, mode);
    auto server = startServer();
    QVERIFY(server);
    QList<QPointer<WebSocket>> accepted;
    connect(server.get(), &WebSocketServer::newConnection, this, [&] {
        while (WebSocket *socket = server->nextPendingConnection()) {
            socket->setParent(server.get());
            accepted.append(socket);
        }
    });
    // The attacker runs in its own process, so its buffers are not counted here.
    const QString script = TestEnvironment::sourceDir()
            + QStringLiteral("/tests/data/websocket/flood.py");
    QProcess attacker;
    attacker.start(QStringLiteral("python3"),
                   { script, mode, QString::number(server->serverPort()) });
    QVERIFY(attacker.waitForStarted(timeoutMs));
    const auto residentKib = [] {
        QFile status(QStringLiteral("/proc/self/status"));
        if (!status.open(QIODevice::ReadOnly)) {
            return qint64(-1);
        }
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:")) {
                return line.mid(6).trimmed().split(' ').first().toLongLong();
            }
        }
        return qint64(-1);
    };
    const qint64 before = residentKib();
    qint64 peak = before;
    qint64 maxQueued = 0;
    QElapsedTimer timer;
    timer.start();
    while (attacker.state() != QProcess::NotRunning && timer.elapsed() < 30000) {
        QTest::qWait(20);
        peak = qMax(peak, residentKib());
        for (const auto &socket : std::as_const(accepted)) {
            if (socket) {
                maxQueued = qMax(maxQueued, socket->bytesToWrite());
            }
        }
    }
    QCOMPARE(attacker.state(), QProcess::NotRunning);
    QCOMPARE(attacker.exitCode(), 0);
    QVERIFY(before > 0);
    QVERIFY2(maxQueued < 1024 * 1024, qPrintable(QStringLiteral("%1 bytes queued").arg(maxQueued)));
#ifndef VCS_UNDER_ADDRESS_SANITIZER
    QVERIFY2(peak - before < 16 * 1024,
             qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(peak - before)));
#endif
    QCOMPARE(accepted.size(), 1);
}

void tst_WebSocket::idleConnectionsDoNotLockOutClients()
{
    auto server = startServer();
    QVERIFY(server);
    // More silent connections from one address than the per-address limit of 64.
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 80; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, server->serverPort());
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(idle.begin(), idle.end(), [](const auto &socket) {
                                 return socket->state() != QAbstractSocket::ConnectingState
                                         && socket->state() != QAbstractSocket::HostLookupState;
                             }),
                             timeoutMs);
    QWebSocket client;
    std::unique_ptr<WebSocket> accepted = connectQtClient(*server, client);
    QVERIFY(accepted);
    // The oldest silent connections were cut to make room.
    QTRY_VERIFY_WITH_TIMEOUT(std::count_if(idle.begin(), idle.end(),
                                           [](const auto &socket) {
                                               return socket->state()
                                                       == QAbstractSocket::UnconnectedState;
                                           })
                                     >= 16,
                             timeoutMs);
    QCOMPARE(idle.front()->state(), QAbstractSocket::UnconnectedState);
}

void tst_WebSocket::idleConnectionsDoNotLockOutTlsClients()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString certificate = folder.filePath(QStringLiteral("gateway.crt"));
    const QString key = folder.filePath(QStringLiteral("gateway.key"));
    const ProcessResult openssl = TestProcess::run(
            QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
              QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
              QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
              QStringLiteral("-keyout"), key, QStringLiteral("-out"), certificate },
            QProcessEnvironment::systemEnvironment(), 60000);
    QVERIFY2(openssl.finished && openssl.exitCode == 0, openssl.standardError.constData());
    QFile certificateFile(certificate);
    QFile keyFile(key);
    QVERIFY(certificateFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(certificateFile.readAll()));
    tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);

    WebSocketServer server;
    server.setSslConfiguration(tls);
    server.setHandshakeTimeout(2000);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    // Silent connections that never start TLS, beyond the limit of 1,024 unfinished handshakes.
    // Both ends live in this process.
    constexpr int idleCount = 1100;
    rlimit files {};
    QVERIFY(getrlimit(RLIMIT_NOFILE, &files) == 0);
    if (files.rlim_cur < rlim_t(3 * idleCount)) {
        files.rlim_cur = qMin(files.rlim_max, rlim_t(3 * idleCount));
        QVERIFY(setrlimit(RLIMIT_NOFILE, &files) == 0);
    }
    QVERIFY2(files.rlim_cur >= rlim_t(2 * idleCount + 100),
             "the open-file limit is too low for this test; raise `ulimit -n` to 3300");
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < idleCount; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, server.serverPort());
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::none_of(idle.begin(), idle.end(), [](const auto &socket) {
                                 return socket->state() == QAbstractSocket::ConnectingState;
                             }),
                             timeoutMs);

    QWebSocket client;
    connect(&client, &QWebSocket::sslErrors, &client,
            [&client](const QList<QSslError> &) { client.ignoreSslErrors(); });
    client.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(server.serverPort())));
    std::unique_ptr<WebSocket> accepted(waitForConnection(server).data());
    QVERIFY(accepted);
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QAbstractSocket::ConnectedState, timeoutMs);
    exchangeMessages(*accepted, client, 100000);
}

void tst_WebSocket::clientTalksToQtServer_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("serverFrameSize");
    for (int size : { 0, 1, 126, 65536, 300000 }) {
        QTest::addRow("%d bytes", size) << size << 0;
    }
    QTest::newRow("fragmented") << 300000 << 777;
}

void tst_WebSocket::clientTalksToQtServer()
{
    QFETCH(int, size);
    QFETCH(int, serverFrameSize);
    QWebSocketServer server(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    WebSocket client;
    client.setProxy(QNetworkProxy::NoProxy);
    QSignalSpy connected(&client, &WebSocket::connected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/path?query=1").arg(server.serverPort())));
    QSignalSpy accepted(&server, &QWebSocketServer::newConnection);
    QVERIFY(accepted.wait(timeoutMs));
    std::unique_ptr<QWebSocket> peer(server.nextPendingConnection());
    QVERIFY(peer);
    QCOMPARE(peer->requestUrl().path(), QStringLiteral("/path"));
    QCOMPARE(peer->requestUrl().query(), QStringLiteral("query=1"));
    if (serverFrameSize > 0) {
        peer->setOutgoingFrameSize(quint64(serverFrameSize));
    }
    QVERIFY(connected.count() == 1 || connected.wait(timeoutMs));
    QVERIFY(client.isOpen());

    exchangeMessages(client, *peer, size);
    if (QTest::currentTestFailed()) {
        return;
    }

    QSignalSpy gone(&client, &WebSocket::disconnected);
    peer->close(QWebSocketProtocol::CloseCode(4004), QStringLiteral("the pool no longer exists"));
    QVERIFY(gone.wait(timeoutMs));
    QCOMPARE(client.closeCode(), quint16(4004));
    QCOMPARE(client.closeReason(), QStringLiteral("the pool no longer exists"));
    QVERIFY2(!client.hasError(), qPrintable(client.errorString()));
}

void tst_WebSocket::clientReportsBadHandshakeResponses_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QString>("says");
    QTest::newRow("404") << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                         << QStringLiteral("\"HTTP/1.1 404 Not Found\" instead of HTTP 101");
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n")
                              << QStringLiteral("\"SSH-2.0-OpenSSH_9.2\" instead of HTTP 101");
    QTest::newRow("wrong accept")
            << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n")
            << QStringLiteral("does not match the key");
    QTest::newRow("no upgrade header")
            << QByteArray("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n")
            << QStringLiteral("no \"Upgrade: websocket\" header");
    QTest::newRow("endless head") << QByteArray("HTTP/1.1 101 OK\r\nX: " + QByteArray(20000, 'x'))
                                  << QStringLiteral("no end within 16384 bytes");
}

void tst_WebSocket::clientReportsBadHandshakeResponses()
{
    QFETCH(QByteArray, response);
    QFETCH(QString, says);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    WebSocket client;
    client.setProxy(QNetworkProxy::NoProxy);
    QSignalSpy connected(&client, &WebSocket::connected);
    QSignalSpy gone(&client, &WebSocket::disconnected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
    QVERIFY(server.waitForNewConnection(timeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QTRY_VERIFY_WITH_TIMEOUT(peer->bytesAvailable() > 0, timeoutMs);
    peer->write(response);
    peer->flush();
    QVERIFY(gone.wait(timeoutMs));
    QCOMPARE(connected.count(), 0);
    QVERIFY(client.hasError());
    QVERIFY2(client.errorString().contains(says), qPrintable(client.errorString()));
}

void tst_WebSocket::clientReadsFramesGluedToHandshake()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    WebSocket client;
    client.setProxy(QNetworkProxy::NoProxy);
    QList<QByteArray> received;
    connect(&client, &WebSocket::binaryMessageReceived, this,
            [&](const QByteArray &message) { received.append(message); });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
    QVERIFY(server.waitForNewConnection(timeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    const QByteArray request = readUntil(*peer, [](const QByteArray &data) {
        return data.contains("\r\n\r\n");
    });
    const qsizetype keyStart = request.indexOf("Sec-WebSocket-Key: ") + 19;
    const QByteArray key = request.mid(keyStart, request.indexOf("\r\n", keyStart) - keyStart);
    QVERIFY(request.contains("User-Agent") == false); // none set in this test
    // The 101 response and two frames leave in one write, so they arrive in one segment.
    const QByteArray payload = randomBytes(1000);
    peer->write("HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, "
                "Upgrade\r\nsec-websocket-accept: "
                + acceptValue(key) + "\r\n\r\n"
                + encodeFrame(Opcode::Binary, payload.constData(), payload.size(), nullptr)
                + encodeFrame(Opcode::Binary, "x", 1, nullptr));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, timeoutMs);
    QCOMPARE(received.at(0), payload);
    QCOMPARE(received.at(1), QByteArray("x"));

    // A masked frame from the server is a protocol error.
    QSignalSpy gone(&client, &WebSocket::disconnected);
    const MaskKey key4 { 9, 9, 9, 9 };
    peer->write(encodeFrame(Opcode::Binary, "bad", 3, &key4));
    const QByteArray answer = readUntil(*peer, [](const QByteArray &data) {
        return data.size() >= 8; // a masked close frame: 2 + 4 key + 2 code at least
    });
    QVERIFY(answer.size() >= 8);
    QCOMPARE(quint8(answer.at(0)), quint8(0x88));
    QByteArray code = answer.mid(6, 2);
    applyMask(code.data(), code.constData(), 2,
              MaskKey { quint8(answer.at(2)), quint8(answer.at(3)), quint8(answer.at(4)),
                        quint8(answer.at(5)) },
              0);
    QCOMPARE(qFromBigEndian<quint16>(code.constData()), quint16(CloseProtocolError));
    peer->close();
    QVERIFY(gone.count() == 1 || gone.wait(timeoutMs));
    QVERIFY(client.errorString().contains(QStringLiteral("from the server is masked")));
}

void tst_WebSocket::clientCutsPeerThatNeverClosesBack()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    WebSocket client;
    client.setProxy(QNetworkProxy::NoProxy);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
    QVERIFY(server.waitForNewConnection(timeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    const QByteArray request = readUntil(*peer, [](const QByteArray &data) {
        return data.contains("\r\n\r\n");
    });
    const qsizetype keyStart = request.indexOf("Sec-WebSocket-Key: ") + 19;
    const QByteArray key = request.mid(keyStart, request.indexOf("\r\n", keyStart) - keyStart);
    peer->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: " + acceptValue(key) + "\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.isOpen(), timeoutMs);

    // The peer reads the close frame but sends none back, so the client's close timer cuts it.
    QSignalSpy gone(&client, &WebSocket::disconnected);
    client.close(1000, QStringLiteral("done"));
    const QByteArray closeFrame = readUntil(*peer, [](const QByteArray &data) {
        return data.size() >= 8;
    });
    QCOMPARE(quint8(closeFrame.at(0)), quint8(0x88));
    QVERIFY(gone.wait(timeoutMs));
    QCOMPARE(client.closeCode(), quint16(1000));
    QCOMPARE(client.closeReason(), QStringLiteral("done"));
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
