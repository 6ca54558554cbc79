#include "rawhttpclient.h"

#include "http/httpparser.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QTcpSocket>
#include <thread>

namespace RawHttpClient {

QByteArray buildRequest(const QByteArray &method, const QByteArray &target,
                        const HttpHeaderList &headers, const QByteArray &body)
{
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\n";
    for (const auto &header : headers) {
        request += header.first + ": " + header.second + "\r\n";
    }
    if (!HttpHeaders::contains(headers, "Host")) {
        request += "Host: 127.0.0.1\r\n";
    }
    if (!body.isEmpty() && !HttpHeaders::contains(headers, "Content-Length")
        && !HttpHeaders::contains(headers, "Transfer-Encoding")) {
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    if (!HttpHeaders::contains(headers, "Connection")) {
        request += "Connection: close\r\n";
    }
    return request + "\r\n" + body;
}

RawHttpResponse send(quint16 port, const QByteArray &request, int timeoutMs,
                     const QByteArray &method)
{
    RawHttpResponse response;
    QDeadlineTimer deadline(timeoutMs);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    if (!socket.waitForConnected(int(deadline.remainingTime()))) {
        response.error = QStringLiteral("connect to 127.0.0.1:%1 failed: %2")
                                 .arg(QString::number(port), socket.errorString());
        return response;
    }

    // Write in pieces so that a large body never waits in one buffer for the whole timeout.
    qsizetype written = 0;
    while (written < request.size()) {
        const qint64 count = socket.write(request.constData() + written,
                                          qMin<qsizetype>(request.size() - written, 256 * 1024));
        if (count < 0) {
            response.error = QStringLiteral("write failed: %1").arg(socket.errorString());
            return response;
        }
        written += count;
        while (socket.bytesToWrite() > 0) {
            if (deadline.hasExpired() || !socket.waitForBytesWritten(int(deadline.remainingTime()))) {
                // The server may answer and close before reading the whole body.
                break;
            }
        }
        if (socket.state() != QAbstractSocket::ConnectedState || deadline.hasExpired()) {
            break;
        }
    }

    HttpParser parser(HttpParser::Kind::Response);
    if (!method.isEmpty()) {
        parser.setRequestMethod(method);
    }
    QByteArray input;
    QByteArray received;
    bool closed = false;
    while (parser.state() == HttpParser::State::Head || parser.state() == HttpParser::State::Body) {
        if (socket.bytesAvailable() == 0) {
            if (socket.state() != QAbstractSocket::ConnectedState) {
                closed = true;
                parser.finish();
                break;
            }
            if (deadline.hasExpired()) {
                break;
            }
            if (!socket.waitForReadyRead(int(qMin<qint64>(deadline.remainingTime(), 1000)))
                && socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0) {
                closed = true;
                parser.finish();
                break;
            }
            continue;
        }
        const QByteArray data = socket.readAll();
        if (parser.state() == HttpParser::State::Head) {
            received += data;
        }
        input += data;
        parser.parse(input, response.body, std::numeric_limits<qsizetype>::max());
    }

    if (parser.state() == HttpParser::State::Complete) {
        response.complete = true;
        response.status = parser.head().status;
        response.reason = parser.head().reason;
        response.headers = parser.head().headers;
        const qsizetype headEnd = received.indexOf("\r\n\r\n");
        response.rawHead = headEnd < 0 ? received : received.left(headEnd + 4);
        // A server that closes after the response has done so by now or does it at once.
        response.connectionClosed = closed
                || (!socket.waitForReadyRead(200) && socket.state() != QAbstractSocket::ConnectedState);
        return response;
    }
    response.status = parser.head().status;
    response.headers = parser.head().headers;
    response.error = parser.state() == HttpParser::State::Failed
            ? QStringLiteral("invalid response: %1").arg(parser.errorString())
            : (deadline.hasExpired() ? QStringLiteral("timed out after %1 ms").arg(timeoutMs)
                                     : QStringLiteral("connection closed before a whole response"));
    return response;
}

QList<RawHttpResponse> sendConcurrently(quint16 port, const QList<QByteArray> &requests,
                                        int timeoutMs)
{
    QList<RawHttpResponse> responses(requests.size());
    std::vector<std::thread> threads;
    threads.reserve(size_t(requests.size()));
    for (qsizetype i = 0; i < requests.size(); ++i) {
        threads.emplace_back([&responses, &requests, i, port, timeoutMs] {
            responses[i] = send(port, requests.at(i), timeoutMs);
        });
    }
    for (std::thread &thread : threads) {
        thread.join();
    }
    return responses;
}

} // namespace RawHttpClient
