#include "desktopagent.h"

#include "agent/agentservice.h"
#include "log/accesslog.h"
#include "uilogging.h"

DesktopAgent::DesktopAgent(const QStringList &arguments, const QProcessEnvironment &environment,
                           DesktopSettings *settings, CredentialStore *credentials,
                           QObject *parent)
    : QObject(parent)
    , m_arguments(arguments)
    , m_environment(environment)
    , m_settings(settings)
    , m_credentials(credentials)
    , m_accessLog(new AccessLog(this))
    , m_service(new AgentService(m_accessLog, this))
{
    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(statusIntervalMs);
    connect(&m_statusTimer, &QTimer::timeout, this, &DesktopAgent::publishStatuses);
    connect(m_service, &AgentService::statusChanged, this, &DesktopAgent::handleStatusChanged);
    connect(m_service, &AgentService::rejected, this, [this](const QString &message) {
        setProblem(tr("The gateway rejected the pool token (%1). Enter a valid token on the "
                      "Configuration tab.")
                           .arg(message));
        setState(RunState::Failed);
        publishStatuses();
    });
    connect(m_service, &AgentService::drained, this, [this] {
        publishStatuses();
        if (m_quitting) {
            Q_EMIT quitReady();
        }
    });
    connect(m_accessLog, &AccessLog::recordAdded, this, [this](const AccessRecord &record) {
        ++m_requestCount;
        if (record.decision == AccessRecord::Decision::Deny) {
            ++m_deniedCount;
            Q_EMIT requestDenied(record);
        }
    });
    connect(m_credentials, &CredentialStore::readFinished, this,
            &DesktopAgent::handleTokenRead);
    connect(m_credentials, &CredentialStore::writeFinished, this,
            &DesktopAgent::handleTokenWritten);
}

DesktopAgent::~DesktopAgent()
{
    m_service->stop();
}

std::optional<AgentSettings> DesktopAgent::resolveSettings()
{
    const QProcessEnvironment environment =
            DesktopConfig::environmentWithStored(m_settings->agentConfig(), m_environment);
    const AgentSettingsResult result = AgentSettingsReader::read(m_arguments, environment, false);
    if (!result.settings) {
        setProblem(tr("The settings are incomplete or invalid: %1. Fix them on the "
                      "Configuration tab.")
                           .arg(result.error));
        return std::nullopt;
    }
    return result.settings;
}

void DesktopAgent::start()
{
    std::optional<AgentSettings> settings = resolveSettings();
    if (!settings) {
        setState(RunState::Failed);
        return;
    }
    if (!settings->tokenSource.isEmpty()) {
        startWithToken(*settings);
        return;
    }
    if (m_keychainToken) {
        settings->token = *m_keychainToken;
        settings->tokenSource = QStringLiteral("the keychain");
        startWithToken(*settings);
        return;
    }
    m_pendingSettings = settings;
    setState(RunState::WaitingForToken);
    qCInfo(lcDesktop) << "no token given by flag or environment; reading it from the keychain";
    m_credentials->read();
}

void DesktopAgent::handleTokenRead(const CredentialResult &result)
{
    if (m_state != RunState::WaitingForToken || !m_pendingSettings) {
        return;
    }
    AgentSettings settings = *std::exchange(m_pendingSettings, std::nullopt);
    if (result.status == CredentialResult::Status::NotFound) {
        setProblem(tr("No pool token is set. Enter it or import the token file on the "
                      "Configuration tab, or start vcs-agent with --token-file FILE or "
                      "SPACELIFT_VCS_AGENT_POOL_TOKEN."));
        setState(RunState::Failed);
        return;
    }
    if (!result.isOk()) {
        qCWarning(lcDesktop).noquote() << "could not read the pool token from the keychain:"
                                       << result.message;
        setProblem(result.message);
        setState(RunState::Failed);
        return;
    }
    QString error;
    const std::optional<PoolToken> token = PoolToken::decode(result.secret, &error);
    if (!token) {
        setProblem(tr("The pool token in the keychain is invalid (%1). Enter it again on the "
                      "Configuration tab.")
                           .arg(error));
        setState(RunState::Failed);
        return;
    }
    m_keychainToken = token;
    settings.token = *token;
    settings.tokenSource = QStringLiteral("the keychain");
    startWithToken(settings);
}

