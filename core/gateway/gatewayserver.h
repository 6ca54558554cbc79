#pragma once

#include "agentconnection.h"
#include "pooldatabase.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>
#include <deque>
#include <optional>

class PlatformConnection;
class QTcpServer;
namespace Tunnel {
class WebSocketServer;
}

struct GatewayConfig
{
    QHostAddress agentAddress = QHostAddress::LocalHost;
    quint16 agentPort = 8443;
    QHostAddress apiAddress = QHostAddress::LocalHost;
    quint16 apiPort = 8080;
    std::optional<QSslConfiguration> tls; // both listeners use TLS when set
    QByteArray apiKey;
    int pingIntervalMs = 15000;
    int pingTimeoutMs = 10000;
    int queueTimeoutMs = 10000;
    int requestIdleTimeoutMs = 60000;
    int poolCheckIntervalMs = 2000;
    int drainTimeoutMs = 30000;
    // Response bytes an agent may send ahead of the platform client, per request. 1 MiB left
    // a single download waiting on credit at about 0.4 of direct speed on loopback; 4 MiB
    // keeps it moving, and in-flight bytes sit mostly in kernel socket buffers.
    quint32 window = 4 * 1024 * 1024;
    qsizetype maxRequestHeadSize = 64 * 1024;
};

// The gateway: accepts agents' streams, checks their pool keys against the pool database and
// relays the platform's HTTP requests to free streams of the named pool.
class GatewayServer final : public QObject
{
    Q_OBJECT

public:
    enum class Acquire { Acquired, Queued, UnknownPool, NoAgent };

    GatewayServer(const GatewayConfig &config, PoolDatabase *database, QObject *parent = nullptr);
    ~GatewayServer() override;

    // Starts both listeners. Returns false and sets `error` when one cannot listen.
    bool listen(QString *error);
    quint16 agentPort() const;
    quint16 apiPort() const;
    const GatewayConfig &config() const { return m_config; }

    bool isAuthorized(const QByteArray &authorization) const;
    QJsonArray poolsJson() const;

    // Finds a free stream of the pool, or queues `waiter` until one is free or the queue
    // timeout passes. The stream with the fewest busy siblings on the same agent and the longest
    // idle time is chosen, which spreads requests across agents.
    Acquire acquireStream(const QString &poolName, PlatformConnection *waiter,
                          AgentConnection **stream);
    void forgetWaiter(PlatformConnection *waiter);
    // Puts back a stream that was assigned to a waiter that has gone.
    void releaseUnused(AgentConnection *stream);

    // Connected streams per pool id, for metrics.
    int connectionCount() const;

    // Stops both listeners, so no new request or stream arrives, and emits drained() once no
    // request is queued or being relayed, or after `timeoutMs`.
    void drain(int timeoutMs);
    int requestsInFlight() const;

Q_SIGNALS:
    void drained();
    void connectionsChanged();
    // A relayed request of an existing pool ended: completed by the agent, failed, or rejected
    // with 503 because no stream was connected or free. Sizes count body bytes.
    void requestFinished(const QString &poolName, int status, qint64 bytesUp, qint64 bytesDown,
                         qint64 durationMs);
    // A request found every stream of its pool busy and waits for one.
    void requestQueued(const QString &poolName);
    // A queued request waited longer than the queue timeout and got a 503 response.
    void queueTimedOut(const QString &poolName);
    // A stream closed before the agent sent anything, so the request moves to another stream.
    void requestRetried(const QString &poolName);

private:
    struct Waiter
    {
        QPointer<PlatformConnection> connection;
        QString poolId;
        qint64 deadline;
    };

    void handleNewAgent();
    void makeRoomForHello(const QHostAddress &address);
    void handleHello(AgentConnection *connection);
    void handleAvailable(AgentConnection *connection);
    void handleClosed(AgentConnection *connection);
    void handleNewPlatformConnection();
    void checkPools();
    void expireWaiters();
    AgentConnection *pickStream(const QString &poolId) const;
    std::optional<PoolRecord> poolByName(const QString &name);

    GatewayConfig m_config;
    PoolDatabase *m_database;
    Tunnel::WebSocketServer *m_agentServer = nullptr;
    QTcpServer *m_apiServer = nullptr;
    QHash<QString, QList<QPointer<AgentConnection>>> m_streamsByPool;
    QList<QPointer<AgentConnection>> m_awaitingHello;
    // Pools found by name since the last pool check; emptied by checkPools().
    QHash<QString, PoolRecord> m_poolsByName;
    std::deque<Waiter> m_waiters;
    QTimer m_poolCheckTimer;
    QTimer m_waiterTimer;
    quint64 m_connectionCounter = 0;
    QTimer m_drainTimer;
    qint64 m_drainDeadline = 0;
};
