#include "agentmetrics.h"

#include "agent/agentservice.h"
#include "log/accesslog.h"
#include "processmetrics.h"

QList<double> requestDurationBuckets()
{
    return { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300 };
}

AgentMetrics::AgentMetrics(const AgentService *service, const AccessLog *accessLog,
                           QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_duration(requestDurationBuckets())
{
    connect(accessLog, &AccessLog::recordAdded, this, &AgentMetrics::handleRecordAdded);
    connect(service, &AgentService::reconnectScheduled, this, [this] {
        m_reconnects += 1;
    });
}

void AgentMetrics::handleRecordAdded(const AccessRecord &record)
{
    const QString vendor = m_service->settings() ? vendorName(m_service->settings()->vendor)
                                                 : QString();
    const QString decision = decisionName(record.decision);
    m_requests.increment({ vendor, decision,
                           record.rule.isEmpty() ? QStringLiteral("none") : record.rule });
    m_responses.increment({ record.status > 0 ? QString::number(record.status)
                                              : QStringLiteral("none") });
    m_bytes.increment({ QStringLiteral("request") }, double(record.bytesIn));
    m_bytes.increment({ QStringLiteral("response") }, double(record.bytesOut));
    m_duration.observe({ decision }, double(record.durationMs) / 1000.0);
}

QByteArray AgentMetrics::render() const
{
    PrometheusText text;
    const QList<StreamStatus::State> states = {
        StreamStatus::State::Stopped,  StreamStatus::State::Connecting,
        StreamStatus::State::Idle,     StreamStatus::State::Busy,
        StreamStatus::State::Draining, StreamStatus::State::WaitingToReconnect,
        StreamStatus::State::Rejected,
    };
    QMap<QStringList, double> streamsByState;
    for (const StreamStatus::State state : states) {
        streamsByState.insert({ streamStateName(state).replace(QLatin1Char(' '), QLatin1Char('_')) },
                              0);
    }
    for (const StreamStatus &status : m_service->statuses()) {
        streamsByState[{ streamStateName(status.state).replace(QLatin1Char(' '),
                                                               QLatin1Char('_')) }] += 1;
    }
    text.addGauge(QStringLiteral("vcs_agent_streams"),
                  QStringLiteral("Tunnel streams of the current settings by state."),
                  { QStringLiteral("state") }, streamsByState);
    text.addGauge(QStringLiteral("vcs_agent_streams_configured"),
                  QStringLiteral("Tunnel streams the agent keeps open (parallelism)."),
                  m_service->streamCount());
    const bool ready = m_service->streamCount() > 0
            && m_service->connectedCount() == m_service->streamCount();
    text.addGauge(QStringLiteral("vcs_agent_ready"),
                  QStringLiteral("1 when every stream is connected to the gateway, else 0."),
                  ready ? 1 : 0);
    text.addGauge(QStringLiteral("vcs_agent_requests_in_flight"),
                  QStringLiteral("Requests being forwarded to the VCS now."),
                  m_service->requestsInFlight());
    text.addCounter(QStringLiteral("vcs_agent_requests_total"),
                    QStringLiteral("Requests received from the gateway by vendor, filter decision "
                                   "and allowlist rule (none when no rule matched)."),
                    { QStringLiteral("vendor"), QStringLiteral("decision"),
                      QStringLiteral("rule") },
                    m_requests);
    text.addCounter(QStringLiteral("vcs_agent_responses_total"),
                    QStringLiteral("Responses sent to the gateway by HTTP status (none when the "
                                   "request failed before a status was sent)."),
                    { QStringLiteral("status") }, m_responses);
    text.addCounter(QStringLiteral("vcs_agent_body_bytes_total"),
                    QStringLiteral("Body bytes relayed: request bodies to the VCS, response "
                                   "bodies to the gateway."),
                    { QStringLiteral("direction") }, m_bytes);
    text.addHistogram(QStringLiteral("vcs_agent_request_duration_seconds"),
                      QStringLiteral("Time from the request head to the end of the response, by "
                                     "filter decision."),
                      { QStringLiteral("decision") }, m_duration);
    text.addCounter(QStringLiteral("vcs_agent_reconnects_total"),
                    QStringLiteral("Reconnects scheduled after a stream dropped or failed to "
                                   "connect."),
                    m_reconnects);
    ProcessMetrics::add(text, QStringLiteral(VCS_AGENT_VERSION));
    return text.text();
}
