#include "message.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtEndian>

namespace Tunnel {

namespace {

QByteArray frameHeader(MessageType type, quint32 requestId, qsizetype payloadSize)
{
    QByteArray frame;
    frame.reserve(transportHeadroom + headerSize + payloadSize);
    frame.resize(transportHeadroom + headerSize);
    frame[transportHeadroom] = char(type);
    qToBigEndian(requestId, frame.data() + transportHeadroom + 1);
    // Removing from the front only moves the start of the data, so the room stays in front.
    frame.remove(0, transportHeadroom);
    return frame;
}

QByteArray jsonFrame(MessageType type, quint32 requestId, const QJsonObject &object)
{
    const QByteArray payload = QJsonDocument(object).toJson(QJsonDocument::Compact);
    QByteArray frame = frameHeader(type, requestId, payload.size());
    frame.append(payload);
    return frame;
}

// Header names and values are bytes; Latin-1 maps each byte to one code point and back, so any
// byte sequence survives the trip through JSON unchanged.
QJsonArray headersToJson(const HttpHeaderList &headers)
{
    QJsonArray array;
    for (const auto &header : headers) {
        array.append(QJsonArray { QString::fromLatin1(header.first),
                                  QString::fromLatin1(header.second) });
    }
    return array;
}

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(const QByteArray &text)
{
    if (text.isEmpty()) {
        return false;
    }
    for (char c : text) {
        if (!isTokenChar(c)) {
            return false;
        }
    }
    return true;
}

// Returns true when `text` contains no CR, LF or NUL, so it cannot split an HTTP header.
bool isSafeFieldValue(const QByteArray &text)
{
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == '\0') {
            return false;
        }
    }
    return true;
}

bool isLatin1(const QString &text)
{
    for (QChar c : text) {
        if (c.unicode() > 0xff) {
            return false;
        }
    }
    return true;
}

std::optional<HttpHeaderList> headersFromJson(const QJsonValue &value, QString *error)
{
    if (!value.isArray()) {
        *error = QStringLiteral("headers must be an array of [name, value] pairs");
        return std::nullopt;
    }
    HttpHeaderList headers;
    for (const QJsonValue &entry : value.toArray()) {
        const QJsonArray pair = entry.toArray();
        if (!entry.isArray() || pair.size() != 2 || !pair.at(0).isString()
            || !pair.at(1).isString()) {
            *error = QStringLiteral("a header entry is not a [name, value] pair of strings");
            return std::nullopt;
        }
        const QString name = pair.at(0).toString();
        const QString fieldValue = pair.at(1).toString();
        if (!isLatin1(name) || !isLatin1(fieldValue)) {
            *error = QStringLiteral("a header holds characters outside Latin-1");
            return std::nullopt;
        }
        const QByteArray nameBytes = name.toLatin1();
        const QByteArray valueBytes = fieldValue.toLatin1();
        if (!isToken(nameBytes)) {
            *error = QStringLiteral("header name \"%1\" is not a valid token").arg(name.left(64));
            return std::nullopt;
        }
        if (!isSafeFieldValue(valueBytes)) {
            *error = QStringLiteral("the value of header %1 contains CR, LF or NUL")
                             .arg(name.left(64));
            return std::nullopt;
        }
        headers.append({ nameBytes, valueBytes });
    }
    return headers;
}

std::optional<QJsonObject> parseJsonPayload(const QByteArray &payload, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = QStringLiteral("payload is not a JSON object");
        return std::nullopt;
    }
    return document.object();
}

// Reads a required string member; sets `error` when it is missing or of another type.
std::optional<QString> requiredString(const QJsonObject &object, const QString &name,
                                      QString *error)
{
    const QJsonValue value = object.value(name);
    if (!value.isString()) {
        *error = QStringLiteral("field \"%1\" is missing or not a string").arg(name);
        return std::nullopt;
    }
    return value.toString();
}

std::optional<int> requiredInt(const QJsonObject &object, const QString &name, int minimum,
                               int maximum, QString *error)
{
    const QJsonValue value = object.value(name);
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number != double(int(number)) || number < minimum
        || number > maximum) {
        *error = QStringLiteral("field \"%1\" is missing or not an integer in %2..%3")
                         .arg(name)
                         .arg(minimum)
                         .arg(maximum);
        return std::nullopt;
    }
    return int(number);
}

