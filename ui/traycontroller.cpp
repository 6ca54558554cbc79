#include "traycontroller.h"

#include "desktopagent.h"
#include "log/accessrecord.h"
#include "mainwindow.h"
#include "uilogging.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QSystemTrayIcon>

TrayController::TrayController(DesktopAgent *agent, MainWindow *window,
                               std::function<bool()> trayAvailable, QObject *parent)
    : QObject(parent)
    , m_agent(agent)
    , m_window(window)
    , m_trayAvailable(trayAvailable ? std::move(trayAvailable)
                                    : std::function<bool()>(
                                              &QSystemTrayIcon::isSystemTrayAvailable))
    , m_menu(std::make_unique<QMenu>())
{
    QAction *show = m_menu->addAction(tr("&Show Window"));
    connect(show, &QAction::triggered, this, &TrayController::showWindow);
    m_pauseAction = m_menu->addAction(tr("&Pause"));
    connect(m_pauseAction, &QAction::triggered, this, [this] {
        if (m_agent->state() == DesktopAgent::RunState::Running) {
            m_agent->pause();
        } else {
            m_agent->resume();
        }
    });
    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("&Quit"));
    connect(quit, &QAction::triggered, m_window, &MainWindow::quitRequested);

    m_pollTimer.setInterval(trayPollIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &TrayController::pollTray);
    m_deniedTimer.setSingleShot(true);
    connect(&m_deniedTimer, &QTimer::timeout, this, &TrayController::flushDenied);

    connect(agent, &DesktopAgent::stateChanged, this, &TrayController::update);
    connect(agent, &DesktopAgent::statusesChanged, this, &TrayController::update);
    connect(agent, &DesktopAgent::gatewayLost, this, [this] {
        notify(tr("Gateway connection lost"),
               tr("No stream is connected to the gateway; the agent keeps retrying."));
    });
    connect(agent, &DesktopAgent::requestDenied, this, &TrayController::handleDenied);
    connect(agent, &DesktopAgent::problemChanged, this, [this](const QString &problem) {
        if (!problem.isEmpty()) {
            notify(tr("VCS Agent needs attention"), problem);
        }
    });
}

TrayController::~TrayController() = default;

void TrayController::start()
{
    update();
    if (m_trayAvailable()) {
        showIcon();
        m_window->setHidesOnClose(true);
        return;
    }
    qCInfo(lcDesktop) << "no system tray available; showing the window and waiting for a tray";
    m_window->setHidesOnClose(false);
    m_window->show();
    m_pollTimer.start();
}

void TrayController::pollTray()
{
    if (!m_trayAvailable()) {
        return;
    }
    qCInfo(lcDesktop) << "a system tray appeared; showing the tray icon";
    m_pollTimer.stop();
    showIcon();
    m_window->setHidesOnClose(true);
}

void TrayController::showIcon()
{
    if (!m_icon) {
        m_icon = new QSystemTrayIcon(this);
        m_icon->setContextMenu(m_menu.get());
        connect(m_icon, &QSystemTrayIcon::activated, this,
                [this](QSystemTrayIcon::ActivationReason reason) {
                    if (reason == QSystemTrayIcon::Trigger
                        || reason == QSystemTrayIcon::DoubleClick) {
                        showWindow();
                    }
                });
        connect(m_icon, &QSystemTrayIcon::messageClicked, this, &TrayController::showWindow);
    }
    m_stateKnown = false;
    update();
    m_icon->show();
}

bool TrayController::isIconVisible() const
{
    return m_icon && m_icon->isVisible();
}

Icons::TrayState TrayController::stateFor(bool running, int connected, int streams)
{
    if (!running || streams == 0) {
        return Icons::TrayState::Stopped;
    }
    if (connected == 0) {
        return Icons::TrayState::NoneConnected;
    }
    return connected == streams ? Icons::TrayState::AllConnected
                                : Icons::TrayState::SomeConnected;
}

QString TrayController::toolTip() const
{
    const QString counts = tr("%1 of %2 streams connected\n%3 requests, %4 denied")
                                   .arg(QString::number(m_agent->connectedCount()),
                                        QString::number(m_agent->streamCount()),
                                        QString::number(m_agent->requestCount()),
                                        QString::number(m_agent->deniedCount()));
    switch (m_agent->state()) {
    case DesktopAgent::RunState::Running:
        return tr("VCS Agent: running\n%1").arg(counts);
    case DesktopAgent::RunState::Paused:
        return tr("VCS Agent: paused\n%1").arg(counts);
    case DesktopAgent::RunState::WaitingForToken:
        return tr("VCS Agent: reading the pool token");
    case DesktopAgent::RunState::Failed:
        return tr("VCS Agent: not running");
    case DesktopAgent::RunState::Stopped:
        break;
    }
    return tr("VCS Agent: stopped");
}

void TrayController::update()
{
    const bool running = m_agent->state() == DesktopAgent::RunState::Running;
    const Icons::TrayState state =
            stateFor(running, m_agent->connectedCount(), m_agent->streamCount());
    m_pauseAction->setText(running ? tr("&Pause") : tr("&Resume"));
    m_pauseAction->setEnabled(running || m_agent->state() == DesktopAgent::RunState::Paused);
    if (!m_icon) {
        m_state = state;
        return;
    }
    if (!m_stateKnown || state != m_state) {
        m_state = state;
        m_stateKnown = true;
        m_icon->setIcon(Icons::trayIcon(state));
    }
    m_icon->setToolTip(toolTip());
}

void TrayController::notify(const QString &title, const QString &message)
{
    m_notifications.append(title + QStringLiteral(": ") + message);
    qCInfo(lcDesktop).noquote() << "notification:" << title;
    if (m_icon && m_icon->isVisible() && QSystemTrayIcon::supportsMessages()) {
        m_icon->showMessage(title, message, QSystemTrayIcon::Warning);
    }
}

void TrayController::handleDenied(const AccessRecord &record)
{
    ++m_deniedPending;
    m_lastDeniedTarget = record.method + QLatin1Char(' ') + record.target;
    // At most one notice per interval; denials in between are summed up in the next one.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 sinceLast = m_lastDeniedNotice.isValid()
            ? m_lastDeniedNotice.msecsTo(now)
            : std::numeric_limits<qint64>::max();
    if (sinceLast >= deniedNoticeIntervalMs) {
        flushDenied();
    } else if (!m_deniedTimer.isActive()) {
        m_deniedTimer.start(int(deniedNoticeIntervalMs - sinceLast));
    }
}

void TrayController::flushDenied()
{
    if (m_deniedPending == 0) {
        return;
    }
    m_lastDeniedNotice = QDateTime::currentDateTimeUtc();
    const QString message = m_deniedPending == 1
            ? tr("Denied %1").arg(m_lastDeniedTarget)
            : tr("%n requests denied, the last one %1", nullptr, m_deniedPending)
                      .arg(m_lastDeniedTarget);
    m_deniedPending = 0;
    notify(tr("Request denied"), message);
}

void TrayController::showWindow()
{
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}
