#include "agentconnection.h"

#include "log/logging.h"
#include "log/logthrottle.h"
#include "tunnel/websocket.h"

using namespace Tunnel;

namespace {

constexpr int handshakeTimeoutMs = 10000;
// Failures of connections that have not sent Hello are logged at most once per interval.
constexpr qint64 unauthenticatedLogIntervalMs = 10000;

} // namespace

AgentConnection::AgentConnection(WebSocket *socket, int pingIntervalMs, int pingTimeoutMs,
                                 QObject *parent)
    : QObject(parent)
    , m_socket(socket)
{
    socket->setParent(this);
    socket->setMaxIncomingMessageSize(maxMessageSize);
    m_idleSince.start();
    connect(socket, &WebSocket::binaryMessageReceived, this, &AgentConnection::handleMessage);
    connect(socket, &WebSocket::textMessageReceived, this, [this] {
        protocolError(QStringLiteral("text frame; the protocol uses binary frames only"));
    });
    connect(socket, &WebSocket::disconnected, this, &AgentConnection::handleDisconnected);

    m_pingTimer.setInterval(pingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        ++m_pingCounter;
        if (m_pingAwaited == 0) {
            // Only the oldest unanswered ping is timed, so a late pong shows its full delay.
            m_pingAwaited = m_pingCounter;
            m_pingSent.start();
        }
        send(encodePing(MessageType::Ping, m_pingCounter));
    });
    m_silenceTimer.setSingleShot(true);
    m_silenceTimer.setInterval(pingIntervalMs + pingTimeoutMs);
    connect(&m_silenceTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcGateway).noquote()
                << QStringLiteral("connection %1 (pool %2 stream %3): the agent sent nothing for "
                                  "%4 ms; closing it")
                           .arg(m_connectionId, m_hello.poolId,
                                QString::number(m_hello.streamIndex),
                                QString::number(m_silenceTimer.interval()));
        if (m_socket) {
            m_socket->close(quint16(CloseCode::PingTimeout),
                        QStringLiteral("no message from the agent within the ping timeout"));
        }
    });
    m_silenceTimer.start();
    m_handshakeTimer.setSingleShot(true);
    connect(&m_handshakeTimer, &QTimer::timeout, this,
            [this] { protocolError(QStringLiteral("no Hello within the handshake timeout")); });
    m_handshakeTimer.start(handshakeTimeoutMs);
}

AgentConnection::~AgentConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QHostAddress AgentConnection::peerHost() const
{
    return m_socket ? m_socket->peerAddress() : QHostAddress();
}

QString AgentConnection::peerAddress() const
{
    return m_socket ? m_socket->peerAddress().toString() + QLatin1Char(':')
                    + QString::number(m_socket->peerPort())
                    : QString();
}

void AgentConnection::accept(const QString &connectionId, const QByteArray &keyHash,
                             quint32 window)
{
    m_connectionId = connectionId;
    m_keyHash = keyHash;
    m_state = State::Ready;
    m_connectedSince = QDateTime::currentDateTimeUtc();
    m_idleSince.start();
    Welcome welcome;
    welcome.connectionId = connectionId;
    welcome.window = window;
    welcome.pingIntervalMs = m_pingTimer.interval();
    send(encodeWelcome(welcome));
    m_pingTimer.start();
    Q_EMIT available(this);
}

void AgentConnection::reject(CloseCode code, const QString &reason)
{
    qCWarning(lcGateway).noquote() << QStringLiteral("agent %1 (pool %2 stream %3) rejected: %4")
                                              .arg(peerAddress(), m_hello.poolId,
                                                   QString::number(m_hello.streamIndex), reason);
    m_state = State::Closed;
    if (m_socket) {
        m_socket->close(quint16(code), reason);
    }
}

quint32 AgentConnection::begin(StreamExchangeHandler *handler)
{
    Q_ASSERT(isFree());
    m_handler = handler;
    return ++m_nextRequestId;
}

void AgentConnection::finish(StreamExchangeHandler *handler)
{
    if (m_handler != handler) {
        return;
    }
    m_handler = nullptr;
    ++m_requestsServed;
    m_idleSince.start();
    if (m_state == State::Draining) {
        m_socket->close(WebSocketFrame::CloseNormal, QStringLiteral("drained"));
        return;
    }
    if (m_state == State::Ready) {
        Q_EMIT available(this);
    }
}

void AgentConnection::send(QByteArray frame)
{
    if (m_socket && m_state != State::Closed) {
        m_socket->sendBinaryMessage(std::move(frame));
    }
}

