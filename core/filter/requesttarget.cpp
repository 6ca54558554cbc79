#include "requesttarget.h"

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool isControl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

// Length of the UTF-8 sequence at `i`, or 0 when it is invalid: truncated, overlong,
// a surrogate or above U+10FFFF.
int utf8SequenceLength(const QByteArray &bytes, qsizetype i)
{
    const auto byteAt = [&bytes](qsizetype index) {
        return static_cast<unsigned char>(bytes.at(index));
    };
    const unsigned char lead = byteAt(i);
    int length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (i + length > bytes.size()) {
        return 0;
    }
    if (byteAt(i + 1) < low || byteAt(i + 1) > high) {
        return 0;
    }
    for (int k = 2; k < length; ++k) {
        if (byteAt(i + k) < 0x80 || byteAt(i + k) > 0xbf) {
            return 0;
        }
    }
    return length;
}

bool isValidUtf8(const QByteArray &bytes)
{
    qsizetype i = 0;
    while (i < bytes.size()) {
        const int length = utf8SequenceLength(bytes, i);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

// Decodes one path segment or query component exactly once.
std::optional<QString> decodeComponent(const QByteArray &raw, QString *reason)
{
    QByteArray decoded;
    decoded.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw.at(i);
        if (c != '%') {
            decoded.append(c);
            continue;
        }
        const int high = i + 2 < raw.size() ? hexValue(raw.at(i + 1)) : -1;
        const int low = i + 2 < raw.size() ? hexValue(raw.at(i + 2)) : -1;
        if (high < 0 || low < 0) {
            *reason = QStringLiteral("invalid percent-encoding in the request target");
            return std::nullopt;
        }
        decoded.append(static_cast<char>(high * 16 + low));
        i += 2;
    }
    for (const char c : std::as_const(decoded)) {
        if (isControl(static_cast<unsigned char>(c))) {
            *reason = QStringLiteral("encoded control character in the request target");
            return std::nullopt;
        }
    }
    if (!isValidUtf8(decoded)) {
        *reason = QStringLiteral("invalid or overlong UTF-8 in the request target");
        return std::nullopt;
    }
    return QString::fromUtf8(decoded);
}

// Returns whether `name` is a dot segment as some server reads it: only dots and spaces,
// such as ".", "..", "..." or ". ." (Windows servers drop trailing dots and spaces).
bool isDotName(QStringView name)
{
    bool hasDot = false;
    for (const QChar c : name) {
        if (c == QLatin1Char('.')) {
            hasDot = true;
        } else if (c != QLatin1Char(' ')) {
            return false;
        }
    }
    return hasDot;
}

QString checkRawTarget(const QByteArray &target)
{
    if (target.isEmpty()) {
        return QStringLiteral("empty request target");
    }
    if (target.size() > RequestTarget::maxLength) {
        return QStringLiteral("request target longer than %1 bytes").arg(RequestTarget::maxLength);
    }
    if (!target.startsWith('/')) {
        return QStringLiteral("request target is not origin-form (a path starting with /)");
    }
    for (const char c : target) {
        const auto byte = static_cast<unsigned char>(c);
        if (isControl(byte)) {
            return QStringLiteral("control character in the request target");
        }
        if (byte == ' ') {
            return QStringLiteral("space in the request target");
        }
        if (byte >= 0x80) {
            return QStringLiteral("non-ASCII byte in the request target (must be percent-encoded)");
        }
        if (byte == '#') {
            return QStringLiteral("fragment in the request target");
        }
    }
    return {};
}

// Checks the parts of a decoded segment that contained %2F, so that an encoded slash cannot
// hide a dot segment or an empty segment.
QString checkDecodedParts(const QString &decoded)
{
    if (!decoded.contains(QLatin1Char('/'))) {
        return {};
    }
    const QStringList parts = decoded.split(QLatin1Char('/'));
    for (const QString &part : parts) {
        if (part.isEmpty()) {
            return QStringLiteral("empty segment inside an encoded path segment");
        }
        if (isDotName(QStringView(part).left(part.indexOf(QLatin1Char(';'))))) {
            return QStringLiteral("dot segment inside an encoded path segment");
        }
    }
    return {};
}

std::optional<QString> parseSegment(const QByteArray &raw, QString *reason)
{
    if (raw.isEmpty()) {
        *reason = QStringLiteral("empty path segment");
        return std::nullopt;
    }
    if (raw.contains('\\')) {
        *reason = QStringLiteral("backslash in the path");
        return std::nullopt;
    }
    std::optional<QString> decoded = decodeComponent(raw, reason);
    if (!decoded) {
        return std::nullopt;
    }
    if (decoded->contains(QLatin1Char('\\'))) {
        *reason = QStringLiteral("encoded backslash in the path");
        return std::nullopt;
    }
    // Servers such as Tomcat drop ";parameters" before resolving "..", so "..;" is a dot segment.
    if (isDotName(QStringView(*decoded).left(decoded->indexOf(QLatin1Char(';'))))) {
        *reason = QStringLiteral("dot segment in the path");
        return std::nullopt;
    }
    *reason = checkDecodedParts(*decoded);
    if (!reason->isEmpty()) {
        return std::nullopt;
    }
    if (decoded->contains(QLatin1Char(';'))) {
        *reason = QStringLiteral("path parameter (;) in the path");
        return std::nullopt;
    }
    return decoded;
}

bool isMethodOverrideParameter(const QString &name)
{
    return name.compare(QLatin1String("_method"), Qt::CaseInsensitive) == 0;
}

} // namespace

std::optional<RequestTarget> RequestTarget::parse(const QByteArray &target, QString *reason)
{
    *reason = checkRawTarget(target);
    if (!reason->isEmpty()) {
        return std::nullopt;
    }

    const qsizetype queryStart = target.indexOf('?');
    const QByteArray path = target.left(queryStart < 0 ? target.size() : queryStart);
    RequestTarget result;
    if (path.size() > 1) {
        const QList<QByteArray> rawSegments = path.mid(1).split('/');
        for (const QByteArray &raw : rawSegments) {
            std::optional<QString> segment = parseSegment(raw, reason);
            if (!segment) {
                return std::nullopt;
            }
            result.m_segments.append(*segment);
        }
    }

    if (queryStart >= 0 && !result.parseQuery(target.mid(queryStart + 1), reason)) {
        return std::nullopt;
    }
    return result;
}

bool RequestTarget::parseQuery(const QByteArray &query, QString *reason)
{
    const QList<QByteArray> pairs = query.split('&');
    for (const QByteArray &pair : pairs) {
        if (pair.isEmpty()) {
            continue;
        }
        const qsizetype equals = pair.indexOf('=');
        const std::optional<QString> name = decodeComponent(pair.left(equals < 0 ? pair.size()
                                                                                  : equals),
                                                            reason);
        const std::optional<QString> value =
                name ? decodeComponent(equals < 0 ? QByteArray() : pair.mid(equals + 1), reason)
                     : std::nullopt;
        if (!name || !value) {
            return false;
        }
        if (isMethodOverrideParameter(*name)) {
            *reason = QStringLiteral("method override (_method query parameter)");
            return false;
        }
        if (m_query.size() >= maxQueryParameters) {
            *reason = QStringLiteral("more than %1 query parameters").arg(maxQueryParameters);
            return false;
        }
        m_query.append({*name, *value});
    }
    return true;
}

QStringList RequestTarget::queryValues(const QString &name) const
{
    QStringList values;
    for (const QueryParameter &parameter : m_query) {
        if (parameter.name == name) {
            values.append(parameter.value);
        }
    }
    return values;
}
