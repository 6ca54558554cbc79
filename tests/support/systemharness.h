#pragma once

#include "localvcsprocess.h"
#include "rawhttpclient.h"
#include "testprocess.h"

#include <QJsonObject>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>
#include <optional>
#include <vector>

// A whole tunnel on 127.0.0.1 for system tests: localvcs as the upstream VCS, one vcs-gateway
// with its pool database and API key, and any number of vcs-agent processes. Every child runs
// from the build folder (VCS_BUILD_DIR), logs to files in a temporary folder and is killed when
// the harness is destroyed. No proxy variables reach the children, so nothing leaves loopback.
//
// Typical use:
//
//     SystemHarness harness;
//     QVERIFY2(harness.startLocalVcs(), qPrintable(harness.lastError()));
//     QVERIFY2(harness.startGateway(), qPrintable(harness.lastError()));
//     const auto token = harness.createPool(QStringLiteral("demo"));
//     QVERIFY2(token, qPrintable(harness.lastError()));
//     TestProcess *agent = harness.startAgent(*token);
//     QVERIFY2(harness.waitForStreams(agent, 4), qPrintable(harness.logTail()));
//     const RawHttpResponse response = harness.relay("GET", "/api/v4/user");
//
// Set VCS_TEST_KEEP_DIR=1 to keep the temporary folder (its path is printed) for inspection.
class SystemHarness final
{
public:
    SystemHarness();
    ~SystemHarness();

    SystemHarness(const SystemHarness &) = delete;
    SystemHarness &operator=(const SystemHarness &) = delete;

    // The temporary folder that contains the logs, the pool database and localvcs's repositories.
    QString workDir() const { return m_dir.path(); }
    // Why the last start, pool command or agent start failed, with the log tails.
    QString lastError() const { return m_lastError; }

    // --- localvcs ---

    // Starts localvcs with `repositoryArguments`. The default serves a bare clone of the project
    // checkout as acme/platform/app (GitLab project id 1) and a synthetic acme/app (id 2).
    bool startLocalVcs(const QStringList &repositoryArguments = defaultRepositories());
    static QStringList defaultRepositories();
    LocalVcsProcess &localVcs() { return *m_localVcs; }

    // --- gateway ---

    // The API key the gateway is started with (VCS_GATEWAY_API_KEY).
    QByteArray apiKey() const { return m_apiKey; }
    // Starts `vcs-gateway serve`. The first start listens on port 0 for both listeners and reads
    // the chosen ports from its "listening" log line; later starts reuse those ports, so agents
    // reconnect to the same URL. `extraArguments` go after the default short ping settings.
    // With --tls-cert and --tls-key both listeners use TLS; relay() and createPool() then do not
    // fit, because they assume plain HTTP and ws://.
    bool startGateway(const QStringList &extraArguments = {});
    // Kills the gateway with SIGKILL and waits for it to be gone.
    void killGateway();
    TestProcess *gateway() { return m_gateway.get(); }
    quint16 agentPort() const { return m_agentPort; }
    quint16 apiPort() const { return m_apiPort; }

    // Runs `vcs-gateway pool ARGUMENTS` against the harness's database.
    ProcessResult poolCommand(const QStringList &arguments) const;
    // Creates a pool whose token points at the gateway's agent port (start the gateway first)
    // and returns the token, or nothing (see lastError()).
    std::optional<QString> createPool(const QString &name);
    // Rotates the pool's key and returns the new token, or nothing.
    std::optional<QString> rotatePool(const QString &name);

    // --- agents ---

    // The environment of an agent: the token, localvcs as target, vendor gitlab, plain ws://
    // allowed, JSON access log, 4 streams, short ping and reconnect settings, and no proxy
    // variables. Tests change it before passing it to startAgentWithEnvironment().
    QProcessEnvironment agentEnvironment(const QString &token) const;
    // Starts `vcs-agent --no-gui ARGUMENTS` with agentEnvironment(token). The harness owns it.
    TestProcess *startAgent(const QString &token, const QStringList &extraArguments = {});
    TestProcess *startAgentWithEnvironment(const QProcessEnvironment &environment,
                                           const QStringList &arguments);
    // Waits until `agent` has logged at least `count` "stream N: connected" lines in total.
    bool waitForStreams(TestProcess *agent, int count, int timeoutMs = 20000);
    // Runs `vcs-agent ARGUMENTS` to completion with `environment` (for --help, check and bad
    // settings).
    static ProcessResult runAgent(const QStringList &arguments,
                                  const QProcessEnvironment &environment, int timeoutMs = 20000);
    // The access-log records that `agent` wrote to standard output with --log-format json.
    static QList<QJsonObject> accessRecords(TestProcess *agent);

    // --- requests through the gateway's API ---

    // Sends `method` to /pools/POOL`target` on the gateway's API with the API key, then
    // `headers`, and `body`. `target` is sent byte for byte.
    RawHttpResponse relay(const QByteArray &method, const QByteArray &target,
                          const HttpHeaderList &headers = {}, const QByteArray &body = {},
                          int timeoutMs = 30000) const;
    // The bytes relay() would send.
    QByteArray relayRequest(const QByteArray &method, const QByteArray &target,
                            const HttpHeaderList &headers = {},
                            const QByteArray &body = {}) const;
    // The pool relay() addresses: the last pool createPool() created.
    QString poolName() const { return m_poolName; }
    // The URL of a repository behind the gateway, for git: http://127.0.0.1:API/pools/POOL/PATH.
    QString relayUrl(const QString &path) const;

    // An environment for git and other clients: no proxies, no user or system configuration.
    QProcessEnvironment clientEnvironment() const;

    // The last lines of every child's output, for a failure message.
    QString logTail(int lines = 30) const;

private:
    QString logPrefix(const QString &name) const;

    QTemporaryDir m_dir;
    QByteArray m_apiKey;
    QString m_lastError;
    QString m_poolName;
    std::unique_ptr<LocalVcsProcess> m_localVcs;
    std::unique_ptr<TestProcess> m_gateway;
    int m_gatewayStarts = 0;
    quint16 m_agentPort = 0;
    quint16 m_apiPort = 0;
    std::vector<std::unique_ptr<TestProcess>> m_agents;
};

// SHA-256 of localvcs's generated stream of `size` bytes for `seed` (see its README).
QByteArray generatedStreamSha256(const QByteArray &seed, qint64 size);
// The generated stream itself, for sizes that fit in memory.
QByteArray generatedStream(const QByteArray &seed, qint64 size);
