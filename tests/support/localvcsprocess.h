#pragma once

#include "testprocess.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <memory>

// localvcs (tests/support/localvcs/localvcs.py) run as a child process on 127.0.0.1 with a free
// port: a real git server with a GitLab-shaped API that records every request it receives.
class LocalVcsProcess final
{
public:
    // `workDir` is a folder the caller owns; the repositories go to workDir/root and the logs to
    // workDir/localvcs.stdout and .stderr.
    explicit LocalVcsProcess(const QString &workDir);

    // Starts localvcs with `repositoryArguments` (such as `--repo`, `acme/platform/app=SOURCE`,
    // `--make-repo`, `acme/app`) and waits up to `timeoutMs` for its ready line.
    // Returns false and sets `error` when it does not come up.
    bool start(const QStringList &repositoryArguments, QString *error, int timeoutMs = 60000);
    void stop();

    quint16 port() const { return m_port; }
    QString baseUrl() const;

    // The request records (GET /__vcs/requests), oldest first, only those with an id larger than
    // `sinceId`, without the records of these reads of /__vcs/requests and /__vcs/repos.
    // Returns an empty array when the request fails.
    QJsonArray requests(qint64 sinceId = 0) const;
    // The id of the newest record, 0 when there is none.
    qint64 lastRequestId() const;
    // The repositories (GET /__vcs/repos) with their ids, default branches and head commits.
    QJsonArray repositories() const;

    TestProcess &process() { return *m_process; }

private:
    QString m_workDir;
    std::unique_ptr<TestProcess> m_process;
    quint16 m_port = 0;
};
