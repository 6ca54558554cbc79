#pragma once

#include "log/logthrottle.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <optional>

class QTcpServer;
class QTcpSocket;

namespace Tunnel {

class WebSocket;

// Accepts WebSocket connections for the tunnel, over TLS when a configuration is set. It runs the
// opening handshake itself and rejects any other request with a plain-text HTTP error that names
// what the port is for. Each connection must finish its handshake within a deadline. Unfinished
// handshakes are capped in all and per address, and a new connection evicts the oldest one, so
// idle clients cannot lock out real ones. Under TLS the deadline and the caps cover the TLS
// handshake as well.
class WebSocketServer final : public QObject
{
    Q_OBJECT

public:
    explicit WebSocketServer(QObject *parent = nullptr);
    ~WebSocketServer() override;

    void setSslConfiguration(const QSslConfiguration &configuration) { m_tls = configuration; }
    void setHandshakeTimeout(int milliseconds) { m_handshakeTimeoutMs = milliseconds; }

    bool listen(const QHostAddress &address, quint16 port);
    // Stops listening and cuts connections that have not finished their handshake.
    void close();
    quint16 serverPort() const;
    QString errorString() const;

    // The next connection whose handshake succeeded, owned by the caller; nullptr when none.
    WebSocket *nextPendingConnection();

Q_SIGNALS:
    void newConnection();

private:
    void acceptConnections();
    void readRequest(QTcpSocket *socket);
    void reject(QTcpSocket *socket, int status, const QByteArray &reason, const QString &message,
                const QByteArray &extraHeaders = QByteArray());
    void forget(QTcpSocket *socket);
    void noteEviction(const QHostAddress &address);

    std::optional<QSslConfiguration> m_tls;
    QTcpServer *m_server = nullptr;
    QList<QPointer<WebSocket>> m_pending;
    QList<QTcpSocket *> m_handshaking;
    int m_handshakeTimeoutMs = 10000;
    // Evictions are logged once per interval, with the number held back.
    static constexpr qint64 evictionLogIntervalMs = 10000;
    LogThrottle m_evictionLog { evictionLogIntervalMs };
};

} // namespace Tunnel
