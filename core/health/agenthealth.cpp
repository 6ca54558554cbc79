#include "agenthealth.h"

#include "agent/agentservice.h"

AgentHealth::AgentHealth(AgentService *service, AccessLog *accessLog, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_metrics(service, accessLog)
{
    m_server.setReadinessCheck([this] {
        return notReadyReason();
    });
    m_server.setMetricsRenderer([this] {
        return m_metrics.render();
    });
    connect(service, &AgentService::statusChanged, this, &AgentHealth::handleStatusChanged);
    connect(service, &AgentService::readinessChanged, this, [this](bool ready) {
        // READY=1 goes out once; later losses and recoveries show up in STATUS= only.
        if (ready && !m_readySent && !m_stopping) {
            m_readySent = true;
            m_notifier.notifyReady(QStringLiteral("all %1 streams connected")
                                           .arg(m_service->streamCount()));
        }
    });
}

bool AgentHealth::start(const QString &listenAddress, QString *error)
{
    m_notifier.startWatchdog();
    m_notifier.notifyStatus(QStringLiteral("connecting %1 streams").arg(m_service->streamCount()));
    if (listenAddress.isEmpty()) {
        return true;
    }
    return m_server.listen(listenAddress, error);
}

void AgentHealth::notifyStopping(int timeoutMs)
{
    m_stopping = true;
    m_notifier.notifyStopping(QStringLiteral("draining: finishing requests in flight for up to "
                                             "%1 ms")
                                      .arg(timeoutMs));
}

QString AgentHealth::notReadyReason() const
{
    if (m_stopping) {
        return QStringLiteral("draining");
    }
    const int streams = m_service->streamCount();
    const int connected = m_service->connectedCount();
    if (streams == 0 || connected < streams) {
        return QStringLiteral("%1 of %2 streams connected")
                .arg(QString::number(connected), QString::number(streams));
    }
    return QString();
}

void AgentHealth::handleStatusChanged()
{
    const int connected = m_service->connectedCount();
    if (connected == m_lastConnectedCount || m_stopping) {
        return;
    }
    m_lastConnectedCount = connected;
    m_notifier.notifyStatus(QStringLiteral("%1 of %2 streams connected")
                                    .arg(QString::number(connected),
                                         QString::number(m_service->streamCount())));
}
