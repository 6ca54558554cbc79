#include "streamclient.h"

#include "log/accesslog.h"
#include "log/logging.h"
#include "log/redaction.h"
#include "tunnel/websocket.h"

#include <QRandomGenerator>
#include <QSslConfiguration>

using namespace Tunnel;

namespace {

constexpr int welcomeTimeoutMs = 10000;
constexpr qint64 failureLogIntervalMs = 60000;
constexpr qsizetype maxResponsePiece = maxChunkSize;
// Response bytes the gateway socket may queue in this process before reading from the VCS
// pauses.
constexpr qint64 maxQueuedToGateway = 256 * 1024;

// Request headers that never reach the VCS: hop-by-hop fields are removed separately, Host and
// the framing fields are set by the upstream client, and X-VCS-* fields belong to the tunnel.
bool isDroppedRequestHeader(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    return lower == "host" || lower == "content-length" || lower.startsWith("x-vcs-");
}

// A random id for this process, shared by its streams.
QString agentInstanceId()
{
    static const QString id = QString::number(QRandomGenerator::system()->generate64(), 36);
    return id;
}

} // namespace

QString streamStateName(StreamStatus::State state)
{
    switch (state) {
    case StreamStatus::State::Stopped:
        return QStringLiteral("stopped");
    case StreamStatus::State::Connecting:
        return QStringLiteral("connecting");
    case StreamStatus::State::Idle:
        return QStringLiteral("idle");
    case StreamStatus::State::Busy:
        return QStringLiteral("busy");
    case StreamStatus::State::Draining:
        return QStringLiteral("draining");
    case StreamStatus::State::WaitingToReconnect:
        return QStringLiteral("waiting to reconnect");
    case StreamStatus::State::Rejected:
        return QStringLiteral("rejected");
    }
    return QStringLiteral("stopped");
}

// The request the stream is carrying, from its head to the end of both directions.
struct StreamClient::Exchange
{
    quint32 id = 0;
    RequestHead head;
    FilterDecision decision;
    AccessRecord record;
    QElapsedTimer elapsed;
    bool inspecting = false;    // reading the body for the filter before forwarding
    bool forwarding = false;    // the upstream request has started
    bool agentDone = false;     // our final message (ResponseEnd or Error) was sent
    bool gatewayDone = false;   // the gateway's final message (RequestEnd or Cancel) arrived
    bool responseHeadSent = false;
    QByteArray inspectedBody;
    qint64 requestCreditGranted = 0;
    qint64 requestBytesReceived = 0;
    qint64 responseCredit = 0;
};

