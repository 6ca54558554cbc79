#pragma once

#include <QElapsedTimer>
#include <QString>

// Lets one message of a kind through per interval and counts the ones held back, so that a
// peer who can trigger the message at will cannot flood the log. One instance per kind.
class LogThrottle
{
public:
    explicit LogThrottle(qint64 intervalMs)
        : m_intervalMs(intervalMs)
    {
    }

    // Whether a message may be logged now. When it may, suppressedSuffix() describes the
    // messages held back since the previous one, and the count starts again.
    bool allow();
    // " (and N more since the last such message)", or an empty string when none were held back.
    QString suppressedSuffix() const;

private:
    qint64 m_intervalMs;
    QElapsedTimer m_timer;
    qint64 m_held = 0;    // held back since the last message that went through
    qint64 m_reported = 0; // held back before the message that went through last
};