std::optional<Hello> decodeHello(const QJsonObject &object, QString *error)
{
    Hello hello;
    const auto protocol = requiredInt(object, QStringLiteral("protocol"), 0, 1 << 30, error);
    const auto poolId = requiredString(object, QStringLiteral("pool"), error);
    const auto key = requiredString(object, QStringLiteral("key"), error);
    const auto version = requiredString(object, QStringLiteral("agentVersion"), error);
    const auto vendor = requiredString(object, QStringLiteral("vendor"), error);
    const auto stream = requiredInt(object, QStringLiteral("stream"), 0, 4096, error);
    const auto window = requiredInt(object, QStringLiteral("window"), int(maxChunkSize),
                                    1 << 30, error);
    if (!protocol || !poolId || !key || !version || !vendor || !stream || !window) {
        return std::nullopt;
    }
    hello.protocol = *protocol;
    hello.poolId = *poolId;
    hello.key = *key;
    hello.agentVersion = *version;
    hello.vendor = *vendor;
    hello.instanceId = object.value(QStringLiteral("instance")).toString().left(64);
    hello.streamIndex = *stream;
    hello.window = quint32(*window);
    const QJsonObject tags = object.value(QStringLiteral("tags")).toObject();
    for (auto it = tags.begin(); it != tags.end(); ++it) {
        hello.tags.append({ it.key(), it.value().toString() });
    }
    return hello;
}

std::optional<Welcome> decodeWelcome(const QJsonObject &object, QString *error)
{
    Welcome welcome;
    const auto protocol = requiredInt(object, QStringLiteral("protocol"), 0, 1 << 30, error);
    const auto connection = requiredString(object, QStringLiteral("connection"), error);
    const auto window = requiredInt(object, QStringLiteral("window"), int(maxChunkSize),
                                    1 << 30, error);
    const auto ping = requiredInt(object, QStringLiteral("pingIntervalMs"), 0, 3600 * 1000,
                                  error);
    if (!protocol || !connection || !window || !ping) {
        return std::nullopt;
    }
    welcome.protocol = *protocol;
    welcome.connectionId = *connection;
    welcome.window = quint32(*window);
    welcome.pingIntervalMs = *ping;
    return welcome;
}

std::optional<RequestHead> decodeRequestHead(const QJsonObject &object, QString *error)
{
    RequestHead head;
    const auto method = requiredString(object, QStringLiteral("method"), error);
    const auto target = requiredString(object, QStringLiteral("target"), error);
    const auto timeout = requiredInt(object, QStringLiteral("idleTimeoutMs"), 0,
                                     24 * 3600 * 1000, error);
    if (!method || !target || !timeout) {
        return std::nullopt;
    }
    if (!isLatin1(*method) || !isToken(method->toLatin1())) {
        *error = QStringLiteral("the method is not a valid token");
        return std::nullopt;
    }
    if (!isLatin1(*target) || target->isEmpty()) {
        *error = QStringLiteral("the request target is empty or not Latin-1");
        return std::nullopt;
    }
    const auto headers = headersFromJson(object.value(QStringLiteral("headers")), error);
    if (!headers) {
        return std::nullopt;
    }
    head.method = method->toLatin1();
    head.target = target->toLatin1();
    head.headers = *headers;
    head.description = object.value(QStringLiteral("description")).toString();
    head.idleTimeoutMs = *timeout;
    head.hasBody = object.value(QStringLiteral("body")).toBool();
    return head;
}

std::optional<ResponseHead> decodeResponseHead(const QJsonObject &object, QString *error)
{
    ResponseHead head;
    const auto status = requiredInt(object, QStringLiteral("status"), 200, 599, error);
    if (!status) {
        return std::nullopt;
    }
    const QString reason = object.value(QStringLiteral("reason")).toString();
    if (!isLatin1(reason) || !isSafeFieldValue(reason.toLatin1())) {
        *error = QStringLiteral("the reason phrase contains CR, LF, NUL or non-Latin-1 text");
        return std::nullopt;
    }
    const auto headers = headersFromJson(object.value(QStringLiteral("headers")), error);
    if (!headers) {
        return std::nullopt;
    }
    head.status = *status;
    head.reason = reason.toLatin1();
    head.headers = *headers;
    return head;
}

std::optional<ErrorMessage> decodeError(const QJsonObject &object, QString *error)
{
    const auto kindName = requiredString(object, QStringLiteral("kind"), error);
    if (!kindName) {
        return std::nullopt;
    }
    const auto kind = errorKindFromName(*kindName);
    if (!kind) {
        *error = QStringLiteral("unknown error kind \"%1\"").arg(kindName->left(32));
        return std::nullopt;
    }
    ErrorMessage message;
    message.kind = *kind;
    message.message = object.value(QStringLiteral("message")).toString();
    message.rule = object.value(QStringLiteral("rule")).toString();
    message.reason = object.value(QStringLiteral("reason")).toString();
    return message;
}

