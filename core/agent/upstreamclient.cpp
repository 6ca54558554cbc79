#include "upstreamclient.h"

#include "log/logging.h"

#include <QSslConfiguration>
#include <QSslSocket>

namespace {

constexpr qint64 socketReadBufferSize = 256 * 1024;
constexpr qsizetype readPieceSize = 64 * 1024;

bool isTls(const QUrl &url)
{
    return url.scheme() == QStringLiteral("https");
}

quint16 portOf(const QUrl &url)
{
    return quint16(url.port(isTls(url) ? 443 : 80));
}

} // namespace

UpstreamClient::UpstreamClient(const UpstreamConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("connecting to %1 timed out after %2 ms")
                     .arg(m_config.baseEndpoint.authority(),
                          QString::number(m_config.connectTimeoutMs)));
    });
}

UpstreamClient::~UpstreamClient()
{
    abort();
}

QByteArray UpstreamClient::wirePath(const QUrl &baseEndpoint, const QByteArray &target)
{
    QByteArray base = baseEndpoint.path(QUrl::FullyEncoded).toLatin1();
    while (base.endsWith('/')) {
        base.chop(1);
    }
    return base + target;
}

QByteArray UpstreamClient::hostHeader() const
{
    const QUrl &url = m_config.baseEndpoint;
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':')) {
        host = '[' + host + ']';
    }
    if (url.port() != -1 && url.port() != (isTls(url) ? 443 : 80)) {
        host += ':' + QByteArray::number(url.port());
    }
    return host;
}

void UpstreamClient::start(const UpstreamRequest &request)
{
    m_request = request;
    m_parser.reset();
    m_parser.setRequestMethod(request.method);
    m_input.clear();
    m_pendingWrite.clear();
    m_active = true;
    m_headSignalled = false;
    m_requestComplete = !request.hasBody;
    m_retried = false;
    m_responseBytesSeen = 0;
    if (m_socket && m_connected && m_socket->state() == QAbstractSocket::ConnectedState
        && !m_peerClosed) {
        m_reused = true;
        sendHead();
        return;
    }
    m_reused = false;
    openConnection();
    sendHead();
}

void UpstreamClient::openConnection()
{
    releaseConnection();
    const QUrl &url = m_config.baseEndpoint;
    const bool tls = isTls(url);
    QTcpSocket *socket = tls ? new QSslSocket(this) : new QTcpSocket(this);
    m_socket = socket;
    m_connected = false;
    m_peerClosed = false;
    socket->setReadBufferSize(socketReadBufferSize);
    socket->setProxy(m_config.proxy.proxyFor(url.host(), tls));
    connect(socket, &QTcpSocket::readyRead, this, &UpstreamClient::handleReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &UpstreamClient::bytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &UpstreamClient::handleDisconnected);
    connect(socket, &QTcpSocket::errorOccurred, this, &UpstreamClient::handleSocketError);
    m_connectTimer.start(m_config.connectTimeoutMs);
    if (tls) {
        auto *sslSocket = static_cast<QSslSocket *>(socket);
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        if (!m_config.extraCaCertificates.isEmpty()) {
            configuration.addCaCertificates(m_config.extraCaCertificates);
        }
        configuration.setAllowedNextProtocols({ QByteArrayLiteral("http/1.1") });
        sslSocket->setSslConfiguration(configuration);
        connect(sslSocket, &QSslSocket::encrypted, this, &UpstreamClient::handleConnected);
        connect(sslSocket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            QStringList messages;
            for (const QSslError &error : errors) {
                messages.append(error.errorString());
            }
            fail(QStringLiteral("TLS to %1 failed: %2")
                         .arg(m_config.baseEndpoint.host(), messages.join(QStringLiteral("; "))));
        });
        sslSocket->connectToHostEncrypted(url.host(), portOf(url));
    } else {
        connect(socket, &QTcpSocket::connected, this, &UpstreamClient::handleConnected);
        socket->connectToHost(url.host(), portOf(url));
    }
}

void UpstreamClient::sendHead()
{
    QByteArray head;
    head.reserve(1024);
    head += m_request.method + ' ' + wirePath(m_config.baseEndpoint, m_request.target)
            + " HTTP/1.1\r\nHost: " + hostHeader() + "\r\n";
    for (const auto &header : m_request.headers) {
        head += header.first + ": " + header.second + "\r\n";
    }
    if (m_request.hasBody && m_request.contentLength < 0) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (m_request.hasBody || m_request.method == "POST" || m_request.method == "PUT"
               || m_request.method == "PATCH") {
        head += "Content-Length: " + QByteArray::number(qMax<qint64>(0, m_request.contentLength))
                + "\r\n";
    }
    head += "\r\n";
    writeRaw(head);
}

void UpstreamClient::writeRaw(const QByteArray &data)
{
    if (!m_connected) {
        m_pendingWrite += data;
        return;
    }
    m_socket->write(data);
}

