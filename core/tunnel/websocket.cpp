#include "websocket.h"

#include "log/logging.h"
#include "log/logthrottle.h"

#include <QRandomGenerator>
#include <QStringDecoder>
#include <QSslSocket>
#include <QTcpSocket>
#include <QtEndian>

namespace Tunnel {

using namespace WebSocketFrame;

namespace {

// The time the peer has to send its close frame in reply before the connection is cut.
constexpr int closeHandshakeTimeoutMs = 2000;
// A handshake response longer than this is not from a WebSocket server.
constexpr qsizetype maxHandshakeResponse = 16 * 1024;
// Bytes Qt may read ahead from the kernel, so a peer that floods a connection which stopped
// parsing (after a protocol error, say) is slowed by TCP instead of filling memory.
constexpr qint64 socketReadBufferSize = 256 * 1024;
// A peer that lets more than this pile up in the socket's write buffer is not reading, so the
// connection is cut. Flow control keeps the tunnel's own queue near its 1 MiB request window.
constexpr qint64 maxQueuedOutput = 16 * 1024 * 1024;
// A pong is sent only while little output waits, so a peer that sends pings and reads nothing
// gets no growing queue of pongs (RFC 6455 section 5.5.3 allows skipping some).
constexpr qint64 maxQueuedForPong = 64 * 1024;
// WebSocket-level failures are logged at most once per interval, with their count.
constexpr qint64 failureLogIntervalMs = 10000;

bool isControl(Opcode opcode)
{
    return (quint8(opcode) & 0x08) != 0;
}

bool isKnownOpcode(quint8 opcode)
{
    switch (Opcode(opcode)) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
        return true;
    }
    return false;
}

MaskKey randomKey()
{
    const quint32 value = QRandomGenerator::global()->generate();
    MaskKey key;
    qToBigEndian(value, key.data());
    return key;
}

} // namespace

WebSocket::WebSocket(QObject *parent)
    : QObject(parent)
    , m_role(Role::Client)
{
    m_closeTimer.setSingleShot(true);
    connect(&m_closeTimer, &QTimer::timeout, this, &WebSocket::abort);
}

WebSocket::WebSocket(QTcpSocket *socket, QObject *parent)
    : QObject(parent)
    , m_role(Role::Server)
{
    m_closeTimer.setSingleShot(true);
    connect(&m_closeTimer, &QTimer::timeout, this, &WebSocket::abort);
    socket->setParent(this);
    attach(socket);
    m_state = State::Open;
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    QMetaObject::invokeMethod(this, [this] {
        if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState) {
            finish();
            return;
        }
        readFrames();
    }, Qt::QueuedConnection);
}

WebSocket::~WebSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void WebSocket::attach(QTcpSocket *socket)
{
    m_socket = socket;
    socket->setReadBufferSize(socketReadBufferSize);
    connect(socket, &QTcpSocket::readyRead, this, [this] {
        if (m_state == State::Handshake && !readHandshakeResponse()) {
            return;
        }
        readFrames();
    });
    connect(socket, &QTcpSocket::stateChanged, this, &WebSocket::handleSocketState);
    connect(socket, &QTcpSocket::bytesWritten, this, [this] { Q_EMIT bytesWritten(); });
}

void WebSocket::open(const QUrl &url)
{
    m_url = url;
    const QString scheme = url.scheme();
    const bool secure = scheme == QStringLiteral("wss");
    if (!secure && scheme != QStringLiteral("ws")) {
        m_errorString = QStringLiteral("the gateway address %1 is not a ws:// or wss:// URL")
                                .arg(url.toString(QUrl::RemoveUserInfo));
        QMetaObject::invokeMethod(this, &WebSocket::finish, Qt::QueuedConnection);
        return;
    }
    QTcpSocket *socket = nullptr;
    if (secure) {
        auto *sslSocket = new QSslSocket(this);
        if (m_ssl) {
            sslSocket->setSslConfiguration(*m_ssl);
        }
        connect(sslSocket, &QSslSocket::encrypted, this, &WebSocket::sendHandshake);
        connect(sslSocket, qOverload<const QList<QSslError> &>(&QSslSocket::sslErrors), this,
                [this](const QList<QSslError> &errors) { Q_EMIT sslErrors(errors); });
        socket = sslSocket;
    } else {
        socket = new QTcpSocket(this);
        connect(socket, &QTcpSocket::connected, this, &WebSocket::sendHandshake);
    }
    socket->setProxy(m_proxy);
    attach(socket);
    m_state = State::Connecting;
    const quint16 port = quint16(url.port(secure ? 443 : 80));
    if (secure) {
        static_cast<QSslSocket *>(socket)->connectToHostEncrypted(url.host(), port);
    } else {
        socket->connectToHost(url.host(), port);
    }
}