bool decodeJsonMessage(Message &message, const QByteArray &payload, QString *error)
{
    if (payload.size() > maxHeadSize) {
        *error = QStringLiteral("%1 payload of %2 bytes exceeds the limit of %3 bytes")
                         .arg(messageTypeName(message.type))
                         .arg(payload.size())
                         .arg(maxHeadSize);
        return false;
    }
    const auto object = parseJsonPayload(payload, error);
    if (!object) {
        return false;
    }
    switch (message.type) {
    case MessageType::Hello:
        message.hello = decodeHello(*object, error);
        return message.hello.has_value();
    case MessageType::Welcome:
        message.welcome = decodeWelcome(*object, error);
        return message.welcome.has_value();
    case MessageType::RequestHead:
        message.requestHead = decodeRequestHead(*object, error);
        return message.requestHead.has_value();
    case MessageType::ResponseHead:
        message.responseHead = decodeResponseHead(*object, error);
        return message.responseHead.has_value();
    case MessageType::Error:
        message.error = decodeError(*object, error);
        return message.error.has_value();
    default:
        return false;
    }
}

bool expectPayloadSize(const Message &message, qsizetype actual, qsizetype expected,
                       QString *error)
{
    if (actual != expected) {
        *error = QStringLiteral("%1 carries %2 payload bytes, expected %3")
                         .arg(messageTypeName(message.type))
                         .arg(actual)
                         .arg(expected);
        return false;
    }
    return true;
}

} // namespace

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Denied:
        return QStringLiteral("denied");
    case ErrorKind::Upstream:
        return QStringLiteral("upstream");
    case ErrorKind::Timeout:
        return QStringLiteral("timeout");
    case ErrorKind::BadRequest:
        return QStringLiteral("bad_request");
    case ErrorKind::Cancelled:
        return QStringLiteral("cancelled");
    case ErrorKind::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

