#include "credentialstore.h"

#include "uilogging.h"

#include <QCoreApplication>
#include <qt6keychain/keychain.h>

namespace {

const QString chunkHeaderPrefix = QStringLiteral("vcs-agent-chunks:");

} // namespace

CredentialStore::CredentialStore(const QString &service, const QString &key, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_key(key)
{
    qRegisterMetaType<CredentialResult>();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &CredentialStore::handleTimeout);
}

CredentialStore::~CredentialStore()
{
    // Jobs still running finish on their own and delete themselves; their results are dropped.
    ++m_generation;
}

void CredentialStore::setTimeout(int milliseconds)
{
    m_timeoutMs = milliseconds;
}

void CredentialStore::setMaxChunkLength(int characters)
{
    m_maxChunkLength = qMax(2, characters);
}

void CredentialStore::setMaxChunks(int count)
{
    m_maxChunks = qMax(1, count);
}

QStringList CredentialStore::splitIntoChunks(const QString &secret, int maxChunkLength)
{
    QStringList chunks;
    qsizetype position = 0;
    while (position < secret.size()) {
        qsizetype length = qMin<qsizetype>(maxChunkLength, secret.size() - position);
        // A chunk must not end between a high and a low surrogate.
        if (position + length < secret.size() && secret.at(position + length - 1).isHighSurrogate()
            && length > 1) {
            --length;
        }
        chunks.append(secret.mid(position, length));
        position += length;
    }
    return chunks;
}

QString CredentialStore::chunkHeader(int count)
{
    return chunkHeaderPrefix + QString::number(count);
}

std::optional<int> CredentialStore::parseChunkHeader(const QString &value)
{
    if (!value.startsWith(chunkHeaderPrefix)) {
        return std::nullopt;
    }
    bool ok = false;
    const int count = value.mid(chunkHeaderPrefix.size()).toInt(&ok);
    if (!ok || count < 1) {
        return std::nullopt;
    }
    return count;
}

QString CredentialStore::keychainHint()
{
#if defined(Q_OS_WIN)
    return tr("Sign in to Windows with your user account so that the Credential Manager is "
              "available.");
#elif defined(Q_OS_MACOS)
    return tr("Unlock the login keychain in Keychain Access.");
#else
    return tr("Start a Secret Service provider such as GNOME Keyring or KWallet in your desktop "
              "session and unlock it (for example: "
              "gnome-keyring-daemon --start --components=secrets), or give the token with "
              "--token-file or SPACELIFT_VCS_AGENT_POOL_TOKEN.");
#endif
}

void CredentialStore::read()
{
    enqueue([this] {
        m_currentFinisher = [this](const CredentialResult &result) { emitRead(result); };
        readEntry(m_key, [this](QKeychain::Job *job, const QString &value) {
            if (job->error() != QKeychain::NoError) {
                emitRead(resultFromJob(job));
                return;
            }
            const std::optional<int> count = parseChunkHeader(value);
            if (!count) {
                emitRead({ CredentialResult::Status::Ok, value, {} });
                return;
            }
            readChunks(1, *count, QString());
        });
    });
}

void CredentialStore::readChunks(int index, int count, QString collected)
{
    if (index > count) {
        emitRead({ CredentialResult::Status::Ok, collected, {} });
        return;
    }
    readEntry(chunkKey(index), [this, index, count, collected](QKeychain::Job *job,
                                                               const QString &value) {
        if (job->error() != QKeychain::NoError) {
            CredentialResult result = resultFromJob(job);
            if (result.status == CredentialResult::Status::NotFound) {
                result.status = CredentialResult::Status::Failed;
                result.message = tr("Part %1 of %2 of the stored pool token is missing from the "
                                    "keychain. Enter the token again on the Configuration tab.")
                                         .arg(QString::number(index), QString::number(count));
            }
            emitRead(result);
            return;
        }
        readChunks(index + 1, count, collected + value);
    });
}

void CredentialStore::write(const QString &secret)
{
    enqueue([this, secret] {
        m_currentFinisher = [this](const CredentialResult &result) { emitWrite(result); };
        if (secret.isEmpty()) {
            emitWrite({ CredentialResult::Status::Failed, {}, tr("The pool token is empty.") });
            return;
        }
        if (secret.size() > maxSecretLength()) {
            emitWrite({ CredentialResult::Status::TooLong, {},
                        tr("The pool token has %1 characters; the keychain entry holds at most "
                           "%2 characters (%3 parts of %4). The token was not stored.")
                                .arg(QString::number(secret.size()),
                                     QString::number(maxSecretLength()),
                                     QString::number(m_maxChunks),
                                     QString::number(m_maxChunkLength)) });
            return;
        }

        // The old entry tells how many chunk entries may be left over from a longer secret.
        readEntry(m_key, [this, secret](QKeychain::Job *job, const QString &oldValue) {
            const CredentialResult readResult = resultFromJob(job);
            if (readResult.status == CredentialResult::Status::NoBackend) {
                emitWrite(readResult);
                return;
            }
            const int oldCount = parseChunkHeader(oldValue).value_or(0);
            const QStringList chunks = splitIntoChunks(secret, m_maxChunkLength);
            auto writeMain = [this, secret, chunks, oldCount] {
                const QString mainValue =
                        chunks.size() > 1 ? chunkHeader(int(chunks.size())) : secret;
                writeEntry(m_key, mainValue, [this, chunks, oldCount](QKeychain::Job *job) {
                    if (job->error() != QKeychain::NoError) {
                        emitWrite(resultFromJob(job));
                        return;
                    }
                    const int firstStale = chunks.size() > 1 ? int(chunks.size()) + 1 : 1;
                    deleteChunks(firstStale, oldCount, [this] {
                        emitWrite({ CredentialResult::Status::Ok, {}, {} });
                    });
                });
            };
            if (chunks.size() == 1) {
                writeMain();
                return;
            }
            auto writeChunk = std::make_shared<std::function<void(int)>>();
            *writeChunk = [this, chunks, writeMain, writeChunk](int index) {
                if (index > chunks.size()) {
                    writeMain();
                    return;
                }
                writeEntry(chunkKey(index), chunks.at(index - 1),
                           [this, index, writeChunk](QKeychain::Job *job) {
                               if (job->error() != QKeychain::NoError) {
                                   emitWrite(resultFromJob(job));
                                   return;
                               }
                               (*writeChunk)(index + 1);
                           });
            };
            (*writeChunk)(1);
        });
    });
}

