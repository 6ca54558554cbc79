#pragma once

#include "agent/agentsettings.h"
#include "agent/streamstatus.h"
#include "credentialstore.h"
#include "desktopsettings.h"

#include <QObject>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>
#include <optional>

class AccessLog;
class AgentService;

// The desktop agent's controller: resolves settings from flags, environment and the INI file,
// fetches the pool token from the keychain when no flag or variable gives it, and runs the same
// AgentService as `--no-gui` in this process. Widgets talk to it through signals only.
class DesktopAgent final : public QObject
{
    Q_OBJECT

public:
    enum class RunState { Stopped, WaitingForToken, Running, Paused, Failed };

    static constexpr int statusIntervalMs = 1000;

    // `arguments` and `environment` are the process's; `settings` must outlive the agent.
    DesktopAgent(const QStringList &arguments, const QProcessEnvironment &environment,
                 DesktopSettings *settings, CredentialStore *credentials,
                 QObject *parent = nullptr);
    ~DesktopAgent() override;

    // Resolves the settings and starts the streams; waits for the keychain first when needed.
    void start();
    // Stops taking requests; requests in flight finish.
    void pause();
    void resume();
    // Drains with the configured timeout and emits quitReady() when done.
    void quit();

    // Saves `config`, stores `token` in the keychain when it is set, and restarts the streams
    // with the new settings; requests in flight on the old streams finish first.
    void apply(const StoredAgentConfig &config, const QString &token);

    RunState state() const { return m_state; }
    // The last problem for people (settings, keychain, gateway), empty when there is none.
    QString problem() const { return m_problem; }
    // Where the running token came from, for the status line; never the token.
    QString tokenSource() const { return m_tokenSource; }
    QList<StreamStatus> statuses() const;
    QList<QPair<QString, QString>> tags() const;
    // Flags and variables that override the stored settings.
    QStringList overriddenSettings() const;
    int connectedCount() const;
    int streamCount() const;
    qint64 deniedCount() const { return m_deniedCount; }
    qint64 requestCount() const { return m_requestCount; }

    AccessLog *accessLog() const { return m_accessLog; }
    AgentService *service() const { return m_service; }
    DesktopSettings *settings() const { return m_settings; }

Q_SIGNALS:
    void stateChanged(DesktopAgent::RunState state);
    void problemChanged(const QString &problem);
    // The stream statuses changed; emitted at most once per statusIntervalMs.
    void statusesChanged();
    // The last stream lost its gateway connection.
    void gatewayLost();
    void requestDenied(const AccessRecord &record);
    void tokenStored(const CredentialResult &result);
    void quitReady();

private:
    std::optional<AgentSettings> resolveSettings();
    void startWithToken(AgentSettings settings);
    void handleTokenRead(const CredentialResult &result);
    void handleTokenWritten(const CredentialResult &result);
    void handleStatusChanged();
    void publishStatuses();
    void setState(RunState state);
    void setProblem(const QString &problem);

    QStringList m_arguments;
    QProcessEnvironment m_environment;
    DesktopSettings *m_settings;
    CredentialStore *m_credentials;
    AccessLog *m_accessLog;
    AgentService *m_service;
    RunState m_state = RunState::Stopped;
    QString m_problem;
    QString m_tokenSource;
    std::optional<PoolToken> m_keychainToken;
    QString m_pendingToken; // entered on Apply, waiting for the keychain write
    std::optional<AgentSettings> m_pendingSettings;
    std::optional<AgentSettings> m_lastSettings;
    QTimer m_statusTimer;
    int m_lastConnected = 0;
    qint64 m_deniedCount = 0;
    qint64 m_requestCount = 0;
    bool m_quitting = false;
};
