#pragma once

#include "gatewaymetrics.h"
#include "healthserver.h"
#include "systemdnotifier.h"

#include <QObject>

class GatewayServer;
class PoolDatabase;

// Connects the gateway to its monitoring: the optional health and metrics listener, and
// systemd's readiness and watchdog notifications. The gateway is ready while it listens and
// its pool database can be read.
class GatewayHealth final : public QObject
{
    Q_OBJECT

public:
    GatewayHealth(GatewayServer *server, PoolDatabase *database, QObject *parent = nullptr);

    // Starts the listener when `listenAddress` is not empty. Returns false and sets `error`
    // when it cannot listen.
    bool start(const QString &listenAddress, QString *error);
    // Sends READY=1 and starts the watchdog keep-alives; call once the gateway listens.
    void notifyListening(const QString &status);
    void notifyStopping();

    quint16 healthPort() const { return m_server.serverPort(); }

private:
    QString notReadyReason() const;

    GatewayServer *m_gateway;
    PoolDatabase *m_database;
    GatewayMetrics m_metrics;
    HealthServer m_server;
    SystemdNotifier m_notifier;
    bool m_listening = false;
    bool m_stopping = false;
};