void DesktopAgent::startWithToken(AgentSettings settings)
{
    if (settings.token.gatewayUrl.scheme() == QStringLiteral("ws") && !settings.dialInsecure) {
        setProblem(tr("The pool token's gateway URL uses plain ws://. Use a wss:// gateway, or "
                      "turn on \"Allow an unencrypted gateway\" on the Configuration tab."));
        setState(RunState::Failed);
        return;
    }
    QString error;
    if (!m_service->start(settings, &error)) {
        setProblem(tr("The agent could not start: %1").arg(error));
        setState(RunState::Failed);
        return;
    }
    m_tokenSource = settings.tokenSource;
    qCInfo(lcDesktop).noquote() << "pool token from" << settings.tokenSource;
    m_lastSettings = settings;
    setProblem({});
    setState(RunState::Running);
    publishStatuses();
}

void DesktopAgent::apply(const StoredAgentConfig &config, const QString &token)
{
    m_settings->setAgentConfig(config);
    if (token.isEmpty()) {
        start();
        return;
    }
    m_pendingToken = token;
    m_credentials->write(token);
}

void DesktopAgent::handleTokenWritten(const CredentialResult &result)
{
    const QString token = std::exchange(m_pendingToken, QString());
    if (token.isEmpty()) {
        Q_EMIT tokenStored(result);
        return;
    }
    QString error;
    const std::optional<PoolToken> decoded = PoolToken::decode(token, &error);
    if (decoded) {
        // The entered token is used for this run also when the keychain could not store it;
        // the window tells that it will not be remembered.
        m_keychainToken = decoded;
    }
    if (result.isOk()) {
        qCInfo(lcDesktop) << "pool token stored in the keychain";
    } else {
        qCWarning(lcDesktop).noquote() << "could not store the pool token in the keychain:"
                                       << result.message;
    }
    Q_EMIT tokenStored(result);
    start();
    if (!result.isOk() && m_state == RunState::Running) {
        setProblem(tr("The pool token is used until vcs-agent exits but was not stored: %1")
                           .arg(result.message));
    }
}

void DesktopAgent::pause()
{
    if (m_state != RunState::Running || !m_lastSettings) {
        return;
    }
    m_service->drain(m_lastSettings->drainTimeoutMs);
    setState(RunState::Paused);
    publishStatuses();
}

void DesktopAgent::resume()
{
    if (m_state == RunState::Paused || m_state == RunState::Stopped) {
        start();
    }
}

void DesktopAgent::quit()
{
    m_quitting = true;
    if (!m_service->isRunning() && m_service->requestsInFlight() == 0) {
        QMetaObject::invokeMethod(this, &DesktopAgent::quitReady, Qt::QueuedConnection);
        return;
    }
    m_service->drain(m_lastSettings ? m_lastSettings->drainTimeoutMs : 0);
}

QList<StreamStatus> DesktopAgent::statuses() const
{
    return m_service->statuses();
}

QList<QPair<QString, QString>> DesktopAgent::tags() const
{
    return m_lastSettings ? m_lastSettings->tags : QList<QPair<QString, QString>>{};
}

QStringList DesktopAgent::overriddenSettings() const
{
    return DesktopConfig::overriddenSettings(m_arguments, m_environment);
}

int DesktopAgent::connectedCount() const
{
    return m_service->connectedCount();
}

int DesktopAgent::streamCount() const
{
    return m_service->streamCount();
}

void DesktopAgent::handleStatusChanged()
{
    if (!m_statusTimer.isActive()) {
        m_statusTimer.start();
    }
}

void DesktopAgent::publishStatuses()
{
    const int connected = m_service->connectedCount();
    if (m_lastConnected > 0 && connected == 0 && m_state == RunState::Running) {
        qCWarning(lcDesktop) << "every stream lost its gateway connection";
        Q_EMIT gatewayLost();
    }
    m_lastConnected = connected;
    Q_EMIT statusesChanged();
}

void DesktopAgent::setState(RunState state)
{
    if (m_state == state) {
        return;
    }
    m_state = state;
    Q_EMIT stateChanged(state);
}

void DesktopAgent::setProblem(const QString &problem)
{
    if (m_problem == problem) {
        return;
    }
    m_problem = problem;
    Q_EMIT problemChanged(problem);
}
