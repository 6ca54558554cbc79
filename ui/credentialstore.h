#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <deque>
#include <functional>
#include <optional>

namespace QKeychain {
class Job;
}

// The outcome of one credential store operation.
struct CredentialResult
{
    enum class Status { Ok, NotFound, NoBackend, TimedOut, TooLong, Failed };

    Status status = Status::Failed;
    QString secret;  // the secret read, for a successful read only
    QString message; // for people: what failed and how to fix it; empty on success

    bool isOk() const { return status == Status::Ok; }
};

// Stores one secret in the OS keychain (Secret Service, Keychain, Credential Manager) through
// QtKeychain. Every operation is asynchronous, runs one at a time, and ends with a result signal
// within the timeout, also when no keychain answers. Secrets longer than one keychain entry are
// split across numbered entries. Nothing is ever written to a plain file.
class CredentialStore final : public QObject
{
    Q_OBJECT

public:
    // Windows Credential Manager holds at most 2,560 bytes per entry, which is 1,280 UTF-16
    // characters (CRED_MAX_CREDENTIAL_BLOB_SIZE). The same chunk size is used everywhere so that
    // a keychain entry looks the same on every platform.
    static constexpr int defaultMaxChunkLength = 1280;
    static constexpr int defaultMaxChunks = 16;
    static constexpr int defaultTimeoutMs = 5000;

    // `service` names the keychain entries; `key` is the entry of the secret.
    CredentialStore(const QString &service, const QString &key, QObject *parent = nullptr);
    ~CredentialStore() override;

    void setTimeout(int milliseconds);
    void setMaxChunkLength(int characters);
    void setMaxChunks(int count);
    int maxSecretLength() const { return m_maxChunkLength * m_maxChunks; }

    void read();
    void write(const QString &secret);
    void remove();

    // Splits `secret` into pieces of at most `maxChunkLength` characters, never between the two
    // halves of a surrogate pair.
    static QStringList splitIntoChunks(const QString &secret, int maxChunkLength);
    // The value stored under the main entry when the secret spans `count` chunk entries.
    static QString chunkHeader(int count);
    // The chunk count of a header value, or nothing when `value` is the secret itself.
    static std::optional<int> parseChunkHeader(const QString &value);
    // How to start a keychain service on this platform, for messages.
    static QString keychainHint();

Q_SIGNALS:
    void readFinished(const CredentialResult &result);
    void writeFinished(const CredentialResult &result);
    void removeFinished(const CredentialResult &result);

private:
    using JobCallback = std::function<void(QKeychain::Job *job)>;

    void enqueue(std::function<void()> operation);
    void startNext();
    void finishOperation();
    void runJob(QKeychain::Job *job, JobCallback callback);
    void readEntry(const QString &key, std::function<void(QKeychain::Job *, QString)> callback);
    void writeEntry(const QString &key, const QString &value, JobCallback callback);
    void deleteEntry(const QString &key, JobCallback callback);
    void deleteChunks(int from, int to, std::function<void()> done);
    void readChunks(int index, int count, QString collected);
    void emitRead(const CredentialResult &result);
    void emitWrite(const CredentialResult &result);
    void emitRemove(const CredentialResult &result);
    void handleTimeout();
    QString chunkKey(int index) const;
    CredentialResult resultFromJob(QKeychain::Job *job) const;

    QString m_service;
    QString m_key;
    int m_timeoutMs = defaultTimeoutMs;
    int m_maxChunkLength = defaultMaxChunkLength;
    int m_maxChunks = defaultMaxChunks;
    QTimer m_timer;
    quint64 m_generation = 0; // bumped on timeout so that late job results are ignored
    bool m_busy = false;
    std::function<void(const CredentialResult &)> m_currentFinisher;
    std::deque<std::function<void()>> m_queue;
};

Q_DECLARE_METATYPE(CredentialResult)
