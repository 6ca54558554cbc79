// Fuzzes the tunnel message decoder that both the agent and the gateway run on every frame
// their peer sends. Input: one WebSocket binary frame as it arrives.
// Checks: a rejected frame always carries a reason, and every accepted frame encodes back to a
// frame that decodes to the same message, so the codec never invents or drops a field.

#include "tunnel/message.h"

#include <cstdint>
#include <cstdlib>

using namespace Tunnel;

namespace {

QByteArray reencode(const Message &message)
{
    switch (message.type) {
    case MessageType::Hello:
        return encodeHello(*message.hello);
    case MessageType::Welcome:
        return encodeWelcome(*message.welcome);
    case MessageType::RequestHead:
        return encodeRequestHead(message.requestId, *message.requestHead);
    case MessageType::ResponseHead:
        return encodeResponseHead(message.requestId, *message.responseHead);
    case MessageType::Error:
        return encodeError(message.requestId, *message.error);
    case MessageType::RequestBody:
    case MessageType::ResponseBody:
        return encodeBodyChunk(message.type, message.requestId, message.data.constData(),
                               message.data.size());
    case MessageType::Window:
        return encodeWindow(message.requestId, message.window);
    case MessageType::Ping:
    case MessageType::Pong:
        return encodePing(message.type, message.pingValue);
    case MessageType::RequestEnd:
    case MessageType::ResponseEnd:
    case MessageType::Cancel:
    case MessageType::Drain:
        return encodeEmpty(message.type, message.requestId);
    }
    std::abort();
}

bool sameHello(const Hello &a, const Hello &b)
{
    return a.protocol == b.protocol && a.poolId == b.poolId && a.key == b.key
            && a.agentVersion == b.agentVersion && a.instanceId == b.instanceId
            && a.vendor == b.vendor && a.streamIndex == b.streamIndex && a.window == b.window
            && a.tags == b.tags;
}

bool sameWelcome(const Welcome &a, const Welcome &b)
{
    return a.protocol == b.protocol && a.connectionId == b.connectionId && a.window == b.window
            && a.pingIntervalMs == b.pingIntervalMs;
}

bool sameRequestHead(const RequestHead &a, const RequestHead &b)
{
    return a.method == b.method && a.target == b.target && a.headers == b.headers
            && a.description == b.description && a.idleTimeoutMs == b.idleTimeoutMs
            && a.hasBody == b.hasBody;
}

bool sameResponseHead(const ResponseHead &a, const ResponseHead &b)
{
    return a.status == b.status && a.reason == b.reason && a.headers == b.headers;
}

bool sameError(const ErrorMessage &a, const ErrorMessage &b)
{
    return a.kind == b.kind && a.message == b.message && a.rule == b.rule && a.reason == b.reason;
}

bool sameMessage(const Message &a, const Message &b)
{
    if (a.type != b.type || a.data != b.data || a.window != b.window
        || a.pingValue != b.pingValue) {
        return false;
    }
    // Hello, Welcome, Ping and Pong are about the connection, so their encoders always write
    // request id 0 whatever the decoded frame carried.
    const bool connectionMessage = a.type == MessageType::Hello || a.type == MessageType::Welcome
            || a.type == MessageType::Ping || a.type == MessageType::Pong;
    if (!connectionMessage && a.requestId != b.requestId) {
        return false;
    }
    if (a.hello.has_value() != b.hello.has_value()
        || a.welcome.has_value() != b.welcome.has_value()
        || a.requestHead.has_value() != b.requestHead.has_value()
        || a.responseHead.has_value() != b.responseHead.has_value()
        || a.error.has_value() != b.error.has_value()) {
        return false;
    }
    return (!a.hello || sameHello(*a.hello, *b.hello))
            && (!a.welcome || sameWelcome(*a.welcome, *b.welcome))
            && (!a.requestHead || sameRequestHead(*a.requestHead, *b.requestHead))
            && (!a.responseHead || sameResponseHead(*a.responseHead, *b.responseHead))
            && (!a.error || sameError(*a.error, *b.error));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray frame(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto message = decode(frame, &error);
    if (!message) {
        if (error.isEmpty()) {
            std::abort();
        }
        return 0;
    }

    QString secondError;
    const QByteArray encoded = reencode(*message);
    const auto again = decode(encoded, &secondError);
    if (!again || !sameMessage(*message, *again)) {
        std::abort();
    }
    return 0;
}
