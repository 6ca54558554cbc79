#pragma once

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

// A pool as stored by the gateway. The key itself is never stored, only its SHA-256 hash.
struct PoolRecord
{
    QString id;
    QString name;
    QString description;
    QString publicUrl;
    QByteArray keyHash;
    QDateTime createdAt;
    QDateTime rotatedAt;
};

// The gateway's pools in SQLite through Qt Sql. Several processes may use the same file: the
// `pool` commands change it while `serve` reads it.
class PoolDatabase
{
public:
    enum class Verdict { Accepted, PoolNotFound, KeyRejected };

    PoolDatabase();
    ~PoolDatabase();
    PoolDatabase(const PoolDatabase &) = delete;
    PoolDatabase &operator=(const PoolDatabase &) = delete;

    // Opens or creates the database file, creating its folder. Returns false and sets `error`.
    bool open(const QString &path, QString *error);

    // The default file: VCS_GATEWAY_DB, or gateway.sqlite in the user's data folder.
    static QString defaultPath();

    // Creates a pool and returns its token. Names are 1-64 characters of [A-Za-z0-9._-].
    std::optional<QString> createPool(const QString &name, const QString &description,
                                      const QString &publicUrl, QString *error);
    // Replaces the pool's key and returns the new token.
    std::optional<QString> rotatePool(const QString &name, QString *error);
    bool deletePool(const QString &name, QString *error);
    std::optional<QList<PoolRecord>> pools(QString *error) const;
    std::optional<PoolRecord> poolById(const QString &id) const;
    std::optional<PoolRecord> poolByName(const QString &name) const;

    // Checks an agent's pool id and key in constant time with respect to the key.
    Verdict verify(const QString &poolId, const QString &key, PoolRecord *pool = nullptr) const;

    static bool isValidPoolName(const QString &name);
    static QByteArray hashKey(const QString &key);

private:
    bool exec(const QString &statement, QString *error) const;
    static QString newKey();

    QString m_connectionName;
};