StreamClient::StreamClient(int index, const AgentSettings &settings, const RequestFilter &filter,
                           AccessLog *accessLog, QObject *parent)
    : QObject(parent)
    , m_index(index)
    , m_settings(settings)
    , m_filter(filter)
    , m_accessLog(accessLog)
{
    m_status.index = index;
    m_status.gateway = settings.token.gatewayUrl.toString(QUrl::RemoveUserInfo);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &StreamClient::connectToGateway);
    m_pingTimer.setInterval(settings.pingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        send(encodePing(MessageType::Ping, ++m_pingCounter));
        if (!m_pongTimer.isActive()) {
            m_pongTimer.start(m_settings.pingTimeoutMs);
        }
    });
    m_pongTimer.setSingleShot(true);
    connect(&m_pongTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcTunnel).noquote() << QStringLiteral(
                "stream %1: the gateway sent nothing for %2 ms after a ping; replacing the "
                "connection").arg(m_index).arg(m_settings.pingTimeoutMs);
        if (m_socket) {
            m_socket->abort();
        }
    });
    m_welcomeTimer.setSingleShot(true);
    connect(&m_welcomeTimer, &QTimer::timeout, this, [this] {
        if (m_socket && !m_socket->isOpen()) {
            // A gateway that accepts TCP but never completes the WebSocket handshake (stopped
            // process, silent network) would otherwise hold the stream in Connecting for good.
            m_socket->disconnect(this);
            m_socket->abort();
            m_socket->deleteLater();
            m_socket = nullptr;
            scheduleReconnect(QStringLiteral("no WebSocket handshake within %1 ms")
                                      .arg(welcomeTimeoutMs),
                              false);
            return;
        }
        protocolError(QStringLiteral("no Welcome within %1 ms of connecting").arg(welcomeTimeoutMs));
    });
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (!m_exchange) {
            return;
        }
        if (m_exchange->agentDone) {
            protocolError(QStringLiteral("the gateway did not finish request %1 within %2 ms")
                                  .arg(m_exchange->id)
                                  .arg(m_idleTimer.interval()));
            return;
        }
        if (m_upstream) {
            m_upstream->abort();
        }
        sendFinalError(ErrorKind::Timeout,
                       QStringLiteral("the VCS made no progress for %1 ms")
                               .arg(m_idleTimer.interval()),
                       QStringLiteral("upstream idle timeout"));
    });

    UpstreamConfig upstreamConfig;
    upstreamConfig.baseEndpoint = settings.targetBaseEndpoint;
    upstreamConfig.extraCaCertificates = QSslCertificate::fromData(settings.caCertificatesPem);
    upstreamConfig.proxy = settings.proxy;
    upstreamConfig.connectTimeoutMs = settings.upstreamConnectTimeoutMs;
    m_upstream = std::make_unique<UpstreamClient>(upstreamConfig);
    connect(m_upstream.get(), &UpstreamClient::responseHeadReceived, this,
            [this](const HttpHead &head) {
                if (!m_exchange || m_exchange->agentDone) {
                    return;
                }
                ResponseHead response;
                response.status = head.status;
                response.reason = head.reason;
                response.headers = head.headers;
                HttpHeaders::removeHopByHop(response.headers);
                m_exchange->record.status = head.status;
                m_exchange->responseHeadSent = true;
                send(encodeResponseHead(m_exchange->id, response));
                // The head is not flushed here. The socket sends it when control returns to
                // the event loop, after pumpResponse() has queued the first body chunks.
                resetIdleTimer();
                pumpResponse();
            });
    connect(m_upstream.get(), &UpstreamClient::bodyReadyRead, this, &StreamClient::pumpResponse);
    connect(m_upstream.get(), &UpstreamClient::bytesWritten, this, [this] {
        resetIdleTimer();
        grantRequestCredit();
    });
    connect(m_upstream.get(), &UpstreamClient::failed, this, [this](const QString &reason) {
        if (!m_exchange || m_exchange->agentDone) {
            return;
        }
        qCWarning(lcUpstream).noquote()
                << QStringLiteral("stream %1 request %2: %3").arg(m_index).arg(m_exchange->id).arg(reason);
        sendFinalError(ErrorKind::Upstream, reason, QStringLiteral("upstream failure"));
    });
}

StreamClient::~StreamClient()
{
    m_stopped = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket;
    }
}

void StreamClient::start()
{
    m_stopped = false;
    m_draining = false;
    connectToGateway();
}

void StreamClient::stop()
{
    m_stopped = true;
    m_reconnectTimer.stop();
    m_pingTimer.stop();
    m_pongTimer.stop();
    if (m_socket) {
        m_socket->close(WebSocketFrame::CloseGoingAway, QStringLiteral("the agent is stopping"));
    }
    setState(StreamStatus::State::Stopped);
}

void StreamClient::drain()
{
    m_draining = true;
    m_reconnectTimer.stop();
    if (!m_socket || !m_welcomed || !m_exchange) {
        stop();
        Q_EMIT drained(m_index);
        return;
    }
    send(encodeEmpty(MessageType::Drain, 0));
    setState(StreamStatus::State::Draining);
}

int StreamClient::nextBackoffDelay()
{
    const qint64 exponential = qint64(m_settings.reconnectMinDelayMs) << qMin(m_attempt, 20);
    const qint64 cap = qMin<qint64>(exponential, m_settings.reconnectMaxDelayMs);
    ++m_attempt;
    // Equal jitter: half the delay is fixed so it grows, half is random so streams spread out.
    return int(cap / 2 + QRandomGenerator::global()->bounded(cap / 2 + 1));
}

