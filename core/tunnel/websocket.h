#pragma once

#include "websocketframe.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QNetworkProxy>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>
#include <QUrl>
#include <optional>

class QTcpSocket;

namespace Tunnel {

// One WebSocket connection of the tunnel, client or server side (RFC 6455, version 13).
//
// The tunnel frames its own WebSocket traffic rather than use QWebSocket, because Qt 6.4 masks
// and unmasks one byte at a time. During a 1 GB download that loop took 45 % of the gateway's CPU
// time and 15 % of the agent's (perf, Qt 6.4.2). This class masks a word at a time, reads each
// payload straight from the socket's buffer into the message, and hands a whole frame to the
// socket in one write. It sends final binary frames only. It accepts fragmented messages,
// replies to pings and runs the closing handshake. Text frames are reported, so the caller can
// reject them.
class WebSocket final : public QObject
{
    Q_OBJECT

public:
    enum class Role { Client, Server };

    // A client connection; open() connects it.
    explicit WebSocket(QObject *parent = nullptr);
    // A server connection on a socket after WebSocketServer sent the handshake response. It
    // takes ownership of the socket. Frames already in the socket's buffer are read once control
    // returns to the event loop, after the caller has connected its slots.
    WebSocket(QTcpSocket *socket, QObject *parent = nullptr);
    ~WebSocket() override;

    // Messages above this size close the connection with code 1009.
    void setMaxIncomingMessageSize(qsizetype size) { m_maxMessageSize = size; }
    void setProxy(const QNetworkProxy &proxy) { m_proxy = proxy; }
    void setSslConfiguration(const QSslConfiguration &configuration) { m_ssl = configuration; }
    // The value of the User-Agent header in the client's handshake.
    void setUserAgent(const QByteArray &userAgent) { m_userAgent = userAgent; }

    // Connects to a ws:// or wss:// URL and runs the opening handshake; emits connected() or,
    // on any failure, disconnected() with errorString() set.
    void open(const QUrl &url);

    bool isOpen() const { return m_state == State::Open; }
    // Masks the payload in place when it is not shared and prepends the frame header, which
    // costs no copy when the array has room in front (see Tunnel::transportHeadroom).
    void sendBinaryMessage(QByteArray payload);
    // Sends a close frame. The connection is cut if the peer sends no close frame back in time.
    void close(quint16 code, const QString &reason);
    void abort();

    // Bytes handed to the socket that the kernel has not taken yet.
    qint64 bytesToWrite() const;
    // The code and reason of the close frame received, or of the one sent when this side
    // closed first; 1006 (abnormal closure) when no close frame was exchanged.
    quint16 closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    // Set when the connection failed: refused, reset, TLS, or a bad handshake or frame.
    bool hasError() const { return !m_errorString.isEmpty(); }
    QString errorString() const { return m_errorString; }
    QHostAddress peerAddress() const;
    quint16 peerPort() const;

Q_SIGNALS:
    void connected();
    // Emitted once, when the TCP connection is gone for whatever reason.
    void disconnected();
    void binaryMessageReceived(const QByteArray &message);
    void textMessageReceived();
    void sslErrors(const QList<QSslError> &errors);
    // The kernel took bytes from the socket's write buffer.
    void bytesWritten();

private:
    enum class State { Unconnected, Connecting, Handshake, Open, Closing, Closed };
    enum class ReadState { Header, Payload };

    void attach(QTcpSocket *socket);
    void sendHandshake();
    bool readHandshakeResponse();
    void readFrames();
    bool readHeader();
    void handleFrame();
    void handleControlFrame(WebSocketFrame::Opcode opcode, const QByteArray &payload);
    void writeFrame(WebSocketFrame::Opcode opcode, QByteArray payload);
    void failConnection(quint16 code, const QString &reason);
    void failHandshake(const QString &reason);
    void handleSocketState(QAbstractSocket::SocketState state);
    void finish();

    Role m_role;
    State m_state = State::Unconnected;
    QPointer<QTcpSocket> m_socket;
    QNetworkProxy m_proxy = QNetworkProxy(QNetworkProxy::DefaultProxy);
    std::optional<QSslConfiguration> m_ssl;
    QByteArray m_userAgent;
    QUrl m_url;
    QByteArray m_clientKey;
    QTimer m_closeTimer;
    qsizetype m_maxMessageSize = 64 * 1024 * 1024;

    // Frame reader.
    ReadState m_readState = ReadState::Header;
    char m_header[WebSocketFrame::maxHeaderSize];
    qsizetype m_headerHave = 0;
    bool m_frameFinal = false;
    WebSocketFrame::Opcode m_frameOpcode = WebSocketFrame::Opcode::Binary;
    bool m_frameMasked = false;
    WebSocketFrame::MaskKey m_frameKey {};
    quint64 m_frameSize = 0;
    quint64 m_frameHave = 0;
    // The payload being read: a control frame's, or the data message's so far.
    QByteArray m_control;
    QByteArray m_message;
    bool m_inMessage = false;
    bool m_messageIsText = false;
    qsizetype m_messageStart = 0; // where the current frame's payload starts in m_message

    bool m_closeSent = false;
    bool m_closeReceived = false;
    quint16 m_closeCode = WebSocketFrame::CloseAbnormal;
    QString m_closeReason;
    QString m_errorString;
    bool m_finished = false;
};

} // namespace Tunnel
