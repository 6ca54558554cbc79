#pragma once

#include "tunnel/message.h"

#include <QDateTime>
#include <QHostAddress>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Tunnel {
class WebSocket;
}

// The interface through which an agent connection reports to the request it carries.
class StreamExchangeHandler
{
public:
    virtual ~StreamExchangeHandler() = default;
    virtual void handleAgentMessage(const Tunnel::Message &message) = 0;
    // The stream closed while this request was on it.
    virtual void handleStreamLost(const QString &reason) = 0;
};

// The gateway's side of one agent stream: the handshake, pings, and the request it carries.
class AgentConnection final : public QObject
{
    Q_OBJECT

public:
    enum class State { Handshake, Ready, Draining, Closed };

    AgentConnection(Tunnel::WebSocket *socket, int pingIntervalMs, int pingTimeoutMs,
                    QObject *parent = nullptr);
    ~AgentConnection() override;

    State state() const { return m_state; }
    const Tunnel::Hello &hello() const { return m_hello; }
    QString connectionId() const { return m_connectionId; }
    QString peerAddress() const;
    // The peer's IP address alone, for limits per address.
    QHostAddress peerHost() const;
    bool isAwaitingHello() const { return m_state == State::Handshake; }
    // Closes the stream with close code 4000 and logs why.
    void protocolError(const QString &reason);
    QDateTime connectedSince() const { return m_connectedSince; }
    qint64 requestsServed() const { return m_requestsServed; }
    qint64 idleSinceMs() const { return m_idleSince.elapsed(); }
    bool isFree() const { return m_state == State::Ready && !m_handler; }
    QByteArray keyHash() const { return m_keyHash; }

    // Accepts the handshake and makes the stream available.
    void accept(const QString &connectionId, const QByteArray &keyHash, quint32 window);
    // Closes with a close code and a sentence the agent logs.
    void reject(Tunnel::CloseCode code, const QString &reason);

    // Binds a request to the stream and returns its id; the stream must be free.
    quint32 begin(StreamExchangeHandler *handler);
    // Releases the stream once both sides of the request are finished.
    void finish(StreamExchangeHandler *handler);
    void send(QByteArray frame);
    qint64 bytesToWrite() const;

Q_SIGNALS:
    void helloReceived(AgentConnection *connection);
    // The stream became free, or it closed.
    void available(AgentConnection *connection);
    void closed(AgentConnection *connection);

private:
    void handleMessage(const QByteArray &frame);
    void handleDisconnected();

    QPointer<Tunnel::WebSocket> m_socket;
    State m_state = State::Handshake;
    Tunnel::Hello m_hello;
    QString m_connectionId;
    QByteArray m_keyHash;
    QDateTime m_connectedSince;
    QElapsedTimer m_idleSince;
    qint64 m_requestsServed = 0;
    quint32 m_nextRequestId = 0;
    StreamExchangeHandler *m_handler = nullptr;
    QTimer m_pingTimer;
    QTimer m_silenceTimer;
    QTimer m_handshakeTimer;
    quint64 m_pingCounter = 0;
    quint64 m_pingAwaited = 0; // the ping being timed, 0 when none is
    QElapsedTimer m_pingSent;
};
