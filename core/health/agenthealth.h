#pragma once

#include "agentmetrics.h"
#include "healthserver.h"
#include "systemdnotifier.h"

#include <QObject>

class AccessLog;
class AgentService;

// Connects the headless agent to its monitoring: the optional health and metrics listener, and
// systemd's readiness, status and watchdog notifications.
class AgentHealth final : public QObject
{
    Q_OBJECT

public:
    AgentHealth(AgentService *service, AccessLog *accessLog, QObject *parent = nullptr);

    // Starts the watchdog keep-alives and, when `listenAddress` is not empty, the listener.
    // Returns false and sets `error` when the listener cannot start.
    bool start(const QString &listenAddress, QString *error);
    // Tells systemd and the readiness probe that the agent is draining.
    void notifyStopping(int timeoutMs);

    quint16 healthPort() const { return m_server.serverPort(); }
    // Empty when every stream is connected, otherwise why the agent is not ready.
    QString notReadyReason() const;

private:
    void handleStatusChanged();

    AgentService *m_service;
    AgentMetrics m_metrics;
    HealthServer m_server;
    SystemdNotifier m_notifier;
    int m_lastConnectedCount = -1;
    bool m_readySent = false;
    bool m_stopping = false;
};
