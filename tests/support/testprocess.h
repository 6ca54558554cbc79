#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpressionMatch>
#include <QString>
#include <QStringList>
#include <functional>

// Waits until `condition` returns true, processing events in between. Returns false when
// `timeoutMs` milliseconds pass first; the condition is checked once more at the deadline.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs);

// The outcome of a process run to completion by TestProcess::run().
struct ProcessResult
{
    bool finished = false; // false when it failed to start or timed out (it is then killed)
    int exitCode = -1;
    QByteArray standardOutput;
    QByteArray standardError;
};

// A child process for system tests. Its standard output and error go to files in a folder the
// caller owns, so a chatty child never blocks on a full pipe, whatever the test is doing, and
// the logs stay readable after it exits. The destructor kills the process and waits for it.
class TestProcess final
{
public:
    // `logPrefix` is a path without extension; output goes to PREFIX.stdout and PREFIX.stderr.
    explicit TestProcess(const QString &logPrefix);
    ~TestProcess();

    TestProcess(const TestProcess &) = delete;
    TestProcess &operator=(const TestProcess &) = delete;

    // Starts `program`. Output files are truncated. Returns false (see errorString()) when the
    // program cannot be started.
    bool start(const QString &program, const QStringList &arguments,
               const QProcessEnvironment &environment);

    bool isRunning();
    qint64 processId() const { return m_process.processId(); }

    // Sends SIGTERM (Unix) and returns at once.
    void terminate();
    // Sends SIGKILL and waits for the process to be gone.
    void kill();
    // Waits up to `timeoutMs` for the process to exit. Returns false on timeout.
    bool waitForExit(int timeoutMs);
    // Exit code after a normal exit, -1 after a crash or while running.
    int exitCode();

    QByteArray standardOutput() const;
    QByteArray standardError() const;

    // Waits until the regular expression matches the output of `channel` (from the start of the
    // output). Returns the match; an invalid match when `timeoutMs` passes or the process exits
    // without matching.
    QRegularExpressionMatch waitForOutput(const QRegularExpression &pattern,
                                          QProcess::ProcessChannel channel, int timeoutMs);
    // Counts the matches of `pattern` in the output of `channel` so far.
    int countOutput(const QRegularExpression &pattern, QProcess::ProcessChannel channel) const;

    QString errorString() const { return m_process.errorString(); }
    QString program() const { return m_process.program(); }
    // The last `lines` lines of both outputs, for a failure message.
    QString logTail(int lines = 30) const;

    // Runs `program` to completion with `stdinData` as standard input, killing it after
    // `timeoutMs`. Output is captured in memory.
    static ProcessResult run(const QString &program, const QStringList &arguments,
                             const QProcessEnvironment &environment, int timeoutMs,
                             const QByteArray &stdinData = QByteArray(),
                             const QString &workingDirectory = QString());

private:
    QProcess m_process;
    QString m_stdoutPath;
    QString m_stderrPath;
};
