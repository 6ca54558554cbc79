#include "platformconnection.h"

#include "gatewayserver.h"
#include "log/logging.h"
#include "log/redaction.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

using namespace Tunnel;

namespace {

constexpr qint64 socketReadBufferSize = 256 * 1024;
constexpr int cancelAcknowledgeTimeoutMs = 10000;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 499:
        return "Client Closed Request";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

// Headers of the platform's request that the agent receives: the gateway's own credential and
// the tunnel's X-VCS-* fields are removed, and X-VCS-Authorization is renamed to the
// Authorization header that the agent forwards to the VCS.
HttpHeaderList headersForAgent(const HttpHeaderList &platformHeaders)
{
    HttpHeaderList headers;
    for (const auto &header : platformHeaders) {
        const QByteArray lower = header.first.toLower();
        if (lower == "x-vcs-authorization") {
            headers.append({ QByteArrayLiteral("Authorization"), header.second });
        } else if (lower != "authorization" && lower != "host" && lower != "expect"
                   && !lower.startsWith("x-vcs-")) {
            headers.append(header);
        }
    }
    HttpHeaders::removeHopByHop(headers);
    return headers;
}

} // namespace

PlatformConnection::PlatformConnection(QTcpSocket *socket, GatewayServer *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_socket(socket)
{
    socket->setParent(this);
    socket->setReadBufferSize(socketReadBufferSize);
    connect(socket, &QTcpSocket::readyRead, this, &PlatformConnection::handleReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &PlatformConnection::grantResponseCredit);
    connect(socket, &QTcpSocket::disconnected, this, &PlatformConnection::handleSocketClosed);
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &PlatformConnection::handleIdleTimeout);
    m_cancelTimer.setSingleShot(true);
    connect(&m_cancelTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcPlatform).noquote()
                << QStringLiteral("%1: the agent did not acknowledge the cancellation; closing its "
                                  "stream")
                           .arg(describeRequest());
        if (m_stream) {
            m_stream->finish(this);
            m_stream->reject(CloseCode::ProtocolError,
                             QStringLiteral("request not finished after Cancel"));
        }
        m_stream = nullptr;
        deleteLater();
    });
    m_parser.setMaxHeadSize(server->config().maxRequestHeadSize);
}

PlatformConnection::~PlatformConnection()
{
    if (m_stream) {
        m_stream->finish(this);
    }
    m_server->forgetWaiter(this);
}

QString PlatformConnection::describeRequest() const
{
    return QStringLiteral("%1 %2 (pool %3)")
            .arg(QString::fromLatin1(m_head.method), Redaction::redactTarget(m_target),
                 m_poolName);
}

bool PlatformConnection::isBusy() const
{
    return m_state == State::WaitingForStream || m_state == State::Relaying || m_stream;
}

void PlatformConnection::handleReadyRead()
{
    processInput();
}

void PlatformConnection::processInput()
{
    if (!m_socket || m_state == State::Closing) {
        return;
    }
    if (m_state == State::ReadingHead) {
        while (m_socket->bytesAvailable() > 0 && m_parser.state() == HttpParser::State::Head) {
            m_input += m_socket->read(64 * 1024);
            QByteArray none;
            m_parser.parse(m_input, none, 0);
        }
        if (m_parser.state() == HttpParser::State::Failed) {
            qCInfo(lcPlatform).noquote() << QStringLiteral("bad request from %1: %2")
                                                    .arg(m_socket->peerAddress().toString(),
                                                         m_parser.errorString());
            writeJsonError(m_parser.errorStatus(), QStringLiteral("bad_request"),
                           m_parser.errorString());
            m_closeAfterResponse = true;
            m_state = State::Closing;
            m_socket->disconnectFromHost();
            return;
        }
        if (m_parser.state() != HttpParser::State::Head) {
            handleHead();
        }
        return;
    }
    if (m_state == State::Relaying) {
        pumpRequestBody();
    }
}