qint64 AgentConnection::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void AgentConnection::protocolError(const QString &reason)
{
    if (m_connectionId.isEmpty()) {
        // Before Hello the peer is not known to hold a pool token, so its failures are summed
        // up rather than logged one by one, which would let anyone flood the log.
        static LogThrottle throttle(unauthenticatedLogIntervalMs);
        if (throttle.allow()) {
            qCWarning(lcGateway).noquote()
                    << QStringLiteral("connection from %1 closed before Hello: %2%3")
                               .arg(peerAddress(), reason, throttle.suppressedSuffix());
        }
    } else {
        qCWarning(lcGateway).noquote()
                << QStringLiteral("connection %1 from %2: closing the stream: %3")
                           .arg(m_connectionId, peerAddress(), reason);
    }
    if (m_state == State::Closed) {
        return;
    }
    m_state = State::Closed;
    if (m_socket) {
        m_socket->close(quint16(CloseCode::ProtocolError), reason);
    }
    if (m_handler) {
        StreamExchangeHandler *handler = m_handler;
        m_handler = nullptr;
        handler->handleStreamLost(QStringLiteral("protocol error on the agent stream: %1").arg(reason));
    }
}

void AgentConnection::handleMessage(const QByteArray &frame)
{
    m_silenceTimer.start();
    QString error;
    const auto message = decode(frame, &error);
    if (!message) {
        protocolError(error);
        return;
    }
    if (m_state == State::Handshake) {
        if (message->type != MessageType::Hello) {
            protocolError(QStringLiteral("%1 before Hello").arg(messageTypeName(message->type)));
            return;
        }
        m_handshakeTimer.stop();
        m_hello = *message->hello;
        Q_EMIT helloReceived(this);
        return;
    }
    if (m_state == State::Closed) {
        return;
    }
    switch (message->type) {
    case MessageType::Ping:
        send(encodePing(MessageType::Pong, message->pingValue));
        return;
    case MessageType::Pong:
        if (m_pingAwaited != 0 && message->pingValue == m_pingAwaited) {
            qCDebug(lcGateway).noquote()
                    << QStringLiteral("connection %1 (pool %2 stream %3): pong %4 after %5 ms")
                               .arg(m_connectionId, m_hello.poolId,
                                    QString::number(m_hello.streamIndex),
                                    QString::number(m_pingAwaited),
                                    QString::number(m_pingSent.elapsed()));
            m_pingAwaited = 0;
        }
        return;
    case MessageType::Drain:
        m_state = State::Draining;
        if (!m_handler) {
            m_socket->close(WebSocketFrame::CloseNormal, QStringLiteral("drained"));
        }
        return;
    case MessageType::ResponseHead:
    case MessageType::ResponseBody:
    case MessageType::ResponseEnd:
    case MessageType::Error:
    case MessageType::Window:
        if (!m_handler) {
            // Credit for a request that just finished may cross the gateway's final message.
            if (message->type == MessageType::Window && message->requestId <= m_nextRequestId) {
                return;
            }
            protocolError(QStringLiteral("%1 for request %2, which is not open")
                                  .arg(messageTypeName(message->type))
                                  .arg(message->requestId));
            return;
        }
        if (message->requestId != m_nextRequestId) {
            if (message->type == MessageType::Window && message->requestId < m_nextRequestId) {
                return;
            }
            protocolError(QStringLiteral("%1 for request %2 while request %3 is open")
                                  .arg(messageTypeName(message->type))
                                  .arg(message->requestId)
                                  .arg(m_nextRequestId));
            return;
        }
        m_handler->handleAgentMessage(*message);
        return;
    default:
        protocolError(QStringLiteral("unexpected %1 message from the agent")
                              .arg(messageTypeName(message->type)));
    }
}

void AgentConnection::handleDisconnected()
{
    m_pingTimer.stop();
    m_silenceTimer.stop();
    m_handshakeTimer.stop();
    m_state = State::Closed;
    if (!m_connectionId.isEmpty()) {
        qCInfo(lcGateway).noquote()
                << QStringLiteral("connection %1 (pool %2 stream %3) closed: %4")
                           .arg(m_connectionId, m_hello.poolId,
                                QString::number(m_hello.streamIndex),
                                m_socket && !m_socket->closeReason().isEmpty()
                                        ? m_socket->closeReason()
                                        : QStringLiteral("connection lost"));
    }
    if (m_handler) {
        StreamExchangeHandler *handler = m_handler;
        m_handler = nullptr;
        handler->handleStreamLost(QStringLiteral("the agent stream closed"));
    }
    Q_EMIT closed(this);
}
