#include "pooldatabase.h"

#include "common/pooltoken.h"
#include "common/securecompare.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QUrl>
#include <QUuid>

namespace {

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return bytes;
}

PoolRecord recordFrom(const QSqlQuery &query)
{
    PoolRecord record;
    record.id = query.value(0).toString();
    record.name = query.value(1).toString();
    record.description = query.value(2).toString();
    record.publicUrl = query.value(3).toString();
    record.keyHash = query.value(4).toByteArray();
    record.createdAt = QDateTime::fromString(query.value(5).toString(), Qt::ISODate);
    record.rotatedAt = QDateTime::fromString(query.value(6).toString(), Qt::ISODate);
    return record;
}

const QString selectColumns = QStringLiteral(
        "SELECT id, name, description, public_url, key_hash, created_at, rotated_at FROM pools ");

} // namespace

PoolDatabase::PoolDatabase()
    : m_connectionName(QStringLiteral("pools-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

PoolDatabase::~PoolDatabase()
{
    {
        QSqlDatabase database = QSqlDatabase::database(m_connectionName, false);
        if (database.isValid()) {
            database.close();
        }
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString PoolDatabase::defaultPath()
{
    const QString fromEnvironment = qEnvironmentVariable("VCS_GATEWAY_DB");
    if (!fromEnvironment.isEmpty()) {
        return fromEnvironment;
    }
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QDir(folder).filePath(QStringLiteral("vcs-gateway/gateway.sqlite"));
}

bool PoolDatabase::open(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = QStringLiteral("cannot create the folder %1 for the pool database; choose "
                                "another file with --db or VCS_GATEWAY_DB")
                         .arg(info.absolutePath());
        return false;
    }
    QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    database.setDatabaseName(path);
    database.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!database.open()) {
        *error = QStringLiteral("cannot open the pool database %1: %2")
                         .arg(path, database.lastError().text());
        return false;
    }
    if (!exec(QStringLiteral("PRAGMA journal_mode=WAL"), error)
        || !exec(QStringLiteral("CREATE TABLE IF NOT EXISTS pools ("
                                "id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                                "description TEXT NOT NULL DEFAULT '', "
                                "public_url TEXT NOT NULL, key_hash BLOB NOT NULL, "
                                "created_at TEXT NOT NULL, rotated_at TEXT NOT NULL)"),
                 error)) {
        *error = QStringLiteral("the pool database %1 cannot be used: %2").arg(path, *error);
        return false;
    }
    return true;
}

bool PoolDatabase::exec(const QString &statement, QString *error) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    if (!query.exec(statement)) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

bool PoolDatabase::isValidPoolName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z0-9._-]{1,64}\\z"));
    return pattern.match(name).hasMatch();
}

QByteArray PoolDatabase::hashKey(const QString &key)
{
    // Keys are 256-bit random values, so an unsalted SHA-256 cannot be reversed by guessing.
    return QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256);
}

QString PoolDatabase::newKey()
{
    return QString::fromLatin1(randomBytes(32).toBase64(QByteArray::Base64UrlEncoding
                                                        | QByteArray::OmitTrailingEquals));
}

std::optional<QString> PoolDatabase::createPool(const QString &name, const QString &description,
                                                const QString &publicUrl, QString *error)
{
    if (!isValidPoolName(name)) {
        *error = QStringLiteral("pool name \"%1\" is invalid; use 1 to 64 letters, digits, dots, "
                                "dashes or underscores")
                         .arg(name.left(80));
        return std::nullopt;
    }
    const QUrl url(publicUrl, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QStringLiteral("ws") && url.scheme() != QStringLiteral("wss"))) {
        *error = QStringLiteral("public URL \"%1\" is not a ws:// or wss:// URL with a host; "
                                "pass --public-url with the address agents dial")
                         .arg(publicUrl.left(200));
        return std::nullopt;
    }
    if (poolByName(name)) {
        *error = QStringLiteral("a pool named \"%1\" already exists; pick another name or use "
                                "`pool rotate %1` for a new token")
                         .arg(name);
        return std::nullopt;
    }
    PoolToken token;
    token.gatewayUrl = url;
    token.poolId = QString::fromLatin1(randomBytes(12).toHex());
    token.key = newKey();
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("INSERT INTO pools (id, name, description, public_url, key_hash, "
                                 "created_at, rotated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    query.addBindValue(token.poolId);
    query.addBindValue(name);
    query.addBindValue(description.isNull() ? QStringLiteral("") : description);
    query.addBindValue(url.toString());
    query.addBindValue(hashKey(token.key));
    query.addBindValue(now);
    query.addBindValue(now);
    if (!query.exec()) {
        *error = QStringLiteral("cannot store pool \"%1\": %2").arg(name, query.lastError().text());
        return std::nullopt;
    }
    return token.encode();
}

std::optional<QString> PoolDatabase::rotatePool(const QString &name, QString *error)
{
    const auto pool = poolByName(name);
    if (!pool) {
        *error = QStringLiteral("pool \"%1\" not found; `vcs-gateway pool list` shows the pools")
                         .arg(name.left(80));
        return std::nullopt;
    }
    PoolToken token;
    token.gatewayUrl = QUrl(pool->publicUrl);
    token.poolId = pool->id;
    token.key = newKey();
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("UPDATE pools SET key_hash = ?, rotated_at = ? WHERE id = ?"));
    query.addBindValue(hashKey(token.key));
    query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    query.addBindValue(pool->id);
    if (!query.exec()) {
        *error = QStringLiteral("cannot rotate pool \"%1\": %2").arg(name, query.lastError().text());
        return std::nullopt;
    }
    return token.encode();
}

bool PoolDatabase::deletePool(const QString &name, QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("DELETE FROM pools WHERE name = ?"));
    query.addBindValue(name);
    if (!query.exec()) {
        *error = QStringLiteral("cannot delete pool \"%1\": %2").arg(name, query.lastError().text());
        return false;
    }
    if (query.numRowsAffected() == 0) {
        *error = QStringLiteral("pool \"%1\" not found; `vcs-gateway pool list` shows the pools")
                         .arg(name.left(80));
        return false;
    }
    return true;
}

std::optional<QList<PoolRecord>> PoolDatabase::pools(QString *error) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    if (!query.exec(selectColumns + QStringLiteral("ORDER BY name"))) {
        *error = QStringLiteral("cannot read the pools: %1").arg(query.lastError().text());
        return std::nullopt;
    }
    QList<PoolRecord> result;
    while (query.next()) {
        result.append(recordFrom(query));
    }
    return result;
}

std::optional<PoolRecord> PoolDatabase::poolById(const QString &id) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(selectColumns + QStringLiteral("WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec() || !query.next()) {
        return std::nullopt;
    }
    return recordFrom(query);
}

std::optional<PoolRecord> PoolDatabase::poolByName(const QString &name) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(selectColumns + QStringLiteral("WHERE name = ?"));
    query.addBindValue(name);
    if (!query.exec() || !query.next()) {
        return std::nullopt;
    }
    return recordFrom(query);
}

PoolDatabase::Verdict PoolDatabase::verify(const QString &poolId, const QString &key,
                                           PoolRecord *pool) const
{
    const auto record = poolById(poolId);
    if (!record) {
        return Verdict::PoolNotFound;
    }
    if (!SecureCompare::equals(hashKey(key), record->keyHash)) {
        return Verdict::KeyRejected;
    }
    if (pool) {
        *pool = *record;
    }
    return Verdict::Accepted;
}
