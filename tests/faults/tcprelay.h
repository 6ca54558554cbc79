#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

// A TCP relay on 127.0.0.1 between agents and the gateway, so a test can cut or silence single
// tunnel connections: reset one with an RST, stop forwarding without closing (packets dropped
// with no FIN or RST), or refuse connections for a while (gateway down).
class TcpRelay final : public QObject
{
    Q_OBJECT

public:
    // One relayed connection; `fromClient` counts bytes the agent sent.
    struct Link
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> server;
        qint64 fromClient = 0;
        qint64 fromServer = 0;
        bool closed = false;
    };

    explicit TcpRelay(quint16 targetPort, QObject *parent = nullptr);
    ~TcpRelay() override;

    bool listen(quint16 port = 0);
    void stopListening();
    quint16 port() const { return m_port; }
    // Stops forwarding on every connection, present and future, without closing any.
    void setSilent(bool silent);
    // Resets both sides of a connection with an RST.
    void reset(int linkIndex);
    const QList<Link *> &links() const { return m_links; }
    int openLinkCount() const;

private:
    void handleNewConnection();
    void forward(Link *link, bool fromClient);
    void closeLink(Link *link);

    QTcpServer m_server;
    quint16 m_targetPort;
    quint16 m_port = 0;
    bool m_silent = false;
    QList<Link *> m_links;
};
