#include "httpparser.h"

namespace {

constexpr qsizetype maxChunkSizeLine = 1024;
constexpr qsizetype maxTrailerSize = 16 * 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
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

// Field values may hold visible characters, spaces, tabs and obs-text; no other controls.
bool isFieldValue(QByteArrayView text)
{
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

bool isRequestTargetChar(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte != 0x7f;
}

QByteArray printable(QByteArrayView text)
{
    QByteArray result;
    for (char c : text.first(qMin<qsizetype>(text.size(), 80))) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            result.append("\\x").append(QByteArray::number(byte, 16).rightJustified(2, '0'));
        } else {
            result.append(c);
        }
    }
    return result;
}

// Parses a non-negative decimal number of at most 18 digits, so it cannot overflow.
qint64 parseDecimal(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18) {
        return -1;
    }
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

// Whether the first `size` bytes of `bytes` contain an LF that does not follow a CR.
bool hasBareLineFeed(const QByteArray &bytes, qsizetype size)
{
    for (qsizetype i = bytes.indexOf('\n'); i >= 0 && i < size; i = bytes.indexOf('\n', i + 1)) {
        if (i == 0 || bytes.at(i - 1) != '\r') {
            return true;
        }
    }
    return false;
}

qint64 parseHex(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 15) {
        return -1;
    }
    qint64 value = 0;
    for (char c : text) {
        int digit = -1;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

} // namespace

HttpParser::HttpParser(Kind kind)
    : m_kind(kind)
{
}

void HttpParser::reset()
{
    m_state = State::Head;
    m_framing = Framing::None;
    m_chunkState = ChunkState::Size;
    m_head = HttpHead();
    m_requestMethod.clear();
    m_contentLength = -1;
    m_remaining = 0;
    m_trailerBytes = 0;
    m_error.clear();
    m_errorStatus = 0;
}

void HttpParser::fail(int status, const QString &message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_error = message;
}

HttpParser::State HttpParser::parse(QByteArray &input, QByteArray &body, qsizetype maxBodyBytes)
{
    if (m_state == State::Head) {
        if (!parseHead(input)) {
            return m_state;
        }
    }
    if (m_state == State::Body) {
        parseBody(input, body, maxBodyBytes);
    }
    return m_state;
}

HttpParser::State HttpParser::finish()
{
    if (m_state == State::Body && m_framing == Framing::UntilClose) {
        m_state = State::Complete;
    } else if (m_state == State::Head || m_state == State::Body) {
        fail(502, QStringLiteral("the connection closed before the message was complete"));
    }
    return m_state;
}

bool HttpParser::parseHead(QByteArray &input)
{
    // Tolerate empty lines before a request line, as RFC 9112 section 2.2 allows.
    while (m_kind == Kind::Request && input.startsWith("\r\n")) {
        input.remove(0, 2);
    }
    const qsizetype end = input.indexOf("\r\n\r\n");

    // Reject a bare LF as soon as it arrives. A head whose lines all end in LF never contains
    // CRLF CRLF and would otherwise be held until it reached the size limit.
    if (hasBareLineFeed(input, end < 0 ? input.size() : end + 4)) {
        fail(400, QStringLiteral("a header line ends in a bare LF"));
        return false;
    }
    if (end < 0) {
        if (input.size() > m_maxHeadSize) {
            fail(431, QStringLiteral("the message head exceeds %1 bytes").arg(m_maxHeadSize));
        }
        return false;
    }
    if (end + 4 > m_maxHeadSize) {
        fail(431, QStringLiteral("the message head exceeds %1 bytes").arg(m_maxHeadSize));
        return false;
    }
    const QByteArray headBytes = input.left(end);
    input.remove(0, end + 4);
    const QList<QByteArray> lines = headBytes.split('\n');
    if (lines.size() - 1 > defaultMaxHeaderCount) {
        fail(431, QStringLiteral("the message has more than %1 header fields")
                          .arg(defaultMaxHeaderCount));
        return false;
    }
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (i + 1 < lines.size() || line.endsWith('\r')) {
            if (!line.endsWith('\r')) {
                fail(400, QStringLiteral("a header line ends in a bare LF"));
                return false;
            }
            line.chop(1);
        }
        const bool ok = i == 0 ? parseStartLine(line) : parseHeaderLine(line);
        if (!ok) {
            return false;
        }
    }
    if (!decideFraming()) {
        return false;
    }
    m_state = m_framing == Framing::None ? State::Complete : State::Body;
    return true;
}