void StreamClient::connectToGateway()
{
    if (m_stopped) {
        return;
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_welcomed = false;
    auto *socket = new WebSocket(this);
    m_socket = socket;
    socket->setMaxIncomingMessageSize(maxMessageSize);
    socket->setUserAgent(QByteArrayLiteral("vcs-agent/" VCS_AGENT_VERSION));
    const QUrl url = m_settings.token.gatewayUrl;
    const bool secure = url.scheme() == QStringLiteral("wss");
    socket->setProxy(m_settings.proxy.proxyFor(url.host(), secure));
    if (secure) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        const auto extra = QSslCertificate::fromData(m_settings.caCertificatesPem);
        if (!extra.isEmpty()) {
            configuration.addCaCertificates(extra);
        }
        socket->setSslConfiguration(configuration);
    }
    connect(socket, &WebSocket::connected, this, &StreamClient::handleConnected);
    connect(socket, &WebSocket::disconnected, this, &StreamClient::handleDisconnected);
    connect(socket, &WebSocket::binaryMessageReceived, this, &StreamClient::handleMessage);
    connect(socket, &WebSocket::bytesWritten, this, &StreamClient::pumpResponse);
    connect(socket, &WebSocket::textMessageReceived, this, [this] {
        protocolError(QStringLiteral("the gateway sent a text frame; the protocol uses binary "
                                     "frames only"));
    });
    connect(socket, &WebSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        QStringList messages;
        for (const QSslError &error : errors) {
            messages.append(error.errorString());
        }
        m_status.lastError = QStringLiteral("TLS to the gateway failed: %1")
                                     .arg(messages.join(QStringLiteral("; ")));
    });
    setState(StreamStatus::State::Connecting);
    qCDebug(lcTunnel) << "stream" << m_index << "connecting to" << url.toString(QUrl::RemoveUserInfo);
    socket->open(url);
    // Bounds the TCP connect, the WebSocket handshake and the Welcome together.
    m_welcomeTimer.start(welcomeTimeoutMs);
}

void StreamClient::handleConnected()
{
    Hello hello;
    hello.poolId = m_settings.token.poolId;
    hello.key = m_settings.token.key;
    hello.agentVersion = QStringLiteral(VCS_AGENT_VERSION);
    hello.vendor = vendorName(m_settings.vendor);
    hello.instanceId = agentInstanceId();
    hello.streamIndex = m_index;
    hello.window = defaultWindow;
    hello.tags = m_settings.tags;
    send(encodeHello(hello));
}

void StreamClient::handleDisconnected()
{
    if (!m_socket) {
        return;
    }
    const auto code = quint16(m_socket->closeCode());
    const QString closeReason = m_socket->closeReason();
    const bool socketFailed = m_socket->hasError();
    const QString socketError = m_socket->errorString();
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_welcomeTimer.stop();
    m_socket->disconnect(this);
    m_socket->deleteLater();
    m_socket = nullptr;
    const bool wasWelcomed = m_welcomed;
    m_welcomed = false;

    if (m_exchange) {
        if (m_upstream) {
            m_upstream->abort();
        }
        m_exchange->record.reason = m_exchange->responseHeadSent
                ? QStringLiteral("incomplete: the gateway connection was lost after the response "
                                 "head, so the platform got a truncated response")
                : QStringLiteral("the gateway connection was lost before the response");
        m_exchange->record.durationMs = m_exchange->elapsed.elapsed();
        m_accessLog->append(m_exchange->record);
        m_exchange.reset();
        m_idleTimer.stop();
    }
    if (m_stopped || m_draining) {
        setState(StreamStatus::State::Stopped);
        if (m_draining) {
            Q_EMIT drained(m_index);
        }
        return;
    }
    if (code == quint16(CloseCode::KeyRejected) || code == quint16(CloseCode::PoolNotFound)
        || code == quint16(CloseCode::UnsupportedVersion)) {
        m_status.lastError = closeReason;
        m_stopped = true;
        setState(StreamStatus::State::Rejected);
        // The gateway's close reason is a full sentence, e.g. "pool token rejected: ...".
        Q_EMIT rejected(closeReason.isEmpty()
                                ? QStringLiteral("pool token rejected by the gateway (close code %1)")
                                          .arg(code)
                                : closeReason);
        return;
    }
    QString reason = closeReason;
    if (reason.isEmpty()) {
        // Without a close frame (a reset, a dropped network) the code is 1006, so the socket
        // error is the better description.
        reason = (socketFailed || !wasWelcomed)
                ? socketError
                : QStringLiteral("the gateway closed the connection (code %1)").arg(code);
    }
    scheduleReconnect(reason, wasWelcomed);
}

