#pragma once

#include "icons.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>
#include <functional>
#include <memory>

class DesktopAgent;
class MainWindow;
class QAction;
class QMenu;
class QSystemTrayIcon;
struct AccessRecord;

// The tray icon: its look shows whether all, some or no streams are connected or the agent is
// stopped, the tooltip shows counts, and the menu shows the window, pauses, resumes and quits.
// Without a system tray the window opens instead; a tray that appears later gets the icon.
class TrayController final : public QObject
{
    Q_OBJECT

public:
    static constexpr int trayPollIntervalMs = 2000;
    static constexpr int deniedNoticeIntervalMs = 60 * 1000;

    // `trayAvailable` defaults to QSystemTrayIcon::isSystemTrayAvailable; tests replace it.
    TrayController(DesktopAgent *agent, MainWindow *window,
                   std::function<bool()> trayAvailable = {}, QObject *parent = nullptr);
    ~TrayController() override;

    // Shows the tray icon, or the window when there is no tray, and starts polling for a tray.
    void start();

    bool isIconVisible() const;
    Icons::TrayState trayState() const { return m_state; }
    QString toolTip() const;
    QMenu *menu() const { return m_menu.get(); }
    // Notifications shown so far, newest last, for tests and the log.
    const QStringList &notifications() const { return m_notifications; }

    static Icons::TrayState stateFor(bool running, int connected, int streams);

private:
    void pollTray();
    void showIcon();
    void update();
    void notify(const QString &title, const QString &message);
    void handleDenied(const AccessRecord &record);
    void flushDenied();
    void showWindow();

    DesktopAgent *m_agent;
    MainWindow *m_window;
    std::function<bool()> m_trayAvailable;
    std::unique_ptr<QMenu> m_menu;
    QSystemTrayIcon *m_icon = nullptr;
    QAction *m_pauseAction = nullptr;
    QTimer m_pollTimer;
    QTimer m_deniedTimer;
    Icons::TrayState m_state = Icons::TrayState::Stopped;
    bool m_stateKnown = false;
    int m_deniedPending = 0;
    QString m_lastDeniedTarget;
    QDateTime m_lastDeniedNotice;
    QStringList m_notifications;
};
