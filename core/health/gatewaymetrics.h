#pragma once

#include "prometheustext.h"

#include <QObject>

class GatewayServer;

// The gateway's Prometheus metrics: agents and streams per pool, relayed requests by status,
// body bytes, latency, requests that waited for a busy pool, queue timeouts and retries on
// another stream. Counters start at zero when the process starts.
class GatewayMetrics final : public QObject
{
    Q_OBJECT

public:
    explicit GatewayMetrics(const GatewayServer *server, QObject *parent = nullptr);

    QByteArray render() const;

private:
    void handleRequestFinished(const QString &poolName, int status, qint64 bytesUp,
                               qint64 bytesDown, qint64 durationMs);

    const GatewayServer *m_server;
    LabeledCounter m_requests;   // pool, status
    LabeledCounter m_bytes;      // pool, direction
    LabeledHistogram m_duration; // pool
    LabeledCounter m_queued;     // pool
    LabeledCounter m_queueTimeouts; // pool
    LabeledCounter m_retries;    // pool
};