void WebSocket::sendHandshake()
{
    if (!m_socket || m_state != State::Connecting) {
        return;
    }
    m_state = State::Handshake;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    QByteArray nonce(16, Qt::Uninitialized);
    QRandomGenerator::global()->generate(reinterpret_cast<quint32 *>(nonce.data()),
                                         reinterpret_cast<quint32 *>(nonce.data() + 16));
    m_clientKey = nonce.toBase64();

    QByteArray target = m_url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty()) {
        target = "/";
    }
    if (m_url.hasQuery()) {
        target += '?' + m_url.query(QUrl::FullyEncoded).toLatin1();
    }
    QByteArray host = m_url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':')) {
        host = '[' + host + ']';
    }
    const bool secure = m_url.scheme() == QStringLiteral("wss");
    if (m_url.port() != -1 && m_url.port() != (secure ? 443 : 80)) {
        host += ':' + QByteArray::number(m_url.port());
    }
    QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: " + host
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + m_clientKey
            + "\r\nSec-WebSocket-Version: 13\r\n";
    if (!m_userAgent.isEmpty()) {
        request += "User-Agent: " + m_userAgent + "\r\n";
    }
    request += "\r\n";
    m_socket->write(request);
}

bool WebSocket::readHandshakeResponse()
{
    // peek() first, so that frames which follow the head stay in the socket's buffer.
    const QByteArray data = m_socket->peek(maxHandshakeResponse);
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0) {
        if (data.size() >= maxHandshakeResponse) {
            failHandshake(QStringLiteral("the gateway's response to the WebSocket handshake has no "
                                         "end within %1 bytes; check that the pool token's "
                                         "gateway address is the gateway's agent listener")
                                  .arg(maxHandshakeResponse));
        }
        return false;
    }
    m_socket->skip(end + 4);
    const QList<QByteArray> lines = data.left(end).split('\n');
    const QByteArray statusLine = lines.first().trimmed();
    const QList<QByteArray> status = statusLine.split(' ');
    const bool isHttp = status.size() >= 2 && status.at(0).startsWith("HTTP/1.");
    if (!isHttp || status.at(1) != "101") {
        failHandshake(QStringLiteral("the gateway responded to the WebSocket handshake with \"%1\" "
                                     "instead of HTTP 101; check that the pool token's gateway "
                                     "address is the gateway's agent listener")
                              .arg(QString::fromLatin1(statusLine.left(200))));
        return false;
    }
    QString headerError;
    const auto fields = parseHeaderFields(lines, &headerError);
    if (!fields) {
        failHandshake(QStringLiteral("the gateway's WebSocket handshake response is malformed: %1")
                              .arg(headerError));
        return false;
    }
    const QByteArray extensions = fields->value("sec-websocket-extensions");
    const QByteArray protocol = fields->value("sec-websocket-protocol");
    QString problem;
    if (!headerHasToken(fields->value("upgrade"), "websocket")) {
        problem = QStringLiteral("no \"Upgrade: websocket\" header");
    } else if (!headerHasToken(fields->value("connection"), "upgrade")) {
        problem = QStringLiteral("no \"Connection: Upgrade\" header");
    } else if (fields->value("sec-websocket-accept") != acceptValue(m_clientKey)) {
        problem = QStringLiteral("a Sec-WebSocket-Accept value that does not match the key sent");
    } else if (!extensions.isEmpty()) {
        problem = QStringLiteral("the extension \"%1\", which the agent did not offer")
                          .arg(QString::fromLatin1(extensions.left(100)));
    } else if (!protocol.isEmpty()) {
        problem = QStringLiteral("the subprotocol \"%1\", which the agent did not offer")
                          .arg(QString::fromLatin1(protocol.left(100)));
    }
    if (!problem.isEmpty()) {
        failHandshake(QStringLiteral("the gateway's WebSocket handshake response has %1").arg(problem));
        return false;
    }
    m_state = State::Open;
    Q_EMIT connected();
    return m_state == State::Open;
}

