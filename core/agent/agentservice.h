#pragma once

#include "agentsettings.h"
#include "streamstatus.h"

#include <QObject>
#include <QTimer>
#include <memory>
#include <vector>

class AccessLog;
class StreamClient;

// The agent's supervisor: owns the request filter and N tunnel streams, restarts them with new
// settings without dropping requests in flight, and drains them on shutdown.
class AgentService final : public QObject
{
    Q_OBJECT

public:
    explicit AgentService(AccessLog *accessLog, QObject *parent = nullptr);
    ~AgentService() override;

    // Builds the filter for `settings` and starts its streams. Streams of earlier settings take
    // no new requests and close once their request in flight is done. Returns false and sets
    // `error` when the allowlist or the project pattern is invalid; nothing changes then.
    bool start(const AgentSettings &settings, QString *error);

    // Stops taking requests and lets requests in flight finish for at most `timeoutMs`;
    // emits drained() when all streams are closed.
    void drain(int timeoutMs);
    // Closes every stream at once.
    void stop();

    bool isRunning() const { return m_current != nullptr; }
    QList<StreamStatus> statuses() const;
    int connectedCount() const;
    int streamCount() const;
    int requestsInFlight() const;
    const AgentSettings *settings() const;
    const RequestFilter *filter() const;

Q_SIGNALS:
    void statusChanged(int index);
    // Every stream of the current settings is connected (true), or one is not (false).
    void readinessChanged(bool ready);
    // The gateway rejected the pool token; the service has stopped.
    void rejected(const QString &message);
    void drained();
    void reconnectScheduled(int index, int delayMs);

private:
    struct Generation;

    void handleStatusChanged(int index);
    void handleDrained();
    void retire(std::unique_ptr<Generation> generation);

    AccessLog *m_accessLog;
    std::unique_ptr<Generation> m_current;
    std::vector<std::unique_ptr<Generation>> m_retiring;
    QTimer m_drainTimer;
    bool m_ready = false;
    bool m_draining = false;
};