bool HttpParser::parseStartLine(const QByteArray &line)
{
    const QList<QByteArray> parts = line.split(' ');
    if (m_kind == Kind::Request) {
        if (parts.size() != 3 || !isToken(parts.at(0))) {
            fail(400, QStringLiteral("malformed request line \"%1\"")
                              .arg(QString::fromLatin1(printable(line))));
            return false;
        }
        for (char c : parts.at(1)) {
            if (!isRequestTargetChar(c)) {
                fail(400, QStringLiteral("the request target contains a control character"));
                return false;
            }
        }
        m_head.method = parts.at(0);
        m_head.target = parts.at(1);
        m_head.version = parts.at(2);
    } else {
        if (parts.size() < 2 || parts.at(1).size() != 3) {
            fail(502, QStringLiteral("malformed status line \"%1\"")
                              .arg(QString::fromLatin1(printable(line))));
            return false;
        }
        const qint64 status = parseDecimal(parts.at(1));
        if (status < 100 || status > 599) {
            fail(502, QStringLiteral("invalid status code in \"%1\"")
                              .arg(QString::fromLatin1(printable(line))));
            return false;
        }
        m_head.version = parts.at(0);
        m_head.status = int(status);
        m_head.reason = line.mid(parts.at(0).size() + 5);
        if (!isFieldValue(m_head.reason)) {
            fail(502, QStringLiteral("the reason phrase contains control characters"));
            return false;
        }
    }
    if (m_head.version != "HTTP/1.1" && m_head.version != "HTTP/1.0") {
        fail(505, QStringLiteral("unsupported HTTP version \"%1\"")
                          .arg(QString::fromLatin1(printable(m_head.version))));
        return false;
    }
    return true;
}

bool HttpParser::parseHeaderLine(const QByteArray &line)
{
    if (line.startsWith(' ') || line.startsWith('\t')) {
        fail(400, QStringLiteral("obsolete header line folding is not accepted"));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        fail(400, QStringLiteral("header line without a name and colon: \"%1\"")
                          .arg(QString::fromLatin1(printable(line))));
        return false;
    }
    const QByteArray name = line.left(colon);
    if (!isToken(name)) {
        fail(400, QStringLiteral("invalid header name \"%1\"")
                          .arg(QString::fromLatin1(printable(name))));
        return false;
    }
    const QByteArray value = line.mid(colon + 1).trimmed();
    if (!isFieldValue(value)) {
        fail(400, QStringLiteral("the value of header %1 contains control characters")
                          .arg(QString::fromLatin1(name)));
        return false;
    }
    m_head.headers.append({ name, value });
    return true;
}

bool HttpParser::decideFraming()
{
    const int errorStatus = m_kind == Kind::Request ? 400 : 502;
    const QList<QByteArray> transferEncodings = HttpHeaders::values(m_head.headers,
                                                                    "Transfer-Encoding");
    const QList<QByteArray> lengths = HttpHeaders::values(m_head.headers, "Content-Length");
    if (!transferEncodings.isEmpty() && !lengths.isEmpty()) {
        fail(errorStatus,
             QStringLiteral("the message has both Transfer-Encoding and Content-Length"));
        return false;
    }
    const bool noBody = m_kind == Kind::Response
            && (m_requestMethod == "HEAD" || m_head.status < 200 || m_head.status == 204
                || m_head.status == 304);
    if (!transferEncodings.isEmpty()) {
        if (transferEncodings.size() != 1
            || transferEncodings.first().compare("chunked", Qt::CaseInsensitive) != 0) {
            fail(m_kind == Kind::Request ? 501 : 502,
                 QStringLiteral("unsupported Transfer-Encoding \"%1\"; only chunked is accepted")
                         .arg(QString::fromLatin1(printable(transferEncodings.join(',')))));
            return false;
        }
        m_framing = noBody ? Framing::None : Framing::Chunked;
        return true;
    }
    if (!lengths.isEmpty()) {
        qint64 length = -1;
        for (const QByteArray &text : lengths) {
            for (const QByteArray &item : text.split(',')) {
                const qint64 value = parseDecimal(item.trimmed());
                if (value < 0 || (length >= 0 && value != length)) {
                    fail(errorStatus, QStringLiteral("invalid Content-Length \"%1\"")
                                              .arg(QString::fromLatin1(printable(text))));
                    return false;
                }
                length = value;
            }
        }
        m_contentLength = length;
        m_remaining = length;
        m_framing = (noBody || length == 0) ? Framing::None : Framing::ContentLength;
        return true;
    }
    if (m_kind == Kind::Response && !noBody) {
        m_framing = Framing::UntilClose;
    } else {
        m_framing = Framing::None;
    }
    if (m_kind == Kind::Request) {
        m_contentLength = 0;
    }
    return true;
}