void StreamClient::scheduleReconnect(const QString &reason, bool wasConnected)
{
    const int delay = nextBackoffDelay();
    m_status.lastError = reason;
    m_status.nextRetry = QDateTime::currentDateTimeUtc().addMSecs(delay);
    ++m_status.reconnects;
    m_status.connectedSince = QDateTime();
    setState(StreamStatus::State::WaitingToReconnect);
    // A lost connection logs one warning. Failed attempts after it are summed up at most once a
    // minute, so a long outage neither floods the log nor goes unmentioned.
    const QString next = QStringLiteral("reconnecting in %1 ms").arg(delay);
    if (wasConnected || !m_failureLogTimer.isValid()) {
        qCWarning(lcTunnel).noquote()
                << QStringLiteral("stream %1: disconnected from the gateway (%2); %3")
                           .arg(QString::number(m_index), reason, next);
        m_failedAttempts = 0;
        m_failureLogTimer.start();
    } else if (m_failureLogTimer.elapsed() >= failureLogIntervalMs) {
        qCWarning(lcTunnel).noquote()
                << QStringLiteral("stream %1: the gateway is still unreachable after %2 attempts "
                                  "(%3); %4")
                           .arg(QString::number(m_index), QString::number(m_failedAttempts),
                                reason, next);
        m_failureLogTimer.start();
    } else {
        qCDebug(lcTunnel).noquote() << QStringLiteral("stream %1: connecting failed (%2); %3")
                                               .arg(QString::number(m_index), reason, next);
    }
    ++m_failedAttempts;
    Q_EMIT reconnectScheduled(m_index, delay);
    m_reconnectTimer.start(delay);
}

void StreamClient::protocolError(const QString &reason)
{
    qCWarning(lcTunnel).noquote()
            << QStringLiteral("stream %1: closing the connection: %2").arg(m_index).arg(reason);
    if (m_socket) {
        m_socket->close(quint16(CloseCode::ProtocolError), reason);
    }
}

void StreamClient::handleMessage(const QByteArray &frame)
{
    m_pongTimer.stop();
    QString error;
    const auto message = decode(frame, &error);
    if (!message) {
        protocolError(error);
        return;
    }
    if (!m_welcomed && message->type != MessageType::Welcome) {
        protocolError(QStringLiteral("%1 before Welcome").arg(messageTypeName(message->type)));
        return;
    }
    switch (message->type) {
    case MessageType::Welcome:
        handleWelcome(*message);
        return;
    case MessageType::RequestHead:
        handleRequestHead(*message);
        return;
    case MessageType::RequestBody:
        handleRequestBody(*message);
        return;
    case MessageType::RequestEnd:
        handleRequestEnd(*message);
        return;
    case MessageType::Cancel:
        handleCancel(*message);
        return;
    case MessageType::Window:
        handleWindow(*message);
        return;
    case MessageType::Ping:
        send(encodePing(MessageType::Pong, message->pingValue));
        return;
    case MessageType::Pong:
        return;
    default:
        protocolError(QStringLiteral("unexpected %1 message from the gateway")
                              .arg(messageTypeName(message->type)));
    }
}

void StreamClient::handleWelcome(const Message &message)
{
    if (m_welcomed) {
        protocolError(QStringLiteral("a second Welcome"));
        return;
    }
    if (message.welcome->protocol != protocolVersion) {
        protocolError(QStringLiteral("the gateway speaks protocol %1, this agent %2")
                              .arg(message.welcome->protocol)
                              .arg(protocolVersion));
        return;
    }
    m_welcomeTimer.stop();
    m_welcomed = true;
    m_attempt = 0;
    m_lastRequestId = 0;
    m_responseWindow = message.welcome->window;
    m_status.connectionId = message.welcome->connectionId;
    m_status.connectedSince = QDateTime::currentDateTimeUtc();
    m_status.lastError.clear();
    m_status.nextRetry = QDateTime();
    m_pingTimer.start();
    if (m_failureLogTimer.isValid()) {
        qCInfo(lcTunnel).noquote() << QStringLiteral("stream %1: reconnected to %2 as %3 after %4 "
                                                     "attempts")
                                              .arg(QString::number(m_index), m_status.gateway,
                                                   m_status.connectionId,
                                                   QString::number(m_failedAttempts));
        m_failureLogTimer.invalidate();
    } else {
        qCInfo(lcTunnel).noquote() << QStringLiteral("stream %1: connected to %2 as %3")
                                              .arg(QString::number(m_index), m_status.gateway,
                                                   m_status.connectionId);
    }
    setState(StreamStatus::State::Idle);
}

