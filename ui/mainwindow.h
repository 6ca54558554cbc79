#pragma once

#include <QMainWindow>

class AccessLogModel;
class AccessLogView;
class ConfigPage;
class ConnectionsPage;
class DesktopAgent;
class QAction;
class QLabel;
class QTabWidget;

// The desktop agent's window: Connections, Access log and Configuration tabs, a banner for
// problems that need the administrator, and File → Open for access-log files.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(DesktopAgent *agent, QWidget *parent = nullptr);
    ~MainWindow() override;

    QTabWidget *tabs() const { return m_tabs; }
    ConnectionsPage *connectionsPage() const { return m_connections; }
    AccessLogView *accessLogView() const { return m_accessLogView; }
    AccessLogModel *accessLogModel() const { return m_accessLogModel; }
    ConfigPage *configPage() const { return m_config; }
    QAction *pauseAction() const { return m_pauseAction; }
    QLabel *banner() const { return m_banner; }

    // Whether closing the window hides it (a tray icon exists) or quits the agent.
    void setHidesOnClose(bool hides);
    // Opens an access-log file in a log inspection window.
    void openLogFile(const QString &fileName);

Q_SIGNALS:
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void updateState();
    void updateProblem(const QString &problem);
    void saveState();

    DesktopAgent *m_agent;
    QTabWidget *m_tabs;
    QLabel *m_banner;
    QLabel *m_stateLabel;
    ConnectionsPage *m_connections;
    AccessLogModel *m_accessLogModel;
    AccessLogView *m_accessLogView;
    ConfigPage *m_config;
    QAction *m_pauseAction = nullptr;
    bool m_hidesOnClose = false;
};
