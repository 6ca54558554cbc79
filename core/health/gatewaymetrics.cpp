#include "gatewaymetrics.h"

#include "agentmetrics.h"
#include "gateway/gatewayserver.h"
#include "processmetrics.h"

#include <QJsonObject>
#include <QSet>

GatewayMetrics::GatewayMetrics(const GatewayServer *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_duration(requestDurationBuckets())
{
    connect(server, &GatewayServer::requestFinished, this, &GatewayMetrics::handleRequestFinished);
    connect(server, &GatewayServer::requestQueued, this, [this](const QString &poolName) {
        m_queued.increment({ poolName });
    });
    connect(server, &GatewayServer::queueTimedOut, this, [this](const QString &poolName) {
        m_queueTimeouts.increment({ poolName });
    });
    connect(server, &GatewayServer::requestRetried, this, [this](const QString &poolName) {
        m_retries.increment({ poolName });
    });
}

void GatewayMetrics::handleRequestFinished(const QString &poolName, int status, qint64 bytesUp,
                                           qint64 bytesDown, qint64 durationMs)
{
    m_requests.increment({ poolName, QString::number(status) });
    m_bytes.increment({ poolName, QStringLiteral("request") }, double(bytesUp));
    m_bytes.increment({ poolName, QStringLiteral("response") }, double(bytesDown));
    m_duration.observe({ poolName }, double(durationMs) / 1000.0);
}

QByteArray GatewayMetrics::render() const
{
    QMap<QStringList, double> streams;
    QMap<QStringList, double> agents;
    const QJsonArray pools = m_server->poolsJson();
    for (const QJsonValue &poolValue : pools) {
        const QJsonObject pool = poolValue.toObject();
        const QString name = pool.value(QStringLiteral("name")).toString();
        streams.insert({ name, QStringLiteral("idle") }, 0);
        streams.insert({ name, QStringLiteral("busy") }, 0);
        QSet<QString> instances;
        for (const QJsonValue &connectionValue : pool.value(QStringLiteral("connections")).toArray()) {
            const QJsonObject connection = connectionValue.toObject();
            const bool busy = connection.value(QStringLiteral("busy")).toBool();
            streams[{ name, busy ? QStringLiteral("busy") : QStringLiteral("idle") }] += 1;
            instances.insert(connection.value(QStringLiteral("agent_instance")).toString());
        }
        agents.insert({ name }, double(instances.size()));
    }

    PrometheusText text;
    text.addGauge(QStringLiteral("vcs_gateway_streams"),
                  QStringLiteral("Agent streams connected to each pool, idle or busy."),
                  { QStringLiteral("pool"), QStringLiteral("state") }, streams);
    text.addGauge(QStringLiteral("vcs_gateway_agents"),
                  QStringLiteral("Distinct agent processes connected to each pool."),
                  { QStringLiteral("pool") }, agents);
    text.addCounter(QStringLiteral("vcs_gateway_requests_total"),
                    QStringLiteral("Relayed requests by pool and the HTTP status sent to the "
                                   "platform (499 when the platform disconnected first)."),
                    { QStringLiteral("pool"), QStringLiteral("status") }, m_requests);
    text.addCounter(QStringLiteral("vcs_gateway_body_bytes_total"),
                    QStringLiteral("Body bytes relayed: request bodies to agents, response bodies "
                                   "to the platform."),
                    { QStringLiteral("pool"), QStringLiteral("direction") }, m_bytes);
    text.addHistogram(QStringLiteral("vcs_gateway_request_duration_seconds"),
                      QStringLiteral("Time from the platform's request head to the end of the "
                                     "response, including waits for a free stream."),
                      { QStringLiteral("pool") }, m_duration);
    text.addCounter(QStringLiteral("vcs_gateway_queued_requests_total"),
                    QStringLiteral("Requests that found every stream of the pool busy and "
                                   "waited."),
                    { QStringLiteral("pool") }, m_queued);
    text.addCounter(QStringLiteral("vcs_gateway_queue_timeouts_total"),
                    QStringLiteral("Queued requests answered 503 because no stream became free "
                                   "within the queue timeout."),
                    { QStringLiteral("pool") }, m_queueTimeouts);
    text.addCounter(QStringLiteral("vcs_gateway_retries_total"),
                    QStringLiteral("Requests moved to another stream because theirs closed "
                                   "before the agent answered."),
                    { QStringLiteral("pool") }, m_retries);
    ProcessMetrics::add(text, QStringLiteral(VCS_AGENT_VERSION));
    return text.text();
}