void StreamClient::handleRequestHead(const Message &message)
{
    if (m_exchange) {
        protocolError(QStringLiteral("RequestHead %1 while request %2 is in flight")
                              .arg(message.requestId)
                              .arg(m_exchange->id));
        return;
    }
    if (message.requestId <= m_lastRequestId) {
        protocolError(QStringLiteral("RequestHead id %1 does not follow id %2")
                              .arg(message.requestId)
                              .arg(m_lastRequestId));
        return;
    }
    m_lastRequestId = message.requestId;
    m_exchange = std::make_unique<Exchange>();
    Exchange &exchange = *m_exchange;
    exchange.id = message.requestId;
    exchange.head = *message.requestHead;
    exchange.elapsed.start();
    exchange.gatewayDone = !exchange.head.hasBody;
    exchange.requestCreditGranted = defaultWindow;
    exchange.responseCredit = m_responseWindow;

    AccessRecord &record = exchange.record;
    record.time = QDateTime::currentDateTimeUtc();
    record.stream = m_index;
    record.requestId = m_status.connectionId + QLatin1Char('/') + QString::number(exchange.id);
    record.method = QString::fromLatin1(exchange.head.method);
    record.target = Redaction::redactTarget(exchange.head.target);
    record.description = exchange.head.description;
    m_status.currentRequest = record.method + QLatin1Char(' ') + record.target;
    setState(m_draining ? StreamStatus::State::Draining : StreamStatus::State::Busy);
    m_idleTimer.setInterval(exchange.head.idleTimeoutMs > 0
                                    ? qMin(exchange.head.idleTimeoutMs,
                                           m_settings.upstreamIdleTimeoutMs)
                                    : m_settings.upstreamIdleTimeoutMs);
    resetIdleTimer();

    exchange.decision = m_filter.evaluate(exchange.head.method, exchange.head.target,
                                          exchange.head.headers);
    record.rule = exchange.decision.rule;
    record.ruleDescription = exchange.decision.description;
    record.project = exchange.decision.project;
    if (exchange.decision.needsBody) {
        exchange.inspecting = true;
        if (!exchange.head.hasBody) {
            finishInspection();
        }
        return;
    }
    if (!exchange.decision.allowed) {
        record.reason = exchange.decision.reason;
        sendFinalError(ErrorKind::Denied, exchange.decision.reason, exchange.decision.reason);
        return;
    }
    record.decision = AccessRecord::Decision::Allow;
    startUpstream();
}

void StreamClient::startUpstream()
{
    Exchange &exchange = *m_exchange;
    UpstreamRequest request;
    request.method = exchange.head.method;
    request.target = exchange.head.target;
    request.hasBody = exchange.head.hasBody;
    for (const auto &header : exchange.head.headers) {
        if (!isDroppedRequestHeader(header.first)) {
            request.headers.append(header);
        }
    }
    HttpHeaders::removeHopByHop(request.headers);
    const QByteArray length = HttpHeaders::value(exchange.head.headers, "Content-Length");
    bool ok = false;
    const qint64 parsedLength = length.toLongLong(&ok);
    request.contentLength = ok && parsedLength >= 0 ? parsedLength : -1;
    if (!exchange.inspectedBody.isNull() || exchange.inspecting) {
        // The body was read for the filter: forward it with its exact length.
        request.hasBody = !exchange.inspectedBody.isEmpty() || exchange.head.hasBody;
        request.contentLength = exchange.inspectedBody.size();
    }
    exchange.forwarding = true;
    exchange.inspecting = false;
    m_upstream->start(request);
    if (!exchange.inspectedBody.isEmpty()) {
        m_upstream->writeBody(exchange.inspectedBody);
        exchange.inspectedBody.clear();
    }
    if (exchange.gatewayDone) {
        m_upstream->endBody();
    }
}

