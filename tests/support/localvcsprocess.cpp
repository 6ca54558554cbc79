#include "localvcsprocess.h"

#include "rawhttpclient.h"
#include "testenvironment.h"

#include <QDir>
#include <QRegularExpression>

namespace {

// The harness's own reads of the recording, which the recording contains too.
bool isHarnessTarget(const QString &target)
{
    return target.startsWith(QStringLiteral("/__vcs/requests"))
            || target.startsWith(QStringLiteral("/__vcs/repos"));
}

} // namespace

LocalVcsProcess::LocalVcsProcess(const QString &workDir)
    : m_workDir(workDir)
    , m_process(std::make_unique<TestProcess>(QDir(workDir).filePath(QStringLiteral("localvcs"))))
{
}

bool LocalVcsProcess::start(const QStringList &repositoryArguments, QString *error, int timeoutMs)
{
    const QString script = QDir(TestEnvironment::sourceDir())
                                   .filePath(QStringLiteral("tests/support/localvcs/localvcs.py"));
    QStringList arguments { script, QStringLiteral("--root"),
                            QDir(m_workDir).filePath(QStringLiteral("root")),
                            QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") };
    arguments += repositoryArguments;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    if (!m_process->start(QStringLiteral("python3"), arguments, environment)) {
        *error = QStringLiteral("python3 cannot be started: %1").arg(m_process->errorString());
        return false;
    }
    const QRegularExpression ready(
            QStringLiteral("^localvcs listening on http://127\\.0\\.0\\.1:(\\d+)$"),
            QRegularExpression::MultilineOption);
    const auto match = m_process->waitForOutput(ready, QProcess::StandardOutput, timeoutMs);
    if (!match.hasMatch()) {
        *error = QStringLiteral("localvcs did not print its listening line within %1 ms\n%2")
                         .arg(QString::number(timeoutMs), m_process->logTail());
        m_process->kill();
        return false;
    }
    m_port = quint16(match.captured(1).toUInt());
    return true;
}

void LocalVcsProcess::stop()
{
    m_process->terminate();
    if (!m_process->waitForExit(5000)) {
        m_process->kill();
    }
}

QString LocalVcsProcess::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QJsonArray LocalVcsProcess::requests(qint64 sinceId) const
{
    const QByteArray target = "/__vcs/requests" + (sinceId > 0 ? "?since=" + QByteArray::number(sinceId)
                                                               : QByteArray());
    const RawHttpResponse response = RawHttpClient::send(
            m_port, RawHttpClient::buildRequest("GET", target), 30000);
    if (!response.complete || response.status != 200) {
        return QJsonArray();
    }
    QJsonArray records;
    const QJsonArray all = response.json().array();
    for (const QJsonValue &value : all) {
        const QString recordTarget = value.toObject().value(QStringLiteral("target")).toString();
        if (!isHarnessTarget(recordTarget)) {
            records.append(value);
        }
    }
    return records;
}

qint64 LocalVcsProcess::lastRequestId() const
{
    const QJsonArray records = requests();
    return records.isEmpty() ? 0 : records.last().toObject().value(QStringLiteral("id")).toInteger();
}

QJsonArray LocalVcsProcess::repositories() const
{
    const RawHttpResponse response = RawHttpClient::send(
            m_port, RawHttpClient::buildRequest("GET", "/__vcs/repos"), 30000);
    return response.json().array();
}
