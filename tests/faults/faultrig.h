#pragma once

#include <QByteArray>
#include <QHash>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

// A child process whose standard output and error are collected into one buffer, so a test can
// wait for a log line and search every byte the process wrote.
class LoggedProcess final : public QObject
{
    Q_OBJECT

public:
    explicit LoggedProcess(QObject *parent = nullptr);
    ~LoggedProcess() override;

    bool start(const QString &program, const QStringList &arguments,
               const QProcessEnvironment &environment);
    // Waits until the collected output contains `text` at or after byte `from`. Returns the
    // offset just past the match, or -1 after `timeoutMs`.
    qsizetype waitForOutput(const QByteArray &text, int timeoutMs, qsizetype from = 0);
    // Waits for the process to exit and returns its exit code, or -1 after `timeoutMs`.
    int waitForExit(int timeoutMs);
    // Sends a POSIX signal (SIGTERM, SIGKILL, SIGSTOP, SIGCONT) to the process.
    void sendSignal(int signalNumber);
    bool isRunning() const;
    QByteArray output() const { return m_output; }
    qint64 processId() const;

private:
    QProcess m_process;
    QByteArray m_output;
};

// The processes of one tunnel on 127.0.0.1: a local VCS (localvcs.py), a gateway with its pool
// database, and any number of agents. Everything lives in a temporary folder and is killed in
// the destructor.
class FaultRig final : public QObject
{
    Q_OBJECT

public:
    explicit FaultRig(QObject *parent = nullptr);
    ~FaultRig() override;

    // Starts localvcs with the repository acme/app. Returns false and sets `error` on failure.
    bool startLocalVcs(QString *error);
    QString vcsUrl() const { return m_vcsUrl; }

    // Picks the two gateway ports once, so a restarted gateway listens where agents dial.
    // Creates the pool `name` and returns its token, or an empty string on failure.
    QString createPool(const QString &name, QString *error);
    bool deletePool(const QString &name, QString *error);
    QString rotatePool(const QString &name, QString *error);

    // Starts `vcs-gateway serve` on the chosen ports and waits until it listens.
    LoggedProcess *startGateway(const QStringList &extraArguments, QString *error);
    LoggedProcess *gateway() const { return m_gateway.get(); }
    void discardGateway();
    quint16 agentPort() const { return m_agentPort; }
    quint16 apiPort() const { return m_apiPort; }
    QByteArray apiKey() const { return m_apiKey; }
    QString gatewayWsUrl() const;

    // Starts a headless agent for `token` against the local VCS with extra flags and variables.
    // The agent is owned by the rig.
    LoggedProcess *startAgent(const QString &token, const QStringList &extraArguments,
                              const QHash<QString, QString> &extraEnvironment = {});

    QProcessEnvironment gatewayEnvironment() const;
    QString path(const QString &name) const { return m_dir.filePath(name); }

private:
    QString runGatewayCommand(const QStringList &arguments, QString *error);

    QTemporaryDir m_dir;
    QByteArray m_apiKey;
    quint16 m_agentPort = 0;
    quint16 m_apiPort = 0;
    QString m_vcsUrl;
    std::unique_ptr<LoggedProcess> m_localVcs;
    std::unique_ptr<LoggedProcess> m_gateway;
    std::vector<std::unique_ptr<LoggedProcess>> m_agents;
};

// The outcome of one HTTP request sent by the test, as the platform would send it.
struct PlatformResponse
{
    int status = 0;           // 0 when no status line arrived
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    bool complete = false;    // the whole framed body arrived
    QString error;            // transport error, empty on success
};

// Sends one HTTP/1.1 request over a new connection to 127.0.0.1:`port` and reads the answer
// with its Content-Length or chunked framing. Connection: close is sent, so the response ends
// the connection.
PlatformResponse sendPlatformRequest(quint16 port, const QByteArray &method,
                                     const QByteArray &target, const QByteArray &apiKey,
                                     const QList<QPair<QByteArray, QByteArray>> &headers = {},
                                     const QByteArray &body = {}, int timeoutMs = 30000);
