#include "websocketserver.h"

#include "common/eviction.h"
#include "log/logging.h"
#include "websocket.h"
#include "websocketframe.h"

#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace Tunnel {

namespace {

// A handshake request longer than this is rejected with 431.
constexpr qsizetype maxRequestHead = 8 * 1024;
// Caps on connections still in their handshake, in all and from one address. A new connection
// beyond either cap cuts the oldest one (see oldestToEvict()).
constexpr qsizetype maxHandshaking = 1024;
constexpr qsizetype maxHandshakingPerAddress = 64;
// Accepted connections that no caller has taken yet; more are cut at once.
constexpr qsizetype maxPending = 256;

// Starts TLS on each accepted socket and queues it at once. QSslServer queues a socket only
// after its TLS handshake. With Qt 6.4.2 it stopped accepting for good once about 1,100 idle
// connections had filled its pending limit and timed out (seen in a test, not traced in Qt). Here the handshake deadline, the caps and the
// eviction of WebSocketServer cover the TLS handshake too.
class TlsAcceptingServer final : public QTcpServer
{
public:
    TlsAcceptingServer(const QSslConfiguration &configuration, QObject *parent)
        : QTcpServer(parent)
        , m_configuration(configuration)
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QSslSocket(this);
        socket->setSslConfiguration(m_configuration);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->startServerEncryption();
        addPendingConnection(socket);
    }

private:
    QSslConfiguration m_configuration;
};

} // namespace

WebSocketServer::WebSocketServer(QObject *parent)
    : QObject(parent)
{
}

WebSocketServer::~WebSocketServer()
{
    for (const auto &socket : std::as_const(m_pending)) {
        delete socket.data();
    }
}

bool WebSocketServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_tls) {
        m_server = new TlsAcceptingServer(*m_tls, this);
    } else {
        m_server = new QTcpServer(this);
    }
    m_server->setMaxPendingConnections(int(maxHandshaking));
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this,
            &WebSocketServer::acceptConnections);
    return m_server->listen(address, port);
}

void WebSocketServer::close()
{
    if (m_server) {
        m_server->close();
    }
    const auto handshaking = m_handshaking;
    m_handshaking.clear();
    for (QTcpSocket *socket : handshaking) {
        socket->abort();
    }
}

quint16 WebSocketServer::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString WebSocketServer::errorString() const
{
    return m_server ? m_server->errorString() : QString();
}

WebSocket *WebSocketServer::nextPendingConnection()
{
    while (!m_pending.isEmpty()) {
        QPointer<WebSocket> socket = m_pending.takeFirst();
        if (socket) {
            socket->setParent(nullptr);
            return socket;
        }
    }
    return nullptr;
}

void WebSocketServer::acceptConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_pending.size() >= maxPending) {
            // The address is read before abort(), which clears it.
            noteEviction(socket->peerAddress());
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const qsizetype evicted = oldestToEvict(
                m_handshaking, socket->peerAddress(),
                [](const QTcpSocket *open) { return open->peerAddress(); },
                maxHandshakingPerAddress, maxHandshaking);
        if (evicted >= 0) {
            QTcpSocket *oldest = m_handshaking.takeAt(evicted);
            noteEviction(oldest->peerAddress());
            oldest->abort();
        }
        m_handshaking.append(socket);
        auto *deadline = new QTimer(socket);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, this, [this, socket] {
            qCDebug(lcTunnel).noquote()
                    << QStringLiteral("no WebSocket handshake from %1 within %2 ms")
                               .arg(socket->peerAddress().toString())
                               .arg(m_handshakeTimeoutMs);
            forget(socket);
            socket->abort();
        });
        deadline->start(m_handshakeTimeoutMs);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (socket->bytesAvailable() > 0) {
            readRequest(socket);
        }
    }
}

void WebSocketServer::noteEviction(const QHostAddress &address)
{
    if (m_evictionLog.allow()) {
        qCWarning(lcTunnel).noquote()
                << QStringLiteral("too many unfinished WebSocket handshakes: cut a connection "
                                  "from %1%2")
                           .arg(address.toString(), m_evictionLog.suppressedSuffix());
    }
}

void WebSocketServer::forget(QTcpSocket *socket)
{
    m_handshaking.removeAll(socket);
}

void WebSocketServer::readRequest(QTcpSocket *socket)
{
    if (!m_handshaking.contains(socket)) {
        return; // a response was sent already, so later bytes are ignored
    }
    // peek() first, so that anything after the head stays in the socket's buffer.
    const QByteArray data = socket->peek(maxRequestHead + 4);
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0) {
        if (data.size() > maxRequestHead) {
            reject(socket, 431, "Request Header Fields Too Large",
                   QStringLiteral("the handshake request exceeds %1 bytes").arg(maxRequestHead));
        }
        return;
    }
    socket->skip(end + 4);
    const QList<QByteArray> lines = data.left(end).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine.at(2) != "HTTP/1.1") {
        reject(socket, 400, "Bad Request", QStringLiteral("the request line is not HTTP/1.1"));
        return;
    }
    if (requestLine.at(0) != "GET") {
        reject(socket, 405, "Method Not Allowed",
               QStringLiteral("a WebSocket handshake is a GET request"), "Allow: GET\r\n");
        return;
    }
    QString headerError;
    const auto fields = WebSocketFrame::parseHeaderFields(lines, &headerError);
    if (!fields) {
        reject(socket, 400, "Bad Request", headerError);
        return;
    }
    const QByteArray key = fields->value("sec-websocket-key");
    if (!WebSocketFrame::headerHasToken(fields->value("upgrade"), "websocket")
        || !WebSocketFrame::headerHasToken(fields->value("connection"), "upgrade")) {
        reject(socket, 426, "Upgrade Required",
               QStringLiteral("this port takes vcs-agent tunnel connections (WebSocket) only; "
                              "the platform's requests go to the gateway's API port"),
               "Upgrade: websocket\r\n");
        return;
    }
    if (fields->value("sec-websocket-version") != "13") {
        reject(socket, 426, "Upgrade Required",
               QStringLiteral("WebSocket version 13 is the only one supported"),
               "Sec-WebSocket-Version: 13\r\n");
        return;
    }
    const auto decodedKey =
            QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (key.size() != 24 || !decodedKey || decodedKey.decoded.size() != 16) {
        reject(socket, 400, "Bad Request",
               QStringLiteral("Sec-WebSocket-Key is missing or not 16 bytes in base64"));
        return;
    }
    if (!fields->contains("host")) {
        reject(socket, 400, "Bad Request", QStringLiteral("the request has no Host header"));
        return;
    }
    forget(socket);
    socket->disconnect(this);
    qDeleteAll(socket->findChildren<QTimer *>(Qt::FindDirectChildrenOnly));
    socket->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                  + WebSocketFrame::acceptValue(key) + "\r\n\r\n");
    auto *webSocket = new WebSocket(socket, this);
    m_pending.append(webSocket);
    Q_EMIT newConnection();
}

void WebSocketServer::reject(QTcpSocket *socket, int status, const QByteArray &reason,
                             const QString &message, const QByteArray &extraHeaders)
{
    qCDebug(lcTunnel).noquote() << QStringLiteral("rejected a WebSocket handshake from %1: %2")
                                           .arg(socket->peerAddress().toString(), message);
    forget(socket);
    const QByteArray body = "vcs-gateway: " + message.toUtf8() + '\n';
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                  + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\nConnection: close\r\n" + extraHeaders
                  + "\r\n" + body);
    socket->disconnectFromHost();
}

} // namespace Tunnel
