#pragma once

#include "prometheustext.h"

#include <QObject>

class AccessLog;
class AgentService;
struct AccessRecord;

// The agent's Prometheus metrics: streams by state, requests by decision and allowlist rule,
// response statuses, body bytes, request duration and reconnects. Counters start at zero when
// the process starts.
class AgentMetrics final : public QObject
{
    Q_OBJECT

public:
    AgentMetrics(const AgentService *service, const AccessLog *accessLog,
                 QObject *parent = nullptr);

    QByteArray render() const;

private:
    void handleRecordAdded(const AccessRecord &record);

    const AgentService *m_service;
    LabeledCounter m_requests;   // vendor, decision, rule
    LabeledCounter m_responses;  // status
    LabeledCounter m_bytes;      // direction
    LabeledHistogram m_duration; // decision
    double m_reconnects = 0;
};

// Upper bounds of the latency histograms in seconds, from a cached API call (5 ms) to a large
// clone (5 min).
QList<double> requestDurationBuckets();
