#pragma once

#include <QObject>
#include <QTimer>

// Reports the service's state to systemd with sd_notify(3): READY=1, STATUS=, STOPPING=1 and
// WATCHDOG=1 keep-alives. It does nothing when the process was not started by a unit with
// Type=notify (no NOTIFY_SOCKET) or when the build has no libsystemd, as on Windows and macOS.
class SystemdNotifier final : public QObject
{
    Q_OBJECT

public:
    explicit SystemdNotifier(QObject *parent = nullptr);

    // Whether the build links libsystemd and the process has a notification socket.
    static bool isAvailable();

    void notifyReady(const QString &status);
    void notifyStatus(const QString &status);
    void notifyStopping(const QString &status);

    // Sends WATCHDOG=1 at half the interval that the unit's WatchdogSec= sets, as
    // sd_watchdog_enabled(3) recommends. Does nothing when the unit has no watchdog.
    void startWatchdog();
    // The keep-alive interval in milliseconds, 0 when the watchdog is off.
    int watchdogIntervalMs() const;

private:
    bool send(const QByteArray &state);

    QTimer m_watchdogTimer;
    bool m_failureLogged = false;
};