void PlatformConnection::handleHead()
{
    m_head = m_parser.head();
    m_elapsed.start();
    m_target = m_head.target;
    m_poolName.clear();
    m_hasBody = m_parser.framing() != HttpParser::Framing::None;
    if (!m_target.startsWith('/')) {
        writeJsonError(400, QStringLiteral("bad_request"),
                       QStringLiteral("the request target must be a path starting with /"));
        m_closeAfterResponse = true;
        return;
    }
    if (!m_server->isAuthorized(HttpHeaders::value(m_head.headers, "Authorization"))) {
        writeJsonError(401, QStringLiteral("unauthorized"),
                       QStringLiteral("missing or wrong API key; send Authorization: Bearer "
                                      "<key> with the key from VCS_GATEWAY_API_KEY"));
        m_closeAfterResponse = m_hasBody;
        return;
    }
    const QByteArray path = m_target.left(m_target.indexOf('?') < 0 ? m_target.size()
                                                                     : m_target.indexOf('?'));
    if (path == "/pools") {
        if (m_head.method != "GET") {
            writeJsonError(405, QStringLiteral("method_not_allowed"),
                           QStringLiteral("/pools accepts GET only"));
            m_closeAfterResponse = m_hasBody;
            return;
        }
        writeResponse(200, "application/json",
                      QJsonDocument(m_server->poolsJson()).toJson(QJsonDocument::Indented));
        return;
    }
    if (m_target.startsWith("/pools/")) {
        const qsizetype slash = m_target.indexOf('/', 7);
        if (slash > 7) {
            routeRelay(m_target.mid(7, slash - 7), m_target.mid(slash));
            return;
        }
    }
    writeJsonError(404, QStringLiteral("not_found"),
                   QStringLiteral("no such endpoint; relay requests go to /pools/NAME/<target>"));
    m_closeAfterResponse = m_hasBody;
}

void PlatformConnection::routeRelay(const QByteArray &poolName, const QByteArray &target)
{
    m_poolName = QString::fromLatin1(poolName);
    m_target = target;
    m_description = QString::fromUtf8(HttpHeaders::value(m_head.headers,
                                                         "X-VCS-Request-Description"))
                            .left(500);
    m_requestDone = false;
    m_agentDone = false;
    m_anyAgentMessage = false;
    m_responseHeadWritten = false;
    m_requestBodySent = 0;
    m_responseBytesReceived = 0;
    m_responseBytesWritten = 0;
    m_responseStatus = 0;
    AgentConnection *stream = nullptr;
    const auto result = m_server->acquireStream(m_poolName, this, &stream);
    switch (result) {
    case GatewayServer::Acquire::Acquired:
        assignStream(stream);
        return;
    case GatewayServer::Acquire::Queued:
        m_state = State::WaitingForStream;
        return;
    case GatewayServer::Acquire::UnknownPool:
        writeJsonError(404, QStringLiteral("unknown_pool"),
                       QStringLiteral("pool \"%1\" does not exist").arg(m_poolName.left(64)));
        m_closeAfterResponse = m_hasBody;
        return;
    case GatewayServer::Acquire::NoAgent:
        logRequest(503, QStringLiteral("no agent connected"));
        writeJsonError(503, QStringLiteral("no_agent"),
                       QStringLiteral("no agent is connected to pool \"%1\"").arg(m_poolName));
        m_closeAfterResponse = m_hasBody;
        return;
    }
}

void PlatformConnection::assignStream(AgentConnection *stream)
{
    if (!m_socket || m_socketClosed) {
        // The platform left while the request was queued; the stream stays free.
        m_server->releaseUnused(stream);
        deleteLater();
        return;
    }
    m_stream = stream;
    m_state = State::Relaying;
    m_requestId = stream->begin(this);
    m_requestCredit = stream->hello().window;
    m_responseCreditGranted = m_server->config().window;
    startRelay();
}