void HttpParser::parseBody(QByteArray &input, QByteArray &body, qsizetype maxBodyBytes)
{
    qsizetype budget = maxBodyBytes;
    while (m_state == State::Body && !input.isEmpty()) {
        if (m_framing == Framing::UntilClose) {
            const qsizetype take = qMin(budget, input.size());
            body.append(input.constData(), take);
            input.remove(0, take);
            return;
        }
        if (m_framing == Framing::ContentLength
            || (m_framing == Framing::Chunked && m_chunkState == ChunkState::Data)) {
            const qsizetype take = qsizetype(qMin<qint64>(qMin(budget, input.size()), m_remaining));
            if (take == 0) {
                return;
            }
            body.append(input.constData(), take);
            input.remove(0, take);
            budget -= take;
            m_remaining -= take;
            if (m_remaining == 0) {
                if (m_framing == Framing::ContentLength) {
                    m_state = State::Complete;
                } else {
                    m_chunkState = ChunkState::DataEnd;
                }
            }
            continue;
        }
        if (m_chunkState == ChunkState::DataEnd) {
            if (input.size() < 2) {
                return;
            }
            if (!input.startsWith("\r\n")) {
                fail(m_kind == Kind::Request ? 400 : 502,
                     QStringLiteral("a chunk is not followed by CRLF"));
                return;
            }
            input.remove(0, 2);
            m_chunkState = ChunkState::Size;
            continue;
        }
        if (m_chunkState == ChunkState::Size) {
            if (!parseChunkSizeLine(input)) {
                return;
            }
            continue;
        }
        if (!parseTrailers(input)) {
            return;
        }
    }
}

bool HttpParser::parseChunkSizeLine(QByteArray &input)
{
    const int errorStatus = m_kind == Kind::Request ? 400 : 502;
    // The limit applies to the line without its CRLF, whether or not the CRLF has arrived, so
    // the result does not depend on how the input was split.
    const qsizetype end = input.indexOf("\r\n");
    const qsizetype lineLength = end >= 0 ? end
                                          : (input.endsWith('\r') ? input.size() - 1 : input.size());
    if (lineLength > maxChunkSizeLine) {
        fail(errorStatus,
             QStringLiteral("a chunk size line exceeds %1 bytes").arg(maxChunkSizeLine));
        return false;
    }
    if (end < 0) {
        return false;
    }
    QByteArray line = input.left(end);
    input.remove(0, end + 2);
    const qsizetype extension = line.indexOf(';');
    if (extension >= 0) {
        line.truncate(extension);
    }
    const qint64 size = parseHex(line.trimmed());
    if (size < 0) {
        fail(errorStatus, QStringLiteral("invalid chunk size \"%1\"")
                                  .arg(QString::fromLatin1(printable(line))));
        return false;
    }
    if (size == 0) {
        m_chunkState = ChunkState::Trailers;
    } else {
        m_remaining = size;
        m_chunkState = ChunkState::Data;
    }
    return true;
}

bool HttpParser::parseTrailers(QByteArray &input)
{
    // Trailer fields are read and dropped: none of them is forwarded.
    while (true) {
        const qsizetype end = input.indexOf("\r\n");
        if (end < 0) {
            // A partial line counts as the field line it will become, with its CRLF. An empty
            // one may still be the final CRLF, which the limit does not count.
            const qsizetype pending = input.endsWith('\r') ? input.size() - 1 : input.size();
            if (pending > 0 && m_trailerBytes + pending + 2 > maxTrailerSize) {
                fail(m_kind == Kind::Request ? 431 : 502,
                     QStringLiteral("the trailer section exceeds %1 bytes").arg(maxTrailerSize));
            }
            return false;
        }
        m_trailerBytes += end + 2;
        input.remove(0, end + 2);
        if (end == 0) {
            m_state = State::Complete;
            return true;
        }
        if (m_trailerBytes > maxTrailerSize) {
            fail(m_kind == Kind::Request ? 431 : 502,
                 QStringLiteral("the trailer section exceeds %1 bytes").arg(maxTrailerSize));
            return false;
        }
    }
}

bool HttpParser::keepAlive() const
{
    if (m_framing == Framing::UntilClose) {
        return false;
    }

    // Connection is a comma-separated token list that may be split over several fields.
    bool close = false;
    bool keepAliveToken = false;
    for (const QByteArray &value : HttpHeaders::values(m_head.headers, "Connection")) {
        for (const QByteArray &token : value.split(',')) {
            const QByteArray name = token.trimmed().toLower();
            close = close || name == "close";
            keepAliveToken = keepAliveToken || name == "keep-alive";
        }
    }
    if (close) {
        return false;
    }
    return m_head.version == "HTTP/1.1" || keepAliveToken;
}
