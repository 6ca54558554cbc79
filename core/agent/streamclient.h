#pragma once

#include "agentsettings.h"
#include "streamstatus.h"
#include "tunnel/message.h"
#include "upstreamclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <memory>

class AccessLog;
namespace Tunnel {
class WebSocket;
}

// One tunnel stream of the agent: a WebSocket to the gateway that carries one request at a
// time. It filters each request, forwards allowed ones to the VCS through its UpstreamClient,
// streams the response back under the gateway's flow-control window, and reconnects after a drop
// with capped exponential backoff and jitter, forever, unless the gateway rejects the pool key.
class StreamClient final : public QObject
{
    Q_OBJECT

public:
    StreamClient(int index, const AgentSettings &settings, const RequestFilter &filter,
                 AccessLog *accessLog, QObject *parent = nullptr);
    ~StreamClient() override;

    void start();
    // Takes no new requests: sends Drain to the gateway, finishes the request in flight and closes.
    void drain();
    // Closes at once; a request in flight fails.
    void stop();

    bool hasRequestInFlight() const { return m_exchange != nullptr; }
    const StreamStatus &status() const { return m_status; }
    // Whether a connection to the gateway exists, including one still closing.
    bool hasConnection() const { return !m_socket.isNull(); }

Q_SIGNALS:
    void statusChanged(int index);
    // The gateway rejected the handshake in a way that retrying cannot fix.
    void rejected(const QString &message);
    // The stream has no request in flight and is closed after drain().
    void drained(int index);
    void reconnectScheduled(int index, int delayMs);

private:
    struct Exchange;

    void connectToGateway();
    void handleConnected();
    void handleDisconnected();
    void handleMessage(const QByteArray &frame);
    void handleWelcome(const Tunnel::Message &message);
    void handleRequestHead(const Tunnel::Message &message);
    void handleRequestBody(const Tunnel::Message &message);
    void handleRequestEnd(const Tunnel::Message &message);
    void handleCancel(const Tunnel::Message &message);
    void handleWindow(const Tunnel::Message &message);
    void protocolError(const QString &reason);
    void scheduleReconnect(const QString &reason, bool wasConnected);

    void startUpstream();
    void finishInspection();
    void pumpResponse();
    void grantRequestCredit();
    void sendFinalError(Tunnel::ErrorKind kind, const QString &message, const QString &reason);
    void completeIfDone();
    void resetIdleTimer();

    void send(QByteArray frame);
    void setState(StreamStatus::State state);
    int nextBackoffDelay();

    int m_index;
    const AgentSettings &m_settings;
    const RequestFilter &m_filter;
    AccessLog *m_accessLog;
    QPointer<Tunnel::WebSocket> m_socket;
    std::unique_ptr<UpstreamClient> m_upstream;
    std::unique_ptr<Exchange> m_exchange;
    StreamStatus m_status;
    QTimer m_reconnectTimer;
    QTimer m_pingTimer;
    QTimer m_pongTimer;
    QTimer m_welcomeTimer;
    QTimer m_idleTimer;
    quint32 m_responseWindow = Tunnel::defaultWindow;
    quint32 m_lastRequestId = 0;
    quint64 m_pingCounter = 0;
    int m_attempt = 0;
    int m_failedAttempts = 0;
    QElapsedTimer m_failureLogTimer; // valid from a lost connection until the next Welcome
    bool m_welcomed = false;
    bool m_draining = false;
    bool m_stopped = false;
};