void PlatformConnection::startRelay()
{
    RequestHead head;
    head.method = m_head.method;
    head.target = m_target;
    head.headers = headersForAgent(m_head.headers);
    if (m_parser.framing() == HttpParser::Framing::ContentLength) {
        HttpHeaders::remove(head.headers, "Content-Length");
        head.headers.append({ QByteArrayLiteral("Content-Length"),
                              QByteArray::number(m_parser.contentLength()) });
    }
    head.description = m_description;
    head.idleTimeoutMs = m_server->config().requestIdleTimeoutMs;
    head.hasBody = m_hasBody;
    m_stream->send(encodeRequestHead(m_requestId, head));
    m_idleTimer.start(m_server->config().requestIdleTimeoutMs + 5000);
    if (HttpHeaders::value(m_head.headers, "Expect").toLower() == "100-continue" && m_hasBody) {
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (!m_hasBody) {
        m_requestDone = true;
        return;
    }
    pumpRequestBody();
}

void PlatformConnection::pumpRequestBody()
{
    if (!m_stream || m_requestDone || !m_socket) {
        return;
    }
    QByteArray chunk;
    while (m_requestCredit > 0 && m_parser.state() == HttpParser::State::Body) {
        if (m_input.isEmpty()) {
            m_input = m_socket->read(64 * 1024);
            if (m_input.isEmpty()) {
                break;
            }
        }
        chunk.clear();
        m_parser.parse(m_input, chunk, qsizetype(qMin<qint64>(m_requestCredit, maxChunkSize)));
        if (m_parser.state() == HttpParser::State::Failed) {
            abortConnection(QStringLiteral("invalid request body: %1").arg(m_parser.errorString()));
            return;
        }
        if (!chunk.isEmpty()) {
            m_requestCredit -= chunk.size();
            m_requestBodySent += chunk.size();
            m_stream->send(encodeBodyChunk(MessageType::RequestBody, m_requestId,
                                           chunk.constData(), chunk.size()));
        }
    }
    if (m_parser.state() == HttpParser::State::Complete) {
        finishRequestSide(false);
    }
}

void PlatformConnection::finishRequestSide(bool cancel)
{
    if (!m_stream) {
        return;
    }
    if (m_requestDone) {
        // The request ended with RequestEnd (or had no body), but the agent may still be reading
        // the response from the VCS. A Cancel makes it stop the upstream request and free the
        // stream.
        if (cancel && !m_agentDone) {
            m_stream->send(encodeEmpty(MessageType::Cancel, m_requestId));
        }
        return;
    }
    m_requestDone = true;
    m_stream->send(encodeEmpty(cancel ? MessageType::Cancel : MessageType::RequestEnd, m_requestId));
    if (cancel && m_parser.state() != HttpParser::State::Complete) {
        // Part of the platform's body is unread, so this connection cannot carry another request.
        m_closeAfterResponse = true;
    }
}

void PlatformConnection::handleAgentMessage(const Message &message)
{
    m_anyAgentMessage = true;
    m_idleTimer.start();
    switch (message.type) {
    case MessageType::Window:
        m_requestCredit += message.window;
        pumpRequestBody();
        return;
    case MessageType::ResponseHead:
        handleResponseHead(*message.responseHead);
        return;
    case MessageType::ResponseBody:
        handleResponseBody(message.data);
        return;
    case MessageType::ResponseEnd:
        handleResponseEnd();
        return;
    case MessageType::Error:
        handleAgentError(*message.error);
        return;
    default:
        return;
    }
}

void PlatformConnection::handleResponseHead(const ResponseHead &head)
{
    if (m_responseHeadWritten || m_agentDone) {
        m_stream->reject(CloseCode::ProtocolError, QStringLiteral("a second ResponseHead"));
        return;
    }
    m_responseStatus = head.status;
    if (m_socketClosed || m_cancelTimer.isActive()) {
        m_responseHeadWritten = true;
        return;
    }
    HttpHeaderList headers = head.headers;
    HttpHeaders::removeHopByHop(headers);
    const bool noBody = m_head.method == "HEAD" || head.status == 204 || head.status == 304;
    const bool http10 = m_head.version == "HTTP/1.0";
    m_chunkedResponse = !noBody && !HttpHeaders::contains(headers, "Content-Length") && !http10;
    if (!noBody && !HttpHeaders::contains(headers, "Content-Length") && http10) {
        m_closeAfterResponse = true;
    }
    if (!m_parser.keepAlive()) {
        m_closeAfterResponse = true;
    }
    QByteArray out = "HTTP/1.1 " + QByteArray::number(head.status) + ' '
            + (head.reason.isEmpty() ? reasonPhrase(head.status) : head.reason) + "\r\n";
    for (const auto &header : headers) {
        out += header.first + ": " + header.second + "\r\n";
    }
    if (m_chunkedResponse) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (m_closeAfterResponse) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    m_socket->write(out);
    m_responseHeadWritten = true;
}

void PlatformConnection::handleResponseBody(const QByteArray &data)
{
    if (!m_responseHeadWritten || m_agentDone) {
        m_stream->reject(CloseCode::ProtocolError,
                         QStringLiteral("ResponseBody before ResponseHead or after the end"));
        return;
    }
    m_responseBytesReceived += data.size();
    if (m_responseBytesReceived > m_responseCreditGranted) {
        m_stream->reject(CloseCode::ProtocolError,
                         QStringLiteral("the response body exceeds the granted window"));
        return;
    }
    if (m_socketClosed || !m_socket) {
        return;
    }
    if (m_chunkedResponse) {
        m_socket->write(QByteArray::number(data.size(), 16) + "\r\n");
        m_socket->write(data);
        m_socket->write("\r\n");
    } else {
        m_socket->write(data);
    }
    m_responseBytesWritten += data.size();
}

void PlatformConnection::grantResponseCredit()
{
    if (!m_stream || m_agentDone || !m_socket || !m_responseHeadWritten) {
        return;
    }
    const qint64 window = m_server->config().window;
    const qint64 outstanding = m_responseCreditGranted - m_responseBytesReceived;
    const qint64 grant = window - outstanding - m_socket->bytesToWrite();
    if (grant >= window / 4) {
        m_responseCreditGranted += grant;
        m_stream->send(encodeWindow(m_requestId, quint32(grant)));
    }
}

void PlatformConnection::handleResponseEnd()
{
    if (!m_responseHeadWritten) {
        m_stream->reject(CloseCode::ProtocolError, QStringLiteral("ResponseEnd before ResponseHead"));
        return;
    }
    m_agentDone = true;
    if (!m_socketClosed && m_socket && m_chunkedResponse) {
        m_socket->write("0\r\n\r\n");
    }
    finishRequestSide(true);
    logRequest(m_responseStatus, QStringLiteral("relayed"));
    finishExchange();
}

void PlatformConnection::handleAgentError(const ErrorMessage &error)
{
    m_agentDone = true;
    finishRequestSide(true);
    if (m_cancelTimer.isActive() || m_socketClosed) {
        logRequest(499, QStringLiteral("cancelled"));
        finishExchange();
        return;
    }
    if (m_responseHeadWritten) {
        // The status line is gone: cutting the connection is the only way to tell the platform
        // that the body is incomplete.
        logRequest(m_responseStatus, QStringLiteral("failed mid-response: ") + error.message);
        abortConnection(error.message);
        finishExchange();
        return;
    }
    const int status = httpStatusForError(error.kind);
    logRequest(status, errorKindName(error.kind) + QStringLiteral(": ") + error.message);
    writeJsonError(status, errorKindName(error.kind), error.message, error.rule, error.reason);
    finishExchange();
}

void PlatformConnection::finishExchange()
{
    m_idleTimer.stop();
    m_cancelTimer.stop();
    if (m_stream) {
        AgentConnection *stream = m_stream;
        m_stream = nullptr;
        stream->finish(this);
    }
    if (m_socketClosed || !m_socket) {
        deleteLater();
        return;
    }
    if (m_closeAfterResponse || m_parser.state() != HttpParser::State::Complete) {
        m_state = State::Closing;
        m_socket->disconnectFromHost();
        return;
    }
    m_parser.reset();
    m_state = State::ReadingHead;
    QMetaObject::invokeMethod(this, &PlatformConnection::processInput, Qt::QueuedConnection);
    // Bytes of a pipelined next request may already be buffered in m_input.
    if (!m_input.isEmpty()) {
        QByteArray none;
        m_parser.parse(m_input, none, 0);
        if (m_parser.state() != HttpParser::State::Head) {
            QMetaObject::invokeMethod(this, &PlatformConnection::handleHead, Qt::QueuedConnection);
        }
    }
}

void PlatformConnection::handleStreamLost(const QString &reason)
{
    m_stream = nullptr;
    m_idleTimer.stop();
    if (m_socketClosed || m_cancelTimer.isActive()) {
        m_cancelTimer.stop();
        deleteLater();
        return;
    }
    if (!m_anyAgentMessage && m_requestBodySent == 0 && !m_agentDone) {
        // Nothing of the request reached the VCS through this stream: try another one.
        qCInfo(lcPlatform).noquote() << QStringLiteral("%1: %2 before the agent sent anything; "
                                                       "retrying on another stream")
                                                .arg(describeRequest(), reason);
        m_requestDone = false;
        Q_EMIT m_server->requestRetried(m_poolName);
        routeRelay(m_poolName.toLatin1(), m_target);
        return;
    }
    m_agentDone = true;
    if (m_responseHeadWritten) {
        logRequest(m_responseStatus, QStringLiteral("failed mid-response: ") + reason);
        abortConnection(reason);
        return;
    }
    logRequest(502, reason);
    m_closeAfterResponse = true;
    writeJsonError(502, QStringLiteral("agent_lost"),
                   QStringLiteral("%1 while the request was in flight").arg(reason));
    m_state = State::Closing;
    if (m_socket) {
        m_socket->disconnectFromHost();
    }
}

void PlatformConnection::handleIdleTimeout()
{
    const QString message = QStringLiteral("the agent made no progress for %1 ms")
                                    .arg(m_idleTimer.interval());
    if (m_responseHeadWritten) {
        logRequest(m_responseStatus, message);
        abortConnection(message);
    } else {
        logRequest(504, message);
        m_closeAfterResponse = true;
        writeJsonError(504, QStringLiteral("timeout"), message);
    }
    finishRequestSide(true);
    m_cancelTimer.start(cancelAcknowledgeTimeoutMs);
}

void PlatformConnection::handleSocketClosed()
{
    m_socketClosed = true;
    m_server->forgetWaiter(this);
    if (m_stream && !m_agentDone) {
        qCInfo(lcPlatform).noquote()
                << QStringLiteral("%1: the platform disconnected; cancelling").arg(describeRequest());
        finishRequestSide(true);
        m_cancelTimer.start(cancelAcknowledgeTimeoutMs);
        return;
    }
    if (m_state == State::WaitingForStream) {
        deleteLater();
        return;
    }
    if (!m_stream) {
        deleteLater();
    }
}

void PlatformConnection::handleQueueTimeout(int streamCount)
{
    Q_EMIT m_server->queueTimedOut(m_poolName);
    logRequest(503, QStringLiteral("every stream stayed busy"));
    writeJsonError(503, QStringLiteral("busy"),
                   QStringLiteral("all %1 streams of pool \"%2\" stayed busy; retry later or "
                                  "run more agents or streams")
                           .arg(streamCount)
                           .arg(m_poolName));
    m_closeAfterResponse = m_hasBody;
    m_state = State::ReadingHead;
    finishExchange();
}

void PlatformConnection::writeJsonError(int status, const QString &code, const QString &message,
                                        const QString &rule, const QString &reason)
{
    QJsonObject object { { QStringLiteral("error"), code },
                         { QStringLiteral("message"), message } };
    if (!rule.isEmpty()) {
        object.insert(QStringLiteral("rule"), rule);
    }
    if (!reason.isEmpty()) {
        object.insert(QStringLiteral("reason"), reason);
    }
    writeResponse(status, "application/json",
                  QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n');
}

void PlatformConnection::writeResponse(int status, const QByteArray &contentType,
                                       const QByteArray &body, bool close)
{
    if (!m_socket || m_socketClosed) {
        return;
    }
    const bool closing = close || m_closeAfterResponse || !m_parser.keepAlive()
            || m_parser.state() == HttpParser::State::Failed;
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n";
    if (closing) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    if (m_head.method != "HEAD") {
        out += body;
    }
    m_socket->write(out);
    if (m_state == State::ReadingHead && m_parser.state() != HttpParser::State::Failed) {
        // The response was written without relaying: get ready for the next request, or close.
        if (closing || m_parser.state() != HttpParser::State::Complete) {
            m_state = State::Closing;
            m_socket->disconnectFromHost();
        } else {
            m_parser.reset();
            QMetaObject::invokeMethod(this, &PlatformConnection::processInput,
                                      Qt::QueuedConnection);
        }
    }
}

void PlatformConnection::abortConnection(const QString &reason)
{
    qCInfo(lcPlatform).noquote() << QStringLiteral("%1: closing the platform connection: %2")
                                            .arg(describeRequest(), reason);
    m_state = State::Closing;
    m_closeAfterResponse = true;
    if (m_socket) {
        m_socket->abort();
    }
}

void PlatformConnection::logRequest(int status, const QString &outcome)
{
    qCInfo(lcPlatform).noquote() << QStringLiteral("%1 -> %2 %3, %4 bytes up, %5 bytes down, %6 ms")
                                            .arg(describeRequest(), QString::number(status),
                                                 outcome, QString::number(m_requestBodySent),
                                                 QString::number(m_responseBytesWritten),
                                                 QString::number(m_elapsed.elapsed()));
    Q_EMIT m_server->requestFinished(m_poolName, status, m_requestBodySent,
                                     m_responseBytesWritten, m_elapsed.elapsed());
}
