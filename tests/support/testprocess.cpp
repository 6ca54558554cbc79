#include "testprocess.h"

#include "testenvironment.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>
#include <QThread>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

namespace {

QByteArray readWholeFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return QByteArray();
    }
    return file.readAll();
}

QString lastLines(const QByteArray &text, int lines)
{
    QList<QByteArray> all = text.split('\n');
    if (all.size() > lines) {
        all = all.mid(all.size() - lines);
    }
    return QString::fromUtf8(all.join('\n'));
}

} // namespace

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (condition()) {
            return true;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(20);
    }
    return condition();
}

TestProcess::TestProcess(const QString &logPrefix)
    : m_stdoutPath(logPrefix + QStringLiteral(".stdout"))
    , m_stderrPath(logPrefix + QStringLiteral(".stderr"))
{
}

TestProcess::~TestProcess()
{
    kill();
}

bool TestProcess::start(const QString &program, const QStringList &arguments,
                        const QProcessEnvironment &environment)
{
    kill();
    m_process.setProcessEnvironment(environment);
    m_process.setStandardInputFile(QProcess::nullDevice());
    m_process.setStandardOutputFile(m_stdoutPath, QIODevice::Truncate);
    m_process.setStandardErrorFile(m_stderrPath, QIODevice::Truncate);
    TestEnvironment::killChildWithTest(m_process);
    m_process.start(program, arguments);
    return m_process.waitForStarted(10000);
}

bool TestProcess::isRunning()
{
    m_process.waitForFinished(0);
    return m_process.state() != QProcess::NotRunning;
}

void TestProcess::terminate()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
    }
}

void TestProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning) {
        return;
    }
    m_process.kill();
    m_process.waitForFinished(10000);
}

bool TestProcess::waitForExit(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning) {
        return true;
    }
    return m_process.waitForFinished(timeoutMs);
}

int TestProcess::exitCode()
{
    if (isRunning() || m_process.exitStatus() != QProcess::NormalExit) {
        return -1;
    }
    return m_process.exitCode();
}

QByteArray TestProcess::standardOutput() const
{
    return readWholeFile(m_stdoutPath);
}

QByteArray TestProcess::standardError() const
{
    return readWholeFile(m_stderrPath);
}

QRegularExpressionMatch TestProcess::waitForOutput(const QRegularExpression &pattern,
                                                   QProcess::ProcessChannel channel,
                                                   int timeoutMs)
{
    QRegularExpressionMatch match;
    const auto matched = [&] {
        const QByteArray output = channel == QProcess::StandardOutput ? standardOutput()
                                                                      : standardError();
        match = pattern.match(QString::fromUtf8(output));
        return match.hasMatch();
    };
    waitUntil([&] { return matched() || !isRunning(); }, timeoutMs);
    // The process may have written the line just before it exited.
    matched();
    return match;
}

int TestProcess::countOutput(const QRegularExpression &pattern,
                             QProcess::ProcessChannel channel) const
{
    const QByteArray output = channel == QProcess::StandardOutput ? standardOutput()
                                                                  : standardError();
    int count = 0;
    auto iterator = pattern.globalMatch(QString::fromUtf8(output));
    while (iterator.hasNext()) {
        iterator.next();
        ++count;
    }
    return count;
}

QString TestProcess::logTail(int lines) const
{
    return QStringLiteral("--- %1 stdout ---\n%2\n--- %1 stderr ---\n%3")
            .arg(m_process.program(), lastLines(standardOutput(), lines),
                 lastLines(standardError(), lines));
}

ProcessResult TestProcess::run(const QString &program, const QStringList &arguments,
                               const QProcessEnvironment &environment, int timeoutMs,
                               const QByteArray &stdinData, const QString &workingDirectory)
{
    ProcessResult result;
    QProcess process;
    process.setProcessEnvironment(environment);
    if (!workingDirectory.isEmpty()) {
        process.setWorkingDirectory(workingDirectory);
    }
    process.start(program, arguments);
    if (!process.waitForStarted(10000)) {
        result.standardError = process.errorString().toUtf8();
        return result;
    }
    if (!stdinData.isEmpty()) {
        process.write(stdinData);
    }
    process.closeWriteChannel();
    // Reading while waiting keeps a child with much output from blocking on a full pipe.
    QDeadlineTimer deadline(timeoutMs);
    while (process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        process.waitForFinished(50);
        result.standardOutput += process.readAllStandardOutput();
        result.standardError += process.readAllStandardError();
    }
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(10000);
        return result;
    }
    result.standardOutput += process.readAllStandardOutput();
    result.standardError += process.readAllStandardError();
    result.finished = process.exitStatus() == QProcess::NormalExit;
    result.exitCode = result.finished ? process.exitCode() : -1;
    return result;
}
