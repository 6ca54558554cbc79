#include "pooltoken.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {

constexpr qsizetype maxTokenLength = 16 * 1024;

} // namespace

QString PoolToken::encode() const
{
    const QJsonObject object { { QStringLiteral("gateway"), gatewayUrl.toString() },
                               { QStringLiteral("pool"), poolId },
                               { QStringLiteral("key"), key } };
    return QString::fromLatin1(QJsonDocument(object).toJson(QJsonDocument::Compact).toBase64());
}

std::optional<PoolToken> PoolToken::decode(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = QStringLiteral("the pool token is empty");
        return std::nullopt;
    }
    if (trimmed.size() > maxTokenLength) {
        *error = QStringLiteral("the pool token is %1 characters long, more than the %2 a "
                                "token can have; copy it again from `vcs-gateway pool create`")
                         .arg(trimmed.size())
                         .arg(maxTokenLength);
        return std::nullopt;
    }
    const QByteArray encoded = trimmed.toLatin1();
    const auto decoded = QByteArray::fromBase64Encoding(
            encoded, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    const auto decodedUrl = QByteArray::fromBase64Encoding(
            encoded, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    const QByteArray json = decoded ? *decoded : (decodedUrl ? *decodedUrl : QByteArray());
    if (!decoded && !decodedUrl) {
        *error = QStringLiteral("the pool token is not valid base64; copy the whole token "
                                "printed by `vcs-gateway pool create`");
        return std::nullopt;
    }
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject()) {
        *error = QStringLiteral("the pool token does not decode to a JSON object; copy the "
                                "whole token printed by `vcs-gateway pool create`");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    PoolToken token;
    const QString gateway = object.value(QStringLiteral("gateway")).toString();
    token.poolId = object.value(QStringLiteral("pool")).toString();
    token.key = object.value(QStringLiteral("key")).toString();
    if (gateway.isEmpty()) {
        *error = QStringLiteral("the pool token has no \"gateway\" URL field");
        return std::nullopt;
    }
    token.gatewayUrl = QUrl(gateway, QUrl::StrictMode);
    const QString scheme = token.gatewayUrl.scheme();
    if (!token.gatewayUrl.isValid() || token.gatewayUrl.host().isEmpty()
        || (scheme != QStringLiteral("wss") && scheme != QStringLiteral("ws"))) {
        *error = QStringLiteral("the pool token's \"gateway\" field \"%1\" is not a ws:// or "
                                "wss:// URL with a host")
                         .arg(gateway.left(200));
        return std::nullopt;
    }
    if (token.poolId.isEmpty()) {
        *error = QStringLiteral("the pool token has no \"pool\" id field");
        return std::nullopt;
    }
    if (token.key.isEmpty()) {
        *error = QStringLiteral("the pool token has no \"key\" field");
        return std::nullopt;
    }
    return token;
}
