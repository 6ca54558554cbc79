#pragma once

#include <QString>
#include <QUrl>
#include <optional>

// The credential an agent dials the gateway with: base64 of a JSON object
// {"gateway": URL, "pool": id, "key": secret}. `vcs-gateway pool create` issues it.
struct PoolToken
{
    QUrl gatewayUrl;
    QString poolId;
    QString key;

    QString encode() const;

    // Parses a token. On failure returns nothing and sets `error` to a sentence that names the
    // missing or invalid field; the sentence never contains the token or its key.
    static std::optional<PoolToken> decode(const QString &text, QString *error);
};
