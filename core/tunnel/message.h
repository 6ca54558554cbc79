#pragma once

#include "http/httpheaders.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

// One tunnel message. Every message is one binary WebSocket frame: a type byte, a 32-bit
// big-endian request id (0 for messages about the connection) and a payload. docs/protocol.md
// describes each type.
namespace Tunnel {

constexpr int protocolVersion = 1;

// Size limits. A body chunk carries at most maxChunkSize bytes of body, and a head or control
// message at most maxHeadSize bytes of JSON; anything larger is a protocol error.
constexpr qsizetype maxChunkSize = 64 * 1024;
constexpr qsizetype maxHeadSize = 256 * 1024;
constexpr qsizetype headerSize = 5;
constexpr qsizetype maxMessageSize = headerSize + maxHeadSize;

// Every encoded message keeps this much unused room in front of its data, so the transport can
// prepend its WebSocket frame header without moving the message.
constexpr qsizetype transportHeadroom = 14;

// Bytes of one body that a receiver accepts before it grants more credit with a Window message.
constexpr quint32 defaultWindow = 1024 * 1024;

enum class MessageType : quint8 {
    Hello = 0x01,
    Welcome = 0x02,
    RequestHead = 0x10,
    RequestBody = 0x11,
    RequestEnd = 0x12,
    ResponseHead = 0x20,
    ResponseBody = 0x21,
    ResponseEnd = 0x22,
    Error = 0x30,
    Cancel = 0x31,
    Window = 0x40,
    Ping = 0x50,
    Pong = 0x51,
    Drain = 0x60,
};

// WebSocket close codes the gateway and the agent use, in the private-use range 4000-4999.
enum class CloseCode : quint16 {
    ProtocolError = 4000,
    UnsupportedVersion = 4001,
    KeyRejected = 4003,
    PoolNotFound = 4004,
    PingTimeout = 4008,
    ShuttingDown = 4009,
};

// Error kinds carried by Error messages, and the HTTP status the gateway returns for each.
enum class ErrorKind { Denied, Upstream, Timeout, BadRequest, Cancelled, Internal };

QString errorKindName(ErrorKind kind);
std::optional<ErrorKind> errorKindFromName(const QString &name);
int httpStatusForError(ErrorKind kind);

QString messageTypeName(MessageType type);

struct Hello
{
    int protocol = protocolVersion;
    QString poolId;
    QString key;
    QString agentVersion;
    QString instanceId; // random per agent process, so the gateway can tell agents apart
    QString vendor;
    int streamIndex = 0;
    quint32 window = defaultWindow;
    QList<QPair<QString, QString>> tags;
};

struct Welcome
{
    int protocol = protocolVersion;
    QString connectionId;
    quint32 window = defaultWindow;
    int pingIntervalMs = 0;
};

struct RequestHead
{
    QByteArray method;
    QByteArray target;
    HttpHeaderList headers;
    QString description;
    // Maximum time in milliseconds that the request may go without progress.
    int idleTimeoutMs = 0;
    bool hasBody = false;
};

struct ResponseHead
{
    int status = 0;
    QByteArray reason;
    HttpHeaderList headers;
};

struct ErrorMessage
{
    ErrorKind kind = ErrorKind::Internal;
    QString message;
    QString rule;
    QString reason;
};

// A decoded message: the type, the request id and either the raw body bytes (body chunks,
// Window, Ping, Pong) or the decoded head.
struct Message
{
    MessageType type = MessageType::Ping;
    quint32 requestId = 0;
    QByteArray data;
    std::optional<Hello> hello;
    std::optional<Welcome> welcome;
    std::optional<RequestHead> requestHead;
    std::optional<ResponseHead> responseHead;
    std::optional<ErrorMessage> error;
    quint32 window = 0;
    quint64 pingValue = 0;
};

QByteArray encodeHello(const Hello &hello);
QByteArray encodeWelcome(const Welcome &welcome);
QByteArray encodeRequestHead(quint32 requestId, const RequestHead &head);
QByteArray encodeResponseHead(quint32 requestId, const ResponseHead &head);
QByteArray encodeError(quint32 requestId, const ErrorMessage &error);
QByteArray encodeBodyChunk(MessageType type, quint32 requestId, const char *data, qsizetype size);
// The header of a body message with room reserved for `reserve` bytes of body. Appending the
// body completes the message, so a sender can read a body straight into it.
QByteArray bodyChunkHeader(MessageType type, quint32 requestId, qsizetype reserve);
QByteArray encodeEmpty(MessageType type, quint32 requestId);
QByteArray encodeWindow(quint32 requestId, quint32 credit);
QByteArray encodePing(MessageType type, quint64 value);

// Decodes one frame. Returns nothing and sets `error` to a sentence naming the cause when the
// frame is too short, too long, of an unknown type or carries a malformed payload.
std::optional<Message> decode(const QByteArray &frame, QString *error);

} // namespace Tunnel