void WebSocket::readFrames()
{
    const QPointer<WebSocket> self(this);
    while (self && m_socket && !m_closeReceived
           && (m_state == State::Open || (m_state == State::Closing && m_errorString.isEmpty()))) {
        if (m_readState == ReadState::Header) {
            if (!readHeader()) {
                return;
            }
            continue;
        }
        const quint64 remaining = m_frameSize - m_frameHave;
        if (remaining > 0) {
            char *destination = isControl(m_frameOpcode)
                    ? m_control.data() + m_frameHave
                    : m_message.data() + m_messageStart + m_frameHave;
            const qint64 read = m_socket->read(destination, qint64(remaining));
            if (read <= 0) {
                return;
            }
            if (m_frameMasked) {
                applyMask(destination, destination, read, m_frameKey, m_frameHave);
            }
            m_frameHave += quint64(read);
            if (m_frameHave < m_frameSize) {
                continue;
            }
        }
        m_readState = ReadState::Header;
        m_headerHave = 0;
        handleFrame();
    }
}

bool WebSocket::readHeader()
{
    if (m_headerHave < 2) {
        const qint64 read = m_socket->read(m_header + m_headerHave, 2 - m_headerHave);
        if (read <= 0) {
            return false;
        }
        m_headerHave += read;
        if (m_headerHave < 2) {
            return false;
        }
    }
    const auto first = quint8(m_header[0]);
    const auto second = quint8(m_header[1]);
    const bool masked = (second & 0x80) != 0;
    const quint8 lengthCode = second & 0x7F;
    qsizetype needed = masked ? 6 : 2;
    if (lengthCode == 126) {
        needed += 2;
    } else if (lengthCode == 127) {
        needed += 8;
    }
    if (m_headerHave < needed) {
        const qint64 read = m_socket->read(m_header + m_headerHave, needed - m_headerHave);
        if (read <= 0) {
            return false;
        }
        m_headerHave += read;
        if (m_headerHave < needed) {
            return false;
        }
    }

    const bool final = (first & 0x80) != 0;
    const quint8 opcodeValue = first & 0x0F;
    if ((first & 0x70) != 0) {
        failConnection(CloseProtocolError,
                       QStringLiteral("a frame has reserved bits set, but no extension was agreed"));
        return false;
    }
    if (!isKnownOpcode(opcodeValue)) {
        failConnection(CloseProtocolError,
                       QStringLiteral("a frame has the unknown opcode %1").arg(opcodeValue));
        return false;
    }
    if (masked != (m_role == Role::Server)) {
        failConnection(CloseProtocolError,
                       m_role == Role::Server
                               ? QStringLiteral("a frame from the client is not masked")
                               : QStringLiteral("a frame from the server is masked"));
        return false;
    }
    quint64 size = lengthCode;
    qsizetype position = 2;
    if (lengthCode == 126) {
        size = qFromBigEndian<quint16>(m_header + position);
        position += 2;
    } else if (lengthCode == 127) {
        size = qFromBigEndian<quint64>(m_header + position);
        position += 8;
        if (size >> 63) {
            failConnection(CloseProtocolError,
                           QStringLiteral("a frame length has its most significant bit set"));
            return false;
        }
    }
    // RFC 6455 section 5.2: the length uses the shortest form that can hold it.
    if ((lengthCode == 126 && size <= 125) || (lengthCode == 127 && size <= 0xFFFF)) {
        failConnection(CloseProtocolError,
                       QStringLiteral("a frame length of %1 is not in its shortest form").arg(size));
        return false;
    }
    if (masked) {
        std::memcpy(m_frameKey.data(), m_header + position, 4);
    }

    const auto opcode = Opcode(opcodeValue);
    if (isControl(opcode)) {
        if (!final) {
            failConnection(CloseProtocolError, QStringLiteral("a control frame is fragmented"));
            return false;
        }
        if (size > quint64(maxControlPayload)) {
            failConnection(CloseProtocolError,
                           QStringLiteral("a control frame carries %1 bytes; the limit is %2")
                                   .arg(size)
                                   .arg(maxControlPayload));
            return false;
        }
        m_control.resize(qsizetype(size));
    } else {
        if (opcode == Opcode::Continuation && !m_inMessage) {
            failConnection(CloseProtocolError,
                           QStringLiteral("a continuation frame arrived outside a message"));
            return false;
        }
        if (opcode != Opcode::Continuation && m_inMessage) {
            failConnection(CloseProtocolError,
                           QStringLiteral("a new message began before the previous one ended"));
            return false;
        }
        const quint64 have = m_inMessage ? quint64(m_message.size()) : 0;
        if (size > quint64(m_maxMessageSize) || have + size > quint64(m_maxMessageSize)) {
            failConnection(CloseTooBig,
                           QStringLiteral("a message of more than %1 bytes arrived; the limit is "
                                          "%1")
                                   .arg(m_maxMessageSize));
            return false;
        }
        if (!m_inMessage) {
            m_inMessage = true;
            m_messageIsText = opcode == Opcode::Text;
            m_message = QByteArray();
        }
        m_messageStart = m_message.size();
        m_message.resize(m_messageStart + qsizetype(size));
    }
    m_frameFinal = final;
    m_frameOpcode = opcode;
    m_frameMasked = masked;
    m_frameSize = size;
    m_frameHave = 0;
    m_readState = ReadState::Payload;
    return true;
}

