#include "redaction.h"

#include <QList>

namespace {

bool isSecretParameter(const QByteArray &rawName)
{
    const QByteArray name = QByteArray::fromPercentEncoding(rawName).toLower();
    static const QList<QByteArray> fragments = {
        "token", "password", "passwd", "secret", "key", "signature", "sig", "auth",
        "credential", "code", "jwt", "session",
    };
    for (const QByteArray &fragment : fragments) {
        if (name.contains(fragment)) {
            return true;
        }
    }
    return false;
}

// Whether a value, decoded as far as two levels of percent-encoding, carries a query of its own
// with a secret parameter, as in `redirect=/login%3Fprivate_token%3D...`.
bool hasNestedSecret(const QByteArray &value)
{
    QByteArray decoded = QByteArray::fromPercentEncoding(value);
    for (int level = 0; level < 2; ++level) {
        for (QByteArray part : decoded.split('&')) {
            const qsizetype question = part.lastIndexOf('?');
            if (question >= 0) {
                part = part.mid(question + 1);
            }
            const qsizetype equals = part.indexOf('=');
            if (equals > 0 && isSecretParameter(part.left(equals))) {
                return true;
            }
        }
        decoded = QByteArray::fromPercentEncoding(decoded);
    }
    return false;
}

} // namespace

namespace Redaction {

QString redactTarget(const QByteArray &target)
{
    const qsizetype question = target.indexOf('?');
    if (question < 0) {
        return QString::fromLatin1(target);
    }
    QByteArray result = target.left(question + 1);
    const QList<QByteArray> parameters = target.mid(question + 1).split('&');
    for (qsizetype i = 0; i < parameters.size(); ++i) {
        if (i > 0) {
            result.append('&');
        }
        const QByteArray &parameter = parameters.at(i);
        const qsizetype equals = parameter.indexOf('=');
        const QByteArray name = equals < 0 ? parameter : parameter.left(equals);
        if (equals >= 0
            && (isSecretParameter(name) || hasNestedSecret(parameter.mid(equals + 1)))) {
            result.append(name).append("=REDACTED");
        } else {
            result.append(parameter);
        }
    }
    return QString::fromLatin1(result);
}

bool isSecretHeader(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    // Any *-Authorization name counts, so X-VCS-Authorization, which the gateway turns into
    // Authorization towards the VCS, is a secret too.
    return lower.contains("authorization") || lower == "cookie"
            || lower == "set-cookie" || lower == "private-token" || lower == "job-token"
            || lower == "x-api-key" || lower.contains("token") || lower.contains("secret");
}

} // namespace Redaction
