#pragma once

#include "http/httpheaders.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QList>
#include <QString>

// One HTTP response read by RawHttpClient.
struct RawHttpResponse
{
    bool complete = false; // a whole response was read
    QString error;         // why not, when complete is false
    int status = 0;
    QByteArray reason;
    HttpHeaderList headers;
    QByteArray body;       // the decoded body (chunked framing removed)
    QByteArray rawHead;    // the status line and headers exactly as received
    bool connectionClosed = false; // the server closed the connection after the response

    QByteArray header(const QByteArray &name) const { return HttpHeaders::value(headers, name); }
    QList<QByteArray> headerValues(const QByteArray &name) const
    {
        return HttpHeaders::values(headers, name);
    }
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

// A small synchronous HTTP/1.1 client over QTcpSocket for system tests. It sends the request
// bytes exactly as given, so a test controls the request target and every header byte, and it
// needs no event loop. Only 127.0.0.1 is ever contacted.
namespace RawHttpClient {

// Builds a request: the request line, `headers` in order, then Host (when absent),
// Content-Length (when `body` is not empty and no framing header is given) and
// `Connection: close`, then the body.
QByteArray buildRequest(const QByteArray &method, const QByteArray &target,
                        const HttpHeaderList &headers = {}, const QByteArray &body = {});

// Sends `request` to 127.0.0.1:`port` and reads one response. `method` tells the reader that a
// response to HEAD has no body. The whole exchange is bounded by `timeoutMs`.
RawHttpResponse send(quint16 port, const QByteArray &request, int timeoutMs = 30000,
                     const QByteArray &method = QByteArray());

// Sends every request on its own connection, all at the same time (one thread each), and
// returns the responses in the same order.
QList<RawHttpResponse> sendConcurrently(quint16 port, const QList<QByteArray> &requests,
                                        int timeoutMs = 30000);

} // namespace RawHttpClient