void StreamClient::finishInspection()
{
    Exchange &exchange = *m_exchange;
    const FilterDecision decision = m_filter.evaluateBody(exchange.decision,
                                                          exchange.inspectedBody);
    exchange.decision = decision;
    exchange.record.rule = decision.rule;
    exchange.record.ruleDescription = decision.description;
    exchange.record.project = decision.project;
    if (!decision.allowed) {
        exchange.record.reason = decision.reason;
        exchange.inspecting = false;
        sendFinalError(ErrorKind::Denied, decision.reason, decision.reason);
        return;
    }
    exchange.record.decision = AccessRecord::Decision::Allow;
    startUpstream();
}

void StreamClient::handleRequestBody(const Message &message)
{
    if (!m_exchange || message.requestId != m_exchange->id || m_exchange->gatewayDone) {
        protocolError(QStringLiteral("RequestBody for request %1, which is not open")
                              .arg(message.requestId));
        return;
    }
    Exchange &exchange = *m_exchange;
    exchange.requestBytesReceived += message.data.size();
    exchange.record.bytesIn += message.data.size();
    if (exchange.requestBytesReceived > exchange.requestCreditGranted) {
        protocolError(QStringLiteral("request %1 body exceeds the granted window of %2 bytes")
                              .arg(exchange.id)
                              .arg(exchange.requestCreditGranted));
        return;
    }
    resetIdleTimer();
    if (exchange.agentDone) {
        // The final message was sent (denied or failed), so the rest of the body is read and dropped.
        grantRequestCredit();
        return;
    }
    if (exchange.inspecting) {
        exchange.inspectedBody += message.data;
        if (exchange.inspectedBody.size() > RequestFilter::maxInspectedBodySize) {
            const QString reason = QStringLiteral("the body exceeds the %1-byte limit of what "
                                                  "the filter reads")
                                           .arg(RequestFilter::maxInspectedBodySize);
            exchange.record.reason = reason;
            exchange.inspecting = false;
            exchange.inspectedBody.clear();
            sendFinalError(ErrorKind::Denied, reason, reason);
            return;
        }
        grantRequestCredit();
        return;
    }
    m_upstream->writeBody(message.data);
    grantRequestCredit();
}

void StreamClient::handleRequestEnd(const Message &message)
{
    if (!m_exchange || message.requestId != m_exchange->id || m_exchange->gatewayDone) {
        protocolError(QStringLiteral("RequestEnd for request %1, which is not open")
                              .arg(message.requestId));
        return;
    }
    Exchange &exchange = *m_exchange;
    exchange.gatewayDone = true;
    if (exchange.inspecting) {
        finishInspection();
    } else if (exchange.forwarding && !exchange.agentDone) {
        m_upstream->endBody();
    }
    completeIfDone();
}

void StreamClient::handleCancel(const Message &message)
{
    if (!m_exchange || message.requestId != m_exchange->id) {
        // A Cancel may cross our final message; by then the exchange is gone.
        if (message.requestId <= m_lastRequestId) {
            return;
        }
        protocolError(QStringLiteral("Cancel for unknown request %1").arg(message.requestId));
        return;
    }
    Exchange &exchange = *m_exchange;
    exchange.gatewayDone = true;
    if (!exchange.agentDone) {
        m_upstream->abort();
        if (exchange.record.reason.isEmpty()) {
            exchange.record.reason = QStringLiteral("cancelled by the platform");
        }
        sendFinalError(ErrorKind::Cancelled, QStringLiteral("cancelled by the platform"),
                       exchange.record.reason);
        return;
    }
    completeIfDone();
}

void StreamClient::handleWindow(const Message &message)
{
    if (!m_exchange || message.requestId != m_exchange->id) {
        // Credit for a request that has just finished is harmless.
        if (message.requestId <= m_lastRequestId) {
            return;
        }
        protocolError(QStringLiteral("Window for unknown request %1").arg(message.requestId));
        return;
    }
    m_exchange->responseCredit += message.window;
    if (m_exchange->responseCredit > qint64(m_responseWindow) * 4) {
        protocolError(QStringLiteral("the gateway granted more credit than its window"));
        return;
    }
    pumpResponse();
}

