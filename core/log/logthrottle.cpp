#include "logthrottle.h"

bool LogThrottle::allow()
{
    if (m_timer.isValid() && m_timer.elapsed() < m_intervalMs) {
        ++m_held;
        return false;
    }
    m_reported = m_held;
    m_held = 0;
    m_timer.start();
    return true;
}

QString LogThrottle::suppressedSuffix() const
{
    if (m_reported == 0) {
        return QString();
    }
    return QStringLiteral(" (and %1 more since the last such message)").arg(m_reported);
}
