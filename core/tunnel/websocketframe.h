#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <array>
#include <optional>

// RFC 6455 framing for the tunnel's own WebSocket transport. Only what the tunnel needs: final
// binary frames out, any legal frame in, no extensions and no subprotocols.
namespace Tunnel::WebSocketFrame {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Close codes from RFC 6455 section 7.4.1 that the transport itself sends or reports.
enum StandardCloseCode : quint16 {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    CloseNoStatus = 1005,
    CloseAbnormal = 1006,
    CloseInvalidPayload = 1007,
    CloseTooBig = 1009,
};

// The masking key in the order its bytes travel on the wire.
using MaskKey = std::array<quint8, 4>;

// Control frames carry at most 125 bytes; a close reason therefore at most 123.
constexpr qsizetype maxControlPayload = 125;
constexpr qsizetype maxCloseReasonBytes = maxControlPayload - 2;
// The largest header: 2 bytes, a 64-bit length and a masking key.
constexpr qsizetype maxHeaderSize = 14;

// XORs size bytes of src into dst with key, as if the bytes began at position `offset` of the
// frame's payload. dst may equal src. It works a 64-bit word at a time, because masking runs over
// every byte the agent sends (see WebSocket for what a byte-wise loop cost).
void applyMask(char *dst, const char *src, qsizetype size, const MaskKey &key, quint64 offset);

// Appends the header of a final frame with the given opcode and payload size to out. With a
// key, the mask bit is set and the key follows the length.
void appendHeader(QByteArray &out, Opcode opcode, quint64 payloadSize, const MaskKey *key);

// The payload of a close frame: the code in network order and the reason in UTF-8, cut at a
// character boundary to fit in a control frame.
QByteArray closePayload(quint16 code, const QString &reason);

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
QByteArray acceptValue(const QByteArray &clientKey);

// Whether a close code may appear in a close frame (RFC 6455 section 7.4).
bool isValidCloseCode(quint16 code);

// The header fields of a handshake's lines after the start line, by lower-case name; a repeated
// field's values are joined with ", ". Returns nothing and sets *error when a line has no name
// or whitespace before its colon (RFC 9112 section 5.1).
std::optional<QHash<QByteArray, QByteArray>> parseHeaderFields(const QList<QByteArray> &lines,
                                                                QString *error);

// Whether a comma-separated header value contains `token`, compared without case.
bool headerHasToken(const QByteArray &value, const QByteArray &token);

} // namespace Tunnel::WebSocketFrame