void UpstreamClient::writeBody(const QByteArray &data)
{
    if (data.isEmpty() || !m_active) {
        return;
    }
    if (m_request.contentLength < 0) {
        writeRaw(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    } else {
        writeRaw(data);
    }
}

void UpstreamClient::endBody()
{
    if (!m_active || m_requestComplete) {
        return;
    }
    m_requestComplete = true;
    if (m_request.contentLength < 0) {
        writeRaw(QByteArrayLiteral("0\r\n\r\n"));
    }
}

qint64 UpstreamClient::bytesToWrite() const
{
    return m_pendingWrite.size() + (m_socket ? m_socket->bytesToWrite() : 0);
}

void UpstreamClient::handleConnected()
{
    m_connectTimer.stop();
    m_connected = true;
    if (!m_pendingWrite.isEmpty()) {
        m_socket->write(m_pendingWrite);
        m_pendingWrite.clear();
    }
    Q_EMIT bytesWritten();
}

bool UpstreamClient::parseAvailable(QByteArray *out, qsizetype maxBytes)
{
    QByteArray scratch;
    QByteArray &body = out ? *out : scratch;
    const HttpParser::State before = m_parser.state();
    m_parser.parse(m_input, body, out ? maxBytes : 0);
    if (m_parser.state() == HttpParser::State::Failed) {
        fail(QStringLiteral("the VCS sent an invalid response: %1").arg(m_parser.errorString()));
        return false;
    }
    // Informational responses (100 Continue) are consumed here and never forwarded.
    if (m_parser.state() == HttpParser::State::Complete && m_parser.head().status < 200) {
        m_parser.reset();
        m_parser.setRequestMethod(m_request.method);
        return parseAvailable(out, maxBytes);
    }
    if (before == HttpParser::State::Head && m_parser.state() != HttpParser::State::Head
        && !m_headSignalled) {
        m_headSignalled = true;
        Q_EMIT responseHeadReceived(m_parser.head());
    }
    return true;
}

void UpstreamClient::handleReadyRead()
{
    if (!m_active || !m_socket) {
        return;
    }
    while (m_parser.state() == HttpParser::State::Head && m_socket->bytesAvailable() > 0) {
        const QByteArray piece = m_socket->read(readPieceSize);
        m_responseBytesSeen += piece.size();
        m_input += piece;
        if (!parseAvailable(nullptr, 0) || !m_socket) {
            return;
        }
    }
    if (m_headSignalled) {
        Q_EMIT bodyReadyRead();
    }
}

qsizetype UpstreamClient::readBody(QByteArray &out, qsizetype maxBytes)
{
    if (!m_active || !m_headSignalled) {
        return 0;
    }
    const qsizetype before = out.size();
    while (out.size() - before < maxBytes && m_parser.state() == HttpParser::State::Body) {
        if (m_input.isEmpty() && m_socket) {
            m_input = m_socket->read(readPieceSize);
            m_responseBytesSeen += m_input.size();
        }
        if (m_input.isEmpty()) {
            if (m_peerClosed) {
                m_parser.finish();
                if (m_parser.state() == HttpParser::State::Failed) {
                    fail(QStringLiteral("the VCS closed the connection before the response "
                                        "body was complete"));
                }
            }
            break;
        }
        if (!parseAvailable(&out, maxBytes - (out.size() - before))) {
            break;
        }
    }
    if (isResponseComplete()) {
        releaseConnection();
    }
    return out.size() - before;
}

bool UpstreamClient::isResponseComplete() const
{
    return m_headSignalled && m_parser.state() == HttpParser::State::Complete;
}

void UpstreamClient::releaseConnection()
{
    m_connectTimer.stop();
    const bool reusable = m_socket && m_connected && !m_peerClosed
            && m_parser.state() == HttpParser::State::Complete && m_parser.keepAlive()
            && m_requestComplete && m_input.isEmpty() && m_socket->bytesAvailable() == 0;
    if (m_active && isResponseComplete()) {
        m_active = false;
    }
    if (reusable && !m_active) {
        return;
    }
    dropSocket();
}

void UpstreamClient::handleDisconnected()
{
    m_peerClosed = true;
    if (!m_active) {
        releaseConnection();
        return;
    }
    if (m_parser.state() == HttpParser::State::Head) {
        handleSocketError();
        return;
    }
    Q_EMIT bodyReadyRead();
}

void UpstreamClient::handleSocketError()
{
    if (!m_active || !m_socket) {
        return;
    }
    const auto error = m_socket->error();
    if (error == QAbstractSocket::RemoteHostClosedError
        && m_parser.state() == HttpParser::State::Body) {
        // Data may still be buffered; readBody() reports a truncated body once it is drained.
        m_peerClosed = true;
        Q_EMIT bodyReadyRead();
        return;
    }
    // The VCS may have closed a kept-alive connection just before it was reused. Such a request
    // is retried once on a new connection when nothing of the response arrived and the request
    // had no body, because it can then be replayed without harm.
    if (m_reused && !m_retried && m_responseBytesSeen == 0 && !m_request.hasBody) {
        m_retried = true;
        m_reused = false;
        qCDebug(lcUpstream) << "kept-alive connection closed by the VCS; retrying on a new one";
        openConnection();
        sendHead();
        return;
    }
    const QString reason = error == QAbstractSocket::RemoteHostClosedError
            ? QStringLiteral("the VCS at %1 closed the connection before answering")
                      .arg(m_config.baseEndpoint.authority())
            : QStringLiteral("connection to the VCS at %1 failed: %2")
                      .arg(m_config.baseEndpoint.authority(), m_socket->errorString());
    fail(reason);
}

void UpstreamClient::fail(const QString &reason)
{
    if (!m_active) {
        return;
    }
    m_parser.reset();
    abort();
    Q_EMIT failed(reason);
}

void UpstreamClient::abort()
{
    m_active = false;
    m_connectTimer.stop();
    dropSocket();
}

void UpstreamClient::dropSocket()
{
    if (m_socket) {
        QTcpSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    m_connected = false;
}
