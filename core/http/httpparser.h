#pragma once

#include "httpheaders.h"

#include <QByteArray>
#include <QString>

// The start line and header fields of one HTTP/1.1 message.
struct HttpHead
{
    QByteArray method;  // requests only
    QByteArray target;  // requests only, exactly as received
    QByteArray version; // "HTTP/1.1" or "HTTP/1.0"
    int status = 0;     // responses only
    QByteArray reason;  // responses only
    HttpHeaderList headers;
};

// An incremental HTTP/1.1 parser for requests (the gateway's platform listener) and responses
// (the agent's upstream connection). It consumes bytes as they arrive and hands out the decoded
// body in pieces no larger than the caller allows, so a body never has to fit in memory.
// It rejects messages that could be read two ways: Transfer-Encoding together with
// Content-Length, conflicting Content-Length values, transfer codings other than chunked,
// obsolete line folding and whitespace before a header colon.
class HttpParser
{
public:
    enum class Kind { Request, Response };
    enum class Framing { None, ContentLength, Chunked, UntilClose };
    enum class State { Head, Body, Complete, Failed };

    static constexpr qsizetype defaultMaxHeadSize = 64 * 1024;
    static constexpr int defaultMaxHeaderCount = 256;

    explicit HttpParser(Kind kind);

    void setMaxHeadSize(qsizetype bytes) { m_maxHeadSize = bytes; }
    // A response to HEAD, and 1xx, 204 and 304 responses, have no body whatever their headers
    // contain; the caller sets the request method before the head arrives.
    void setRequestMethod(const QByteArray &method) { m_requestMethod = method; }

    // Parses from the front of `input` and removes what it consumed. Decoded body bytes, at most
    // `maxBodyBytes` of them, are appended to `body`. Returns the state after parsing.
    State parse(QByteArray &input, QByteArray &body, qsizetype maxBodyBytes);

    // Tells the parser that the peer closed the connection. A body framed by the connection's
    // end is then complete; any other unfinished message fails.
    State finish();

    // Prepares for the next message on a persistent connection.
    void reset();

    State state() const { return m_state; }
    const HttpHead &head() const { return m_head; }
    Framing framing() const { return m_framing; }
    // Declared body length for Content-Length framing, otherwise -1.
    qint64 contentLength() const { return m_contentLength; }
    // Whether the connection may carry another message after this one.
    bool keepAlive() const;
    // Why parsing failed, and the HTTP status a server returns for it (400, 413, 431, 501, 505).
    QString errorString() const { return m_error; }
    int errorStatus() const { return m_errorStatus; }

private:
    bool parseHead(QByteArray &input);
    bool parseStartLine(const QByteArray &line);
    bool parseHeaderLine(const QByteArray &line);
    bool decideFraming();
    void parseBody(QByteArray &input, QByteArray &body, qsizetype maxBodyBytes);
    bool parseChunkSizeLine(QByteArray &input);
    bool parseTrailers(QByteArray &input);
    void fail(int status, const QString &message);

    enum class ChunkState { Size, Data, DataEnd, Trailers };

    Kind m_kind;
    State m_state = State::Head;
    Framing m_framing = Framing::None;
    ChunkState m_chunkState = ChunkState::Size;
    HttpHead m_head;
    QByteArray m_requestMethod;
    qint64 m_contentLength = -1;
    qint64 m_remaining = 0;
    qsizetype m_maxHeadSize = defaultMaxHeadSize;
    qsizetype m_trailerBytes = 0;
    QString m_error;
    int m_errorStatus = 0;
};
