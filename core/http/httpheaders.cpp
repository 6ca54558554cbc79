#include "httpheaders.h"

namespace {

bool nameEquals(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

} // namespace

namespace HttpHeaders {

QByteArray value(const HttpHeaderList &headers, const QByteArray &name)
{
    for (const auto &header : headers) {
        if (nameEquals(header.first, name)) {
            return header.second;
        }
    }
    return {};
}

QList<QByteArray> values(const HttpHeaderList &headers, const QByteArray &name)
{
    QList<QByteArray> result;
    for (const auto &header : headers) {
        if (nameEquals(header.first, name)) {
            result.append(header.second);
        }
    }
    return result;
}

bool contains(const HttpHeaderList &headers, const QByteArray &name)
{
    for (const auto &header : headers) {
        if (nameEquals(header.first, name)) {
            return true;
        }
    }
    return false;
}

void remove(HttpHeaderList &headers, const QByteArray &name)
{
    headers.removeIf([&name](const auto &header) { return nameEquals(header.first, name); });
}

void removeHopByHop(HttpHeaderList &headers)
{
    QList<QByteArray> named;
    for (const QByteArray &connection : values(headers, "Connection")) {
        for (const QByteArray &token : connection.split(',')) {
            const QByteArray trimmed = token.trimmed();
            if (!trimmed.isEmpty()) {
                named.append(trimmed);
            }
        }
    }
    static const QList<QByteArray> hopByHop = {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
        "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };
    for (const QByteArray &name : hopByHop) {
        remove(headers, name);
    }
    for (const QByteArray &name : named) {
        remove(headers, name);
    }
}

} // namespace HttpHeaders