std::optional<ErrorKind> errorKindFromName(const QString &name)
{
    for (ErrorKind kind : { ErrorKind::Denied, ErrorKind::Upstream, ErrorKind::Timeout,
                            ErrorKind::BadRequest, ErrorKind::Cancelled, ErrorKind::Internal }) {
        if (errorKindName(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

int httpStatusForError(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Denied:
        return 403;
    case ErrorKind::Upstream:
        return 502;
    case ErrorKind::Timeout:
        return 504;
    case ErrorKind::BadRequest:
        return 400;
    case ErrorKind::Cancelled:
        return 499;
    case ErrorKind::Internal:
        return 500;
    }
    return 500;
}

QString messageTypeName(MessageType type)
{
    switch (type) {
    case MessageType::Hello:
        return QStringLiteral("Hello");
    case MessageType::Welcome:
        return QStringLiteral("Welcome");
    case MessageType::RequestHead:
        return QStringLiteral("RequestHead");
    case MessageType::RequestBody:
        return QStringLiteral("RequestBody");
    case MessageType::RequestEnd:
        return QStringLiteral("RequestEnd");
    case MessageType::ResponseHead:
        return QStringLiteral("ResponseHead");
    case MessageType::ResponseBody:
        return QStringLiteral("ResponseBody");
    case MessageType::ResponseEnd:
        return QStringLiteral("ResponseEnd");
    case MessageType::Error:
        return QStringLiteral("Error");
    case MessageType::Cancel:
        return QStringLiteral("Cancel");
    case MessageType::Window:
        return QStringLiteral("Window");
    case MessageType::Ping:
        return QStringLiteral("Ping");
    case MessageType::Pong:
        return QStringLiteral("Pong");
    case MessageType::Drain:
        return QStringLiteral("Drain");
    }
    return QStringLiteral("unknown");
}

QByteArray encodeHello(const Hello &hello)
{
    QJsonObject tags;
    for (const auto &tag : hello.tags) {
        tags.insert(tag.first, tag.second);
    }
    return jsonFrame(MessageType::Hello, 0,
                     { { QStringLiteral("protocol"), hello.protocol },
                       { QStringLiteral("pool"), hello.poolId },
                       { QStringLiteral("key"), hello.key },
                       { QStringLiteral("agentVersion"), hello.agentVersion },
                       { QStringLiteral("vendor"), hello.vendor },
                       { QStringLiteral("instance"), hello.instanceId },
                       { QStringLiteral("stream"), hello.streamIndex },
                       { QStringLiteral("window"), qint64(hello.window) },
                       { QStringLiteral("tags"), tags } });
}

QByteArray encodeWelcome(const Welcome &welcome)
{
    return jsonFrame(MessageType::Welcome, 0,
                     { { QStringLiteral("protocol"), welcome.protocol },
                       { QStringLiteral("connection"), welcome.connectionId },
                       { QStringLiteral("window"), qint64(welcome.window) },
                       { QStringLiteral("pingIntervalMs"), welcome.pingIntervalMs } });
}

QByteArray encodeRequestHead(quint32 requestId, const RequestHead &head)
{
    return jsonFrame(MessageType::RequestHead, requestId,
                     { { QStringLiteral("method"), QString::fromLatin1(head.method) },
                       { QStringLiteral("target"), QString::fromLatin1(head.target) },
                       { QStringLiteral("headers"), headersToJson(head.headers) },
                       { QStringLiteral("description"), head.description },
                       { QStringLiteral("idleTimeoutMs"), head.idleTimeoutMs },
                       { QStringLiteral("body"), head.hasBody } });
}

QByteArray encodeResponseHead(quint32 requestId, const ResponseHead &head)
{
    return jsonFrame(MessageType::ResponseHead, requestId,
                     { { QStringLiteral("status"), head.status },
                       { QStringLiteral("reason"), QString::fromLatin1(head.reason) },
                       { QStringLiteral("headers"), headersToJson(head.headers) } });
}

QByteArray encodeError(quint32 requestId, const ErrorMessage &error)
{
    return jsonFrame(MessageType::Error, requestId,
                     { { QStringLiteral("kind"), errorKindName(error.kind) },
                       { QStringLiteral("message"), error.message },
                       { QStringLiteral("rule"), error.rule },
                       { QStringLiteral("reason"), error.reason } });
}

QByteArray encodeBodyChunk(MessageType type, quint32 requestId, const char *data, qsizetype size)
{
    QByteArray frame = frameHeader(type, requestId, size);
    frame.append(data, size);
    return frame;
}

QByteArray bodyChunkHeader(MessageType type, quint32 requestId, qsizetype reserve)
{
    return frameHeader(type, requestId, reserve);
}

QByteArray encodeEmpty(MessageType type, quint32 requestId)
{
    return frameHeader(type, requestId, 0);
}

QByteArray encodeWindow(quint32 requestId, quint32 credit)
{
    QByteArray frame = frameHeader(MessageType::Window, requestId, 4);
    char value[4];
    qToBigEndian(credit, value);
    frame.append(value, 4);
    return frame;
}

QByteArray encodePing(MessageType type, quint64 value)
{
    QByteArray frame = frameHeader(type, 0, 8);
    char bytes[8];
    qToBigEndian(value, bytes);
    frame.append(bytes, 8);
    return frame;
}

std::optional<Message> decode(const QByteArray &frame, QString *error)
{
    if (frame.size() < headerSize) {
        *error = QStringLiteral("message of %1 bytes is shorter than the 5-byte header")
                         .arg(frame.size());
        return std::nullopt;
    }
    if (frame.size() > maxMessageSize) {
        *error = QStringLiteral("message of %1 bytes exceeds the limit of %2 bytes")
                         .arg(frame.size())
                         .arg(maxMessageSize);
        return std::nullopt;
    }
    Message message;
    const quint8 type = quint8(frame.at(0));
    message.type = MessageType(type);
    message.requestId = qFromBigEndian<quint32>(frame.constData() + 1);
    const QByteArray payload = frame.mid(headerSize);
    switch (message.type) {
    case MessageType::Hello:
    case MessageType::Welcome:
    case MessageType::RequestHead:
    case MessageType::ResponseHead:
    case MessageType::Error:
        if (!decodeJsonMessage(message, payload, error)) {
            *error = QStringLiteral("malformed %1 message: %2")
                             .arg(messageTypeName(message.type), *error);
            return std::nullopt;
        }
        return message;
    case MessageType::RequestBody:
    case MessageType::ResponseBody:
        if (payload.size() > maxChunkSize) {
            *error = QStringLiteral("body chunk of %1 bytes exceeds the limit of %2 bytes")
                             .arg(payload.size())
                             .arg(maxChunkSize);
            return std::nullopt;
        }
        message.data = payload;
        return message;
    case MessageType::RequestEnd:
    case MessageType::ResponseEnd:
    case MessageType::Cancel:
    case MessageType::Drain:
        if (!expectPayloadSize(message, payload.size(), 0, error)) {
            return std::nullopt;
        }
        return message;
    case MessageType::Window:
        if (!expectPayloadSize(message, payload.size(), 4, error)) {
            return std::nullopt;
        }
        message.window = qFromBigEndian<quint32>(payload.constData());
        return message;
    case MessageType::Ping:
    case MessageType::Pong:
        if (!expectPayloadSize(message, payload.size(), 8, error)) {
            return std::nullopt;
        }
        message.pingValue = qFromBigEndian<quint64>(payload.constData());
        return message;
    }
    *error = QStringLiteral("unknown message type 0x%1").arg(type, 2, 16, QLatin1Char('0'));
    return std::nullopt;
}

} // namespace Tunnel