void WebSocket::handleFrame()
{
    if (isControl(m_frameOpcode)) {
        handleControlFrame(m_frameOpcode, m_control);
        return;
    }
    if (!m_frameFinal) {
        return;
    }
    m_inMessage = false;
    const QByteArray message = std::exchange(m_message, QByteArray());
    // Data that arrives after this side sent its close frame is no longer wanted.
    if (m_closeSent) {
        return;
    }
    if (m_messageIsText) {
        Q_EMIT textMessageReceived();
    } else {
        Q_EMIT binaryMessageReceived(message);
    }
}

void WebSocket::handleControlFrame(Opcode opcode, const QByteArray &payload)
{
    switch (opcode) {
    case Opcode::Ping:
        if (!m_closeSent && m_socket && m_socket->bytesToWrite() <= maxQueuedForPong) {
            writeFrame(Opcode::Pong, payload);
        }
        return;
    case Opcode::Close: {
        quint16 code = CloseNoStatus;
        QString reason;
        if (payload.size() == 1) {
            failConnection(CloseProtocolError, QStringLiteral("a close frame carries one byte"));
            return;
        }
        if (payload.size() >= 2) {
            code = qFromBigEndian<quint16>(payload.constData());
            if (!isValidCloseCode(code)) {
                failConnection(CloseProtocolError,
                               QStringLiteral("a close frame carries the invalid code %1").arg(code));
                return;
            }
            QStringDecoder decoder(QStringDecoder::Utf8);
            reason = decoder(payload.mid(2));
            if (decoder.hasError()) {
                failConnection(CloseInvalidPayload,
                               QStringLiteral("a close frame's reason is not valid UTF-8"));
                return;
            }
        }
        m_closeReceived = true;
        if (!m_closeSent) {
            m_closeCode = code;
            m_closeReason = reason;
            m_closeSent = true;
            const QByteArray reply = code == CloseNoStatus ? QByteArray()
                                                            : closePayload(code, QString());
            writeFrame(Opcode::Close, reply);
        }
        m_state = State::Closing;
        m_socket->disconnectFromHost();
        if (m_socket && m_socket->state() != QAbstractSocket::UnconnectedState) {
            m_closeTimer.start(closeHandshakeTimeoutMs);
        }
        return;
    }
    default:
        return; // a pong: the tunnel measures liveness with its own Ping messages
    }
}

