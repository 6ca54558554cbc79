#include "tcprelay.h"

#include <sys/socket.h>

TcpRelay::TcpRelay(quint16 targetPort, QObject *parent)
    : QObject(parent)
    , m_targetPort(targetPort)
{
    connect(&m_server, &QTcpServer::newConnection, this, &TcpRelay::handleNewConnection);
}

TcpRelay::~TcpRelay()
{
    // The sockets' handlers use the links, so the sockets go first, without running them.
    for (Link *link : std::as_const(m_links)) {
        for (QTcpSocket *socket : { link->client.data(), link->server.data() }) {
            if (socket) {
                socket->disconnect(this);
                delete socket;
            }
        }
    }
    qDeleteAll(m_links);
}

bool TcpRelay::listen(quint16 port)
{
    if (!m_server.listen(QHostAddress::LocalHost, port)) {
        return false;
    }
    m_port = m_server.serverPort();
    return true;
}

void TcpRelay::stopListening()
{
    m_server.close();
}

void TcpRelay::setSilent(bool silent)
{
    m_silent = silent;
    if (!silent) {
        for (Link *link : std::as_const(m_links)) {
            forward(link, true);
            forward(link, false);
        }
    }
}

int TcpRelay::openLinkCount() const
{
    int count = 0;
    for (const Link *link : m_links) {
        count += link->closed ? 0 : 1;
    }
    return count;
}

void TcpRelay::reset(int linkIndex)
{
    Link *link = m_links.at(linkIndex);
    // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    const linger hard { 1, 0 };
    for (QTcpSocket *socket : { link->client.data(), link->server.data() }) {
        if (socket && socket->socketDescriptor() >= 0) {
            ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard,
                         sizeof(hard));
            socket->abort();
        }
    }
    link->closed = true;
}

void TcpRelay::handleNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        auto *link = new Link;
        link->client = client;
        client->setParent(this);
        auto *server = new QTcpSocket(this);
        link->server = server;
        m_links.append(link);
        connect(client, &QTcpSocket::readyRead, this, [this, link] { forward(link, true); });
        connect(server, &QTcpSocket::readyRead, this, [this, link] { forward(link, false); });
        connect(client, &QTcpSocket::disconnected, this, [this, link] { closeLink(link); });
        connect(server, &QTcpSocket::disconnected, this, [this, link] { closeLink(link); });
        connect(server, &QTcpSocket::errorOccurred, this, [this, link] { closeLink(link); });
        connect(server, &QTcpSocket::connected, this, [this, link] { forward(link, true); });
        server->connectToHost(QHostAddress::LocalHost, m_targetPort);
    }
}

void TcpRelay::forward(Link *link, bool fromClient)
{
    if (m_silent || link->closed || !link->client || !link->server
        || link->server->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    QTcpSocket *from = fromClient ? link->client.data() : link->server.data();
    QTcpSocket *to = fromClient ? link->server.data() : link->client.data();
    const QByteArray data = from->readAll();
    (fromClient ? link->fromClient : link->fromServer) += data.size();
    to->write(data);
}

void TcpRelay::closeLink(Link *link)
{
    if (link->closed) {
        return;
    }
    link->closed = true;
    if (link->client) {
        link->client->disconnectFromHost();
    }
    if (link->server) {
        link->server->disconnectFromHost();
    }
}
