#include "systemdnotifier.h"

#include "healthlogging.h"

#ifdef VCS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

#include <cstring>
#endif

namespace {

// STATUS= is one line, so line breaks in the text would end it early.
QByteArray statusLine(const QString &status)
{
    QString line = status;
    line.replace(QLatin1Char('\n'), QLatin1Char(' '));
    line.replace(QLatin1Char('\r'), QLatin1Char(' '));
    return "STATUS=" + line.toUtf8();
}

} // namespace

SystemdNotifier::SystemdNotifier(QObject *parent)
    : QObject(parent)
{
    connect(&m_watchdogTimer, &QTimer::timeout, this, [this] {
        send("WATCHDOG=1");
    });
}

bool SystemdNotifier::isAvailable()
{
#ifdef VCS_HAVE_SYSTEMD
    return !qEnvironmentVariableIsEmpty("NOTIFY_SOCKET");
#else
    return false;
#endif
}

void SystemdNotifier::notifyReady(const QString &status)
{
    send("READY=1\n" + statusLine(status));
}

void SystemdNotifier::notifyStatus(const QString &status)
{
    send(statusLine(status));
}

void SystemdNotifier::notifyStopping(const QString &status)
{
    send("STOPPING=1\n" + statusLine(status));
}

void SystemdNotifier::startWatchdog()
{
    const int interval = watchdogIntervalMs();
    if (interval <= 0) {
        return;
    }
    qCInfo(lcHealth) << "sending systemd watchdog keep-alives every" << interval << "ms";
    send("WATCHDOG=1");
    m_watchdogTimer.start(interval);
}

int SystemdNotifier::watchdogIntervalMs() const
{
#ifdef VCS_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return 0;
    }
    return int(qBound<uint64_t>(1, usec / 2000, uint64_t(24) * 3600 * 1000));
#else
    return 0;
#endif
}

bool SystemdNotifier::send(const QByteArray &state)
{
#ifdef VCS_HAVE_SYSTEMD
    if (!isAvailable()) {
        return false;
    }
    const int result = sd_notify(0, state.constData());
    if (result < 0) {
        if (m_failureLogged) {
            return false;
        }
        // Logged once: the watchdog timer would otherwise repeat the same warning forever.
        m_failureLogged = true;
        qCWarning(lcHealth).noquote() << QStringLiteral("sd_notify failed: %1")
                                                 .arg(QString::fromLocal8Bit(strerror(-result)));
        return false;
    }
    return result > 0;
#else
    Q_UNUSED(state)
    return false;
#endif
}
