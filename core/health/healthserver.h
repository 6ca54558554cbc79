#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <functional>

class QTcpServer;
class QTcpSocket;

// The health and metrics listener: serves GET /healthz (the process runs its event loop),
// GET /readyz (the readiness check passes) and GET /metrics (Prometheus text) on a local
// address, one request per connection. It needs no credentials, so it belongs on loopback or
// on a network that only the monitoring can reach.
class HealthServer final : public QObject
{
    Q_OBJECT

public:
    // Returns an empty string when the process is ready, otherwise why it is not.
    using ReadinessCheck = std::function<QString()>;
    // Returns the metrics in the Prometheus text format.
    using MetricsRenderer = std::function<QByteArray()>;

    static constexpr qsizetype maxHeadSize = 8 * 1024;
    static constexpr int maxConnections = 32;
    static constexpr int requestTimeoutMs = 5000;

    explicit HealthServer(QObject *parent = nullptr);
    ~HealthServer() override;

    void setReadinessCheck(ReadinessCheck check) { m_readinessCheck = std::move(check); }
    void setMetricsRenderer(MetricsRenderer renderer) { m_metricsRenderer = std::move(renderer); }

    // Starts listening on `address`:`port`. Returns false and sets `error` when it cannot.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // Parses `listenAddress` (see parseListenAddress()) and starts listening on it.
    bool listen(const QString &listenAddress, QString *error);
    quint16 serverPort() const;
    QHostAddress serverAddress() const;

private:
    struct Connection;

    void handleNewConnection();
    void handleReadyRead(QTcpSocket *socket, Connection &connection);
    void respond(QTcpSocket *socket, int status, const QByteArray &contentType,
                 const QByteArray &body, const QByteArray &method,
                 const QByteArray &extraHeaders = QByteArray());
    void answer(QTcpSocket *socket, const QByteArray &method, const QByteArray &target);

    QTcpServer *m_server = nullptr;
    ReadinessCheck m_readinessCheck;
    MetricsRenderer m_metricsRenderer;
    int m_openConnections = 0;
};
