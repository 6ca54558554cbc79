#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

// A snapshot of one tunnel stream, for the desktop window, the tray and the metrics.
struct StreamStatus
{
    enum class State { Stopped, Connecting, Idle, Busy, Draining, WaitingToReconnect, Rejected };

    int index = 0;
    State state = State::Stopped;
    QString gateway;
    QString connectionId;
    QDateTime connectedSince;
    qint64 requestsServed = 0;
    int reconnects = 0;
    QString currentRequest; // "METHOD target" of the request in flight, redacted
    QString lastError;
    QDateTime nextRetry;

    bool isConnected() const
    {
        return state == State::Idle || state == State::Busy || state == State::Draining;
    }
};

QString streamStateName(StreamStatus::State state);

Q_DECLARE_METATYPE(StreamStatus)
