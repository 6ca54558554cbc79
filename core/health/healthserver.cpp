#include "healthserver.h"

#include "healthlogging.h"
#include "http/httpparser.h"
#include "listenaddress.h"
#include "prometheustext.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <memory>

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

} // namespace

struct HealthServer::Connection
{
    HttpParser parser { HttpParser::Kind::Request };
    QByteArray input;
    bool answered = false;
};

HealthServer::HealthServer(QObject *parent)
    : QObject(parent)
{
}

HealthServer::~HealthServer() = default;

bool HealthServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    delete m_server;
    m_server = new QTcpServer(this);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this,
            &HealthServer::handleNewConnection);
    if (!m_server->listen(address, port)) {
        *error = QStringLiteral("cannot listen for health checks on %1:%2: %3; pick another "
                                "address with --health-listen")
                         .arg(address.toString(), QString::number(port),
                              m_server->errorString());
        return false;
    }
    if (!address.isLoopback()) {
        qCInfo(lcHealth).noquote() << QStringLiteral("the health and metrics listener on %1 is "
                                                     "not on loopback; it has no authentication")
                                              .arg(address.toString());
    }
    qCInfo(lcHealth).noquote() << QStringLiteral("serving /healthz, /readyz and /metrics on "
                                                 "http://%1:%2")
                                          .arg(address.toString(), QString::number(serverPort()));
    return true;
}

bool HealthServer::listen(const QString &listenAddress, QString *error)
{
    QHostAddress address;
    quint16 port = 0;
    if (!parseListenAddress(listenAddress, &address, &port, error)) {
        *error = QStringLiteral("--health-listen: ") + *error;
        return false;
    }
    return listen(address, port, error);
}

quint16 HealthServer::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

QHostAddress HealthServer::serverAddress() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

void HealthServer::handleNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        if (m_openConnections >= maxConnections) {
            // A scraper that leaks connections must not exhaust the process's descriptors.
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_openConnections;
        auto connection = std::make_shared<Connection>();
        connection->parser.setMaxHeadSize(maxHeadSize);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, connection] {
            handleReadyRead(socket, *connection);
        });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            --m_openConnections;
            socket->deleteLater();
        });
        QTimer::singleShot(requestTimeoutMs, socket, [socket] {
            socket->abort();
        });
        if (socket->bytesAvailable() > 0) {
            handleReadyRead(socket, *connection);
        }
    }
}

void HealthServer::handleReadyRead(QTcpSocket *socket, Connection &connection)
{
    if (connection.answered) {
        // One request per connection: whatever follows is discarded until the peer closes.
        socket->readAll();
        return;
    }
    connection.input += socket->read(maxHeadSize + 1);
    QByteArray body;
    const HttpParser::State state = connection.parser.parse(connection.input, body, 0);
    if (state == HttpParser::State::Head) {
        return;
    }
    connection.answered = true;
    if (state == HttpParser::State::Failed) {
        respond(socket, connection.parser.errorStatus(), "text/plain; charset=utf-8",
                connection.parser.errorString().toUtf8() + '\n', "GET");
        return;
    }
    const HttpHead &head = connection.parser.head();
    if (head.method != "GET" && head.method != "HEAD") {
        respond(socket, 405, "text/plain; charset=utf-8", "only GET and HEAD are supported\n", head.method,
                "Allow: GET, HEAD\r\n");
        return;
    }
    if (connection.parser.framing() != HttpParser::Framing::None) {
        respond(socket, 400, "text/plain; charset=utf-8", "a GET request has no body\n",
                head.method);
        return;
    }
    answer(socket, head.method, head.target);
}

void HealthServer::answer(QTcpSocket *socket, const QByteArray &method, const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    const QByteArray path = query < 0 ? target : target.left(query);
    if (path == "/healthz") {
        respond(socket, 200, "text/plain; charset=utf-8", "ok\n", method);
        return;
    }
    if (path == "/readyz") {
        const QString notReady = m_readinessCheck ? m_readinessCheck() : QString();
        if (notReady.isEmpty()) {
            respond(socket, 200, "text/plain; charset=utf-8", "ready\n", method);
        } else {
            respond(socket, 503, "text/plain; charset=utf-8", notReady.toUtf8() + '\n', method);
        }
        return;
    }
    if (path == "/metrics") {
        const QByteArray metrics = m_metricsRenderer ? m_metricsRenderer() : QByteArray();
        respond(socket, 200, PrometheusText::contentType, metrics, method);
        return;
    }
    respond(socket, 404, "text/plain; charset=utf-8",
            "not found; the paths are /healthz, /readyz and /metrics\n", method);
}

void HealthServer::respond(QTcpSocket *socket, int status, const QByteArray &contentType,
                           const QByteArray &body, const QByteArray &method,
                           const QByteArray &extraHeaders)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nContent-Type: " + contentType
            + "\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nCache-Control: no-store\r\nConnection: close\r\n" + extraHeaders + "\r\n";
    if (method != "HEAD") {
        out += body;
    }
    socket->write(out);
    socket->disconnectFromHost();
}