void CredentialStore::remove()
{
    enqueue([this] {
        m_currentFinisher = [this](const CredentialResult &result) { emitRemove(result); };
        readEntry(m_key, [this](QKeychain::Job *job, const QString &value) {
            const CredentialResult readResult = resultFromJob(job);
            if (readResult.status == CredentialResult::Status::NotFound) {
                emitRemove({ CredentialResult::Status::Ok, {}, {} });
                return;
            }
            if (!readResult.isOk()) {
                emitRemove(readResult);
                return;
            }
            const int count = parseChunkHeader(value).value_or(0);
            deleteChunks(1, count, [this] {
                deleteEntry(m_key, [this](QKeychain::Job *job) {
                    CredentialResult result = resultFromJob(job);
                    if (result.status == CredentialResult::Status::NotFound) {
                        result = { CredentialResult::Status::Ok, {}, {} };
                    }
                    emitRemove(result);
                });
            });
        });
    });
}

void CredentialStore::deleteChunks(int from, int to, std::function<void()> done)
{
    if (from > to) {
        done();
        return;
    }
    deleteEntry(chunkKey(from), [this, from, to, done](QKeychain::Job *job) {
        if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) {
            qCWarning(lcKeychain) << "could not delete keychain entry" << chunkKey(from) << ":"
                                  << job->errorString();
        }
        deleteChunks(from + 1, to, done);
    });
}

void CredentialStore::enqueue(std::function<void()> operation)
{
    m_queue.push_back(std::move(operation));
    if (!m_busy) {
        startNext();
    }
}

void CredentialStore::startNext()
{
    if (m_queue.empty()) {
        return;
    }
    m_busy = true;
    auto operation = std::move(m_queue.front());
    m_queue.pop_front();
    operation();
}

void CredentialStore::finishOperation()
{
    m_currentFinisher = {};
    m_busy = false;
    // The next operation starts from the event loop, not from inside a job's signal.
    QMetaObject::invokeMethod(this, &CredentialStore::startNext, Qt::QueuedConnection);
}

void CredentialStore::runJob(QKeychain::Job *job, JobCallback callback)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    const quint64 generation = m_generation;
    connect(job, &QKeychain::Job::finished, this,
            [this, generation, callback](QKeychain::Job *finishedJob) {
                if (generation != m_generation) {
                    return;
                }
                m_timer.stop();
                callback(finishedJob);
            });
    m_timer.start(m_timeoutMs);
    job->start();
}

void CredentialStore::readEntry(const QString &key,
                                std::function<void(QKeychain::Job *, QString)> callback)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(key);
    runJob(job, [callback](QKeychain::Job *finishedJob) {
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(finishedJob);
        callback(finishedJob, readJob->textData());
    });
}

void CredentialStore::writeEntry(const QString &key, const QString &value, JobCallback callback)
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(key);
    job->setTextData(value);
    runJob(job, std::move(callback));
}

void CredentialStore::deleteEntry(const QString &key, JobCallback callback)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setKey(key);
    runJob(job, std::move(callback));
}

void CredentialStore::handleTimeout()
{
    ++m_generation;
    qCWarning(lcKeychain) << "the keychain did not answer within" << m_timeoutMs << "ms";
    if (m_currentFinisher) {
        m_currentFinisher({ CredentialResult::Status::TimedOut, {},
                            tr("The keychain did not answer within %1 seconds. %2")
                                    .arg(QString::number(m_timeoutMs / 1000.0), keychainHint()) });
    }
}

void CredentialStore::emitRead(const CredentialResult &result)
{
    finishOperation();
    Q_EMIT readFinished(result);
}

void CredentialStore::emitWrite(const CredentialResult &result)
{
    finishOperation();
    Q_EMIT writeFinished(result);
}

void CredentialStore::emitRemove(const CredentialResult &result)
{
    finishOperation();
    Q_EMIT removeFinished(result);
}

QString CredentialStore::chunkKey(int index) const
{
    return m_key + QStringLiteral("/part-") + QString::number(index);
}

CredentialResult CredentialStore::resultFromJob(QKeychain::Job *job) const
{
    switch (job->error()) {
    case QKeychain::NoError:
        return { CredentialResult::Status::Ok, {}, {} };
    case QKeychain::EntryNotFound:
        return { CredentialResult::Status::NotFound, {},
                 tr("No pool token is stored in the keychain.") };
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return { CredentialResult::Status::NoBackend, {},
                 tr("No keychain service is available (%1). %2")
                         .arg(job->errorString(), keychainHint()) };
    default:
        return { CredentialResult::Status::Failed, {},
                 tr("The keychain reported an error: %1. %2")
                         .arg(job->errorString(), keychainHint()) };
    }
}