void StreamClient::pumpResponse()
{
    if (!m_exchange || m_exchange->agentDone || !m_exchange->responseHeadSent) {
        return;
    }
    Exchange &exchange = *m_exchange;
    // The body waits in the VCS socket rather than in this process once the gateway socket has
    // a few chunks queued, so the credit window ends up in kernel buffers instead of the heap.
    while (exchange.responseCredit > 0 && m_socket
           && m_socket->bytesToWrite() < maxQueuedToGateway) {
        const qsizetype budget = qsizetype(qMin<qint64>(exchange.responseCredit, maxResponsePiece));
        // The body is read into the message itself, which saves a copy of every chunk.
        QByteArray message = bodyChunkHeader(MessageType::ResponseBody, exchange.id, budget);
        const qsizetype read = m_upstream->readBody(message, budget);
        if (!m_exchange || exchange.agentDone) {
            return; // readBody() reported a failure, which ended the exchange
        }
        if (read == 0) {
            break;
        }
        exchange.responseCredit -= read;
        exchange.record.bytesOut += read;
        send(std::move(message));
        resetIdleTimer();
    }
    if (m_upstream->isResponseComplete()) {
        exchange.agentDone = true;
        send(encodeEmpty(MessageType::ResponseEnd, exchange.id));
        completeIfDone();
    }
}

void StreamClient::grantRequestCredit()
{
    if (!m_exchange || m_exchange->gatewayDone) {
        return;
    }
    Exchange &exchange = *m_exchange;
    const qint64 outstanding = exchange.requestCreditGranted - exchange.requestBytesReceived;
    qint64 held = exchange.inspectedBody.size();
    if (exchange.forwarding && !exchange.agentDone) {
        held += m_upstream->bytesToWrite();
    }
    // While inspecting, one byte beyond the limit is granted so an oversized body is noticed.
    const qint64 window = exchange.inspecting
            ? qMax<qint64>(defaultWindow, RequestFilter::maxInspectedBodySize + 1)
            : defaultWindow;
    const qint64 grant = window - outstanding - held;
    if (grant >= window / 4 || (exchange.inspecting && grant > 0 && outstanding == 0)) {
        exchange.requestCreditGranted += grant;
        send(encodeWindow(exchange.id, quint32(grant)));
    }
}

void StreamClient::sendFinalError(ErrorKind kind, const QString &message, const QString &reason)
{
    Exchange &exchange = *m_exchange;
    if (exchange.agentDone) {
        return;
    }
    exchange.agentDone = true;
    if (exchange.record.reason.isEmpty()) {
        exchange.record.reason = reason.isEmpty() ? message : reason;
    }
    if (!exchange.responseHeadSent) {
        exchange.record.status = httpStatusForError(kind);
    }
    ErrorMessage error;
    error.kind = kind;
    error.message = message;
    error.rule = exchange.decision.rule;
    error.reason = reason;
    send(encodeError(exchange.id, error));
    if (exchange.forwarding) {
        m_upstream->abort();
    }
    // Keep granting credit so the gateway can finish sending a body it had started.
    grantRequestCredit();
    completeIfDone();
}

void StreamClient::completeIfDone()
{
    if (!m_exchange || !m_exchange->agentDone || !m_exchange->gatewayDone) {
        return;
    }
    m_exchange->record.durationMs = m_exchange->elapsed.elapsed();
    m_accessLog->append(m_exchange->record);
    m_exchange.reset();
    m_idleTimer.stop();
    ++m_status.requestsServed;
    m_status.currentRequest.clear();
    if (m_draining) {
        // handleDisconnected() reports the stream drained once the closing handshake is over.
        stop();
        if (!m_socket) {
            Q_EMIT drained(m_index);
        }
        return;
    }
    setState(StreamStatus::State::Idle);
}

void StreamClient::resetIdleTimer()
{
    if (m_exchange) {
        m_idleTimer.start();
    }
}

void StreamClient::send(QByteArray frame)
{
    if (m_socket) {
        m_socket->sendBinaryMessage(std::move(frame));
    }
}

void StreamClient::setState(StreamStatus::State state)
{
    m_status.state = state;
    Q_EMIT statusChanged(m_index);
}