void WebSocket::sendBinaryMessage(QByteArray payload)
{
    if (m_state != State::Open) {
        return;
    }
    writeFrame(Opcode::Binary, std::move(payload));
}

void WebSocket::writeFrame(Opcode opcode, QByteArray payload)
{
    if (!m_socket) {
        return;
    }
    const qsizetype size = payload.size();
    QByteArray header;
    if (m_role == Role::Client) {
        // RFC 6455 requires a fresh, unpredictable key for every frame a client sends.
        const MaskKey key = randomKey();
        applyMask(payload.data(), payload.constData(), size, key, 0);
        appendHeader(header, opcode, quint64(size), &key);
    } else {
        appendHeader(header, opcode, quint64(size), nullptr);
    }
    // One write per frame, because QAbstractSocket sends each written array in its own
    // event-loop turn (seen with strace).
    payload.prepend(header);
    m_socket->write(payload);
    if (m_socket->bytesToWrite() > maxQueuedOutput && m_state != State::Closed) {
        // Cut from the event loop: the caller is still in the middle of sending.
        m_errorString = QStringLiteral("the peer reads nothing: %1 bytes wait to be sent")
                                .arg(m_socket->bytesToWrite());
        m_state = State::Closing;
        QMetaObject::invokeMethod(this, &WebSocket::abort, Qt::QueuedConnection);
    }
}

void WebSocket::close(quint16 code, const QString &reason)
{
    if (m_state == State::Connecting || m_state == State::Handshake) {
        abort();
        return;
    }
    if (m_state != State::Open) {
        return;
    }
    m_closeSent = true;
    m_closeCode = code;
    const QByteArray payload = closePayload(code, reason);
    m_closeReason = QString::fromUtf8(payload.mid(2));
    writeFrame(Opcode::Close, payload);
    m_state = State::Closing;
    m_closeTimer.start(closeHandshakeTimeoutMs);
}

void WebSocket::failConnection(quint16 code, const QString &reason)
{
    static LogThrottle throttle(failureLogIntervalMs);
    if (throttle.allow()) {
        qCInfo(lcTunnel).noquote()
                << QStringLiteral("closing a WebSocket connection with %1: %2%3")
                           .arg(peerAddress().toString(), reason, throttle.suppressedSuffix());
    }
    m_errorString = reason;
    if (m_state != State::Open) {
        abort();
        return;
    }
    // The bytes after a bad frame cannot be parsed, so this side sends its close frame and ends
    // the connection without waiting for the peer's (RFC 6455 section 7.1.7). The close timer
    // still cuts a peer that does not read the remaining bytes.
    close(code, reason);
    if (m_socket) {
        m_socket->disconnectFromHost();
    }
}

void WebSocket::failHandshake(const QString &reason)
{
    m_errorString = reason;
    abort();
}

void WebSocket::abort()
{
    if (m_socket && m_socket->state() != QAbstractSocket::UnconnectedState) {
        m_socket->abort(); // emits stateChanged(UnconnectedState), which calls finish()
        return;
    }
    if (m_state != State::Unconnected) {
        finish();
    }
}

qint64 WebSocket::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

QHostAddress WebSocket::peerAddress() const
{
    return m_socket ? m_socket->peerAddress() : QHostAddress();
}

quint16 WebSocket::peerPort() const
{
    return m_socket ? m_socket->peerPort() : 0;
}

void WebSocket::handleSocketState(QAbstractSocket::SocketState state)
{
    if (state == QAbstractSocket::UnconnectedState) {
        finish();
    }
}

void WebSocket::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    m_state = State::Closed;
    m_closeTimer.stop();
    if (m_errorString.isEmpty() && !m_closeReceived) {
        if (m_socket && m_socket->error() != QAbstractSocket::UnknownSocketError) {
            m_errorString = m_socket->errorString();
        } else if (!m_closeSent) {
            m_errorString = QStringLiteral("the connection closed without a close frame");
        }
    }
    Q_EMIT disconnected();
}

} // namespace Tunnel
