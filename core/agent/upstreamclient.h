#pragma once

#include "common/proxysettings.h"
#include "http/httpparser.h"

#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QTimer>
#include <QUrl>

class QTcpSocket;

// Connection settings for the VCS: base endpoint, extra CAs, proxies and connect timeout.
struct UpstreamConfig
{
    QUrl baseEndpoint;
    QList<QSslCertificate> extraCaCertificates;
    ProxySettings proxy;
    int connectTimeoutMs = 15000;
};

// One request to the VCS, as the agent forwards it.
struct UpstreamRequest
{
    QByteArray method;
    QByteArray target; // the validated request target; the base path is prepended when sent
    HttpHeaderList headers;
    bool hasBody = false;
    qint64 contentLength = -1; // -1 when unknown: the body is then sent chunked
};

// An HTTP/1.1 client for the VCS on one persistent connection, one request at a time. It writes
// the request target byte for byte as validated, which QUrl cannot do because it rewrites %2E to
// "." and normalises hex case. It never follows redirects, keeps no cookies, and leaves
// Content-Encoding and the body as the VCS sent them. The caller pulls the response body in
// pieces, so that the caller's flow control bounds what is held in memory.
class UpstreamClient final : public QObject
{
    Q_OBJECT

public:
    explicit UpstreamClient(const UpstreamConfig &config, QObject *parent = nullptr);
    ~UpstreamClient() override;

    // Sends the request head, on the kept-alive connection when there is one.
    void start(const UpstreamRequest &request);
    void writeBody(const QByteArray &data);
    void endBody();
    // Bytes handed to the client that have not reached the kernel yet.
    qint64 bytesToWrite() const;

    // Appends at most `maxBytes` response body bytes to `out` and returns how many it appended.
    qsizetype readBody(QByteArray &out, qsizetype maxBytes);
    bool isResponseComplete() const;
    // Drops the connection and the request in progress. No signal is emitted afterwards.
    void abort();

    // The path sent on the wire for `target`: the base endpoint's path without a trailing
    // slash, followed by the target, which starts with a slash.
    static QByteArray wirePath(const QUrl &baseEndpoint, const QByteArray &target);

Q_SIGNALS:
    void bytesWritten();
    void responseHeadReceived(const HttpHead &head);
    void bodyReadyRead();
    // The request failed before the response was complete; `reason` names the cause.
    void failed(const QString &reason);

private:
    void openConnection();
    void sendHead();
    void writeRaw(const QByteArray &data);
    void handleConnected();
    void handleReadyRead();
    void handleDisconnected();
    void handleSocketError();
    void fail(const QString &reason);
    bool parseAvailable(QByteArray *out, qsizetype maxBytes);
    void releaseConnection();
    // Closes the socket and drops the reference to it without emitting any signal.
    void dropSocket();
    QByteArray hostHeader() const;

    UpstreamConfig m_config;
    QPointer<QTcpSocket> m_socket;
    QTimer m_connectTimer;
    HttpParser m_parser { HttpParser::Kind::Response };
    UpstreamRequest m_request;
    QByteArray m_input;
    QByteArray m_pendingWrite; // written before the connection was up
    bool m_connected = false;
    bool m_reused = false;
    bool m_retried = false;
    bool m_active = false;
    bool m_headSignalled = false;
    bool m_requestComplete = false;
    bool m_peerClosed = false;
    qint64 m_responseBytesSeen = 0;
};
