#pragma once

#include "agentconnection.h"
#include "http/httpparser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

class GatewayServer;
class QTcpSocket;

// One HTTP/1.1 connection from the platform. It authenticates each request, serves
// `GET /pools`, and relays `/pools/NAME/<target>` to a free stream of that pool: the request
// body goes out as the agent grants credit, and the response comes back as the platform's
// socket drains, so neither body is ever held whole in memory.
class PlatformConnection final : public QObject, public StreamExchangeHandler
{
    Q_OBJECT

public:
    PlatformConnection(QTcpSocket *socket, GatewayServer *server, QObject *parent = nullptr);
    ~PlatformConnection() override;

    // Called by the server when a stream of the pool becomes free for the queued request.
    void assignStream(AgentConnection *stream);
    // Called by the server when the request waited too long for a free stream.
    void handleQueueTimeout(int streamCount);

    void handleAgentMessage(const Tunnel::Message &message) override;
    void handleStreamLost(const QString &reason) override;

    QString describeRequest() const;
    // Whether a request is queued for a stream or being relayed.
    bool isBusy() const;

private:
    enum class State { ReadingHead, WaitingForStream, Relaying, Closing };

    void handleReadyRead();
    void processInput();
    void handleHead();
    void routeRelay(const QByteArray &poolName, const QByteArray &target);
    void startRelay();
    void pumpRequestBody();
    void handleResponseHead(const Tunnel::ResponseHead &head);
    void handleResponseBody(const QByteArray &data);
    void handleResponseEnd();
    void handleAgentError(const Tunnel::ErrorMessage &error);
    void grantResponseCredit();
    void finishRequestSide(bool cancel);
    void finishExchange();
    void handleSocketClosed();
    void handleIdleTimeout();

    void writeJsonError(int status, const QString &code, const QString &message,
                        const QString &rule = QString(), const QString &reason = QString());
    void writeResponse(int status, const QByteArray &contentType, const QByteArray &body,
                       bool close = false);
    void abortConnection(const QString &reason);
    void logRequest(int status, const QString &outcome);

    GatewayServer *m_server;
    QPointer<QTcpSocket> m_socket;
    HttpParser m_parser { HttpParser::Kind::Request };
    QByteArray m_input;
    State m_state = State::ReadingHead;
    QTimer m_idleTimer;
    QTimer m_cancelTimer;
    QElapsedTimer m_elapsed;

    // The request being relayed.
    HttpHead m_head;
    QString m_poolName;
    QByteArray m_target;
    QString m_description;
    QPointer<AgentConnection> m_stream;
    quint32 m_requestId = 0;
    qint64 m_requestCredit = 0;
    qint64 m_requestBodySent = 0;
    qint64 m_responseCreditGranted = 0;
    qint64 m_responseBytesReceived = 0;
    qint64 m_responseBytesWritten = 0;
    bool m_hasBody = false;
    bool m_requestDone = false;  // RequestEnd or Cancel sent
    bool m_agentDone = false;    // ResponseEnd or Error received
    bool m_anyAgentMessage = false;
    bool m_responseHeadWritten = false;
    bool m_chunkedResponse = false;
    bool m_closeAfterResponse = false;
    bool m_socketClosed = false;
    int m_responseStatus = 0;
};
