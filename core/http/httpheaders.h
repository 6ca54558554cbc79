#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

// HTTP header fields in arrival order. Names keep their case and a name may repeat, because
// multi-valued headers (Set-Cookie, Link, Vary) must reach the other side unchanged.
using HttpHeaderList = QList<QPair<QByteArray, QByteArray>>;

namespace HttpHeaders {

// Returns the first value of the header named `name` (compared case-insensitively), or a null
// QByteArray when it is absent.
QByteArray value(const HttpHeaderList &headers, const QByteArray &name);

// Returns every value of the header named `name`, in arrival order.
QList<QByteArray> values(const HttpHeaderList &headers, const QByteArray &name);

bool contains(const HttpHeaderList &headers, const QByteArray &name);

// Removes every header named `name`, compared case-insensitively.
void remove(HttpHeaderList &headers, const QByteArray &name);

// Removes the hop-by-hop headers of RFC 9110 section 7.6.1 and every header that a Connection
// header names, so that only end-to-end headers cross the tunnel.
void removeHopByHop(HttpHeaderList &headers);

} // namespace HttpHeaders
