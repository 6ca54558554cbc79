#include "mainwindow.h"

#include "accesslogmodel.h"
#include "accesslogview.h"
#include "configpage.h"
#include "connectionspage.h"
#include "desktopagent.h"
#include "icons.h"
#include "inspectionwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHeaderView>
#include <QCoreApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTableView>
#include <QTabWidget>
#include <QVBoxLayout>

MainWindow::MainWindow(DesktopAgent *agent, QWidget *parent)
    : QMainWindow(parent)
    , m_agent(agent)
    , m_tabs(new QTabWidget(this))
    , m_banner(new QLabel(this))
    , m_stateLabel(new QLabel(this))
    , m_connections(new ConnectionsPage(agent, this))
    , m_accessLogModel(new AccessLogModel(AccessLogModel::defaultCapacity, this))
    , m_accessLogView(new AccessLogView(m_accessLogModel, this))
    , m_config(new ConfigPage(this))
{
    setWindowTitle(tr("VCS Agent"));
    setWindowIcon(Icons::appIcon());
    m_accessLogModel->follow(agent->accessLog());

    m_banner->setObjectName(QStringLiteral("problemBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setMargin(8);
    m_banner->setStyleSheet(QStringLiteral(
            "QLabel { background: #fff8c5; color: #3b2300; border: 1px solid #d4a72c; }"));
    m_banner->hide();

    m_tabs->addTab(m_connections, tr("&Connections"));
    m_tabs->addTab(m_accessLogView, tr("&Access log"));
    m_tabs->addTab(m_config, tr("Con&figuration"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_stateLabel, 1);
    buildMenus();

    DesktopSettings *settings = agent->settings();
    m_config->setConfig(settings->agentConfig());
    m_config->setOverridden(agent->overriddenSettings());
    m_accessLogView->restoreHeaderState(settings->value(SettingKeys::accessLogHeader));
    const QByteArray connectionsHeader = settings->value(SettingKeys::connectionsHeader);
    if (!connectionsHeader.isEmpty()) {
        m_connections->table()->horizontalHeader()->restoreState(connectionsHeader);
    }
    restoreGeometry(settings->value(SettingKeys::mainWindowGeometry));
    if (settings->value(SettingKeys::mainWindowGeometry).isEmpty()) {
        resize(1100, 640);
    }

    connect(m_config, &ConfigPage::applyRequested, this,
            [this](const StoredAgentConfig &config, const QString &token) {
                m_agent->apply(config, token);
                m_config->setConfig(config);
                m_config->tokenEdit()->clear();
            });
    connect(agent, &DesktopAgent::stateChanged, this, &MainWindow::updateState);
    connect(agent, &DesktopAgent::statusesChanged, this, &MainWindow::updateState);
    connect(agent, &DesktopAgent::problemChanged, this, &MainWindow::updateProblem);
    connect(agent, &DesktopAgent::tokenStored, this, [this](const CredentialResult &result) {
        m_config->setTokenStatus(result.isOk()
                                         ? tr("The token is stored in the keychain.")
                                         : tr("The token was not stored: %1").arg(result.message));
    });
    updateState();
    updateProblem(agent->problem());
}

MainWindow::~MainWindow()
{
    saveState();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Access Log…"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString fileName = QFileDialog::getOpenFileName(
                this, tr("Open Access Log"), QString(),
                tr("Access logs (*.jsonl *.json *.log);;All files (*)"));
        if (!fileName.isEmpty()) {
            openLogFile(fileName);
        }
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &MainWindow::quitRequested);

    QMenu *agentMenu = menuBar()->addMenu(tr("&Agent"));
    m_pauseAction = agentMenu->addAction(tr("&Pause"));
    connect(m_pauseAction, &QAction::triggered, this, [this] {
        if (m_agent->state() == DesktopAgent::RunState::Running) {
            m_agent->pause();
        } else {
            m_agent->resume();
        }
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About VCS Agent"));
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About VCS Agent"),
                           tr("<p><b>vcs-agent %1</b></p><p>Relays a cloud platform's requests "
                              "to an internal VCS through outbound tunnel streams, letting "
                              "through only allowlisted requests.</p><p>Settings file: %2</p>")
                                   .arg(QCoreApplication::applicationVersion().toHtmlEscaped(),
                                        m_agent->settings()->fileName().toHtmlEscaped()));
    });
}

void MainWindow::openLogFile(const QString &fileName)
{
    auto *window = new InspectionWindow(m_agent->settings());
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
    window->open(fileName);
}

void MainWindow::setHidesOnClose(bool hides)
{
    m_hidesOnClose = hides;
}

void MainWindow::updateState()
{
    QString text;
    switch (m_agent->state()) {
    case DesktopAgent::RunState::Stopped:
        text = tr("Stopped");
        break;
    case DesktopAgent::RunState::WaitingForToken:
        text = tr("Reading the pool token from the keychain…");
        break;
    case DesktopAgent::RunState::Running:
        text = tr("Running: %1 of %2 streams connected, token from %3")
                       .arg(QString::number(m_agent->connectedCount()),
                            QString::number(m_agent->streamCount()), m_agent->tokenSource());
        break;
    case DesktopAgent::RunState::Paused:
        text = tr("Paused: taking no new requests");
        break;
    case DesktopAgent::RunState::Failed:
        text = tr("Not running");
        break;
    }
    m_stateLabel->setText(text);
    const bool running = m_agent->state() == DesktopAgent::RunState::Running;
    m_pauseAction->setText(running ? tr("&Pause") : tr("&Resume"));
    m_pauseAction->setEnabled(running || m_agent->state() == DesktopAgent::RunState::Paused);
    if (running) {
        m_config->setTokenStatus(tr("The running token comes from %1.").arg(m_agent->tokenSource()));
    }
}

void MainWindow::updateProblem(const QString &problem)
{
    m_banner->setText(problem);
    m_banner->setVisible(!problem.isEmpty());
}

void MainWindow::saveState()
{
    DesktopSettings *settings = m_agent->settings();
    settings->setValue(SettingKeys::mainWindowGeometry, saveGeometry());
    settings->setValue(SettingKeys::accessLogHeader, m_accessLogView->headerState());
    settings->setValue(SettingKeys::connectionsHeader,
                       m_connections->table()->horizontalHeader()->saveState());
    settings->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveState();
    if (m_hidesOnClose) {
        hide();
        event->ignore();
        return;
    }
    event->ignore();
    Q_EMIT quitRequested();
}
