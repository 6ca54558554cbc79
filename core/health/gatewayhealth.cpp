#include "gatewayhealth.h"

#include "gateway/gatewayserver.h"
#include "gateway/pooldatabase.h"

GatewayHealth::GatewayHealth(GatewayServer *server, PoolDatabase *database, QObject *parent)
    : QObject(parent)
    , m_gateway(server)
    , m_database(database)
    , m_metrics(server)
{
    m_server.setReadinessCheck([this] {
        return notReadyReason();
    });
    m_server.setMetricsRenderer([this] {
        return m_metrics.render();
    });
}

bool GatewayHealth::start(const QString &listenAddress, QString *error)
{
    if (listenAddress.isEmpty()) {
        return true;
    }
    return m_server.listen(listenAddress, error);
}

void GatewayHealth::notifyListening(const QString &status)
{
    m_listening = true;
    m_notifier.notifyReady(status);
    m_notifier.startWatchdog();
}

void GatewayHealth::notifyStopping()
{
    m_stopping = true;
    m_notifier.notifyStopping(QStringLiteral("stopping"));
}

QString GatewayHealth::notReadyReason() const
{
    if (m_stopping) {
        return QStringLiteral("stopping");
    }
    if (!m_listening) {
        return QStringLiteral("not listening yet");
    }
    QString error;
    if (!m_database->pools(&error)) {
        return QStringLiteral("the pool database cannot be read: ") + error;
    }
    return QString();
}
