#include "http/httpparser.h"

#include <QRandomGenerator>
#include <QTest>
#include <limits>

Q_DECLARE_METATYPE(HttpParser::Kind)
Q_DECLARE_METATYPE(HttpParser::State)
Q_DECLARE_METATYPE(HttpParser::Framing)

namespace {

constexpr qsizetype unlimited = std::numeric_limits<qsizetype>::max();

// What one message parse produced, in a form that two parses can be compared by.
struct Outcome
{
    HttpParser::State state = HttpParser::State::Head;
    HttpParser::Framing framing = HttpParser::Framing::None;
    QByteArray startLine; // method, target, version, status and reason joined by spaces
    QByteArray headers;   // one "name: value" line per field, in arrival order
    QByteArray body;
    QByteArray rest; // input left unconsumed after the message
    qint64 contentLength = -1;
    int errorStatus = 0;
    QString error;
    bool keepAlive = false;
    qsizetype largestBodyStep = 0; // maximum body bytes appended by one parse() call
};

QByteArray renderHeaders(const HttpHeaderList &headers)
{
    QByteArray text;
    for (const auto &header : headers) {
        text += header.first + ": " + header.second + '\n';
    }
    return text;
}

// Calls parse() until it makes no more progress on `input`.
void parseAvailable(HttpParser &parser, QByteArray &input, QByteArray &body, qsizetype budget,
                    Outcome &outcome)
{
    while (true) {
        const qsizetype inputBefore = input.size();
        const qsizetype bodyBefore = body.size();
        const HttpParser::State stateBefore = parser.state();
        parser.parse(input, body, budget);
        outcome.largestBodyStep = qMax(outcome.largestBodyStep, body.size() - bodyBefore);
        const bool progressed = input.size() != inputBefore || body.size() != bodyBefore
                || parser.state() != stateBefore;
        if (!progressed || parser.state() != HttpParser::State::Body || input.isEmpty()) {
            return;
        }
    }
}

// Feeds `pieces` to a new parser one after the other, then calls finish() if `finish` is set
// and the message is not yet over.
Outcome parsePieces(HttpParser::Kind kind, const QList<QByteArray> &pieces,
                    const QByteArray &requestMethod, bool finish, qsizetype budget = unlimited,
                    qsizetype maxHeadSize = HttpParser::defaultMaxHeadSize)
{
    HttpParser parser(kind);
    parser.setRequestMethod(requestMethod);
    parser.setMaxHeadSize(maxHeadSize);
    Outcome outcome;
    QByteArray input;
    for (const QByteArray &piece : pieces) {
        input.append(piece);
        if (parser.state() == HttpParser::State::Head || parser.state() == HttpParser::State::Body) {
            parseAvailable(parser, input, outcome.body, budget, outcome);
        }
    }
    if (finish
        && (parser.state() == HttpParser::State::Head
            || parser.state() == HttpParser::State::Body)) {
        parser.finish();
    }

    const HttpHead &head = parser.head();
    outcome.state = parser.state();
    outcome.framing = parser.framing();
    outcome.startLine = head.method + ' ' + head.target + ' ' + head.version + ' '
            + QByteArray::number(head.status) + ' ' + head.reason;
    outcome.headers = renderHeaders(head.headers);
    outcome.rest = input;
    outcome.contentLength = parser.contentLength();
    outcome.errorStatus = parser.errorStatus();
    outcome.error = parser.errorString();
    outcome.keepAlive = parser.state() == HttpParser::State::Complete && parser.keepAlive();
    return outcome;
}

QList<QByteArray> splitEvery(const QByteArray &bytes, qsizetype size)
{
    QList<QByteArray> pieces;
    for (qsizetype i = 0; i < bytes.size(); i += size) {
        pieces.append(bytes.mid(i, size));
    }
    return pieces;
}

QList<QByteArray> splitRandomly(const QByteArray &bytes, QRandomGenerator &random)
{
    QList<QByteArray> pieces;
    qsizetype position = 0;
    while (position < bytes.size()) {
        const qsizetype size = 1 + random.bounded(int(qMin<qsizetype>(bytes.size(), 40)));
        pieces.append(bytes.mid(position, size));
        position += size;
    }
    return pieces;
}

// Compares every field of two outcomes. `splitName` names the split in failure messages.
bool sameOutcome(const Outcome &expected, const Outcome &actual, const char *splitName)
{
    QByteArray differences;
    if (actual.state != expected.state) {
        differences += " state";
    }
    if (actual.framing != expected.framing) {
        differences += " framing";
    }
    if (actual.startLine != expected.startLine) {
        differences += " start line";
    }
    if (actual.headers != expected.headers) {
        differences += " headers";
    }
    if (actual.body != expected.body) {
        differences += " body";
    }
    // What a failed parse leaves unconsumed depends on where the failure was noticed.
    if (expected.state != HttpParser::State::Failed && actual.rest != expected.rest) {
        differences += " rest";
    }
    if (actual.contentLength != expected.contentLength) {
        differences += " content length";
    }
    if (actual.errorStatus != expected.errorStatus) {
        differences += " error status (" + QByteArray::number(expected.errorStatus) + " vs "
                + QByteArray::number(actual.errorStatus) + ')';
    }
    if (actual.keepAlive != expected.keepAlive) {
        differences += " keep-alive";
    }
    if (differences.isEmpty()) {
        return true;
    }
    qWarning("split %s differs from the whole message in:%s", splitName, differences.constData());
    return false;
}

QByteArray repeated(char c, qsizetype count)
{
    return QByteArray(count, c);
}

} // namespace

class TestHttpParser final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void messages_data();
    void messages();
    void oversizedHead_data();
    void oversizedHead();
    void headerCount_data();
    void headerCount();
    void keepAlive_data();
    void keepAlive();
    void pipelinedRequests();
    void pipelinedResponses();
    void informationalThenFinal();
    void bodyBudgetHonoured_data();
    void bodyBudgetHonoured();
    void zeroBudgetKeepsBody();
    void finishAfterComplete();
};

void TestHttpParser::messages_data()
{
    QTest::addColumn<HttpParser::Kind>("kind");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("requestMethod");
    QTest::addColumn<bool>("finish");
    QTest::addColumn<HttpParser::State>("state");
    QTest::addColumn<HttpParser::Framing>("framing");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("errorStatus");

    using Kind = HttpParser::Kind;
    using State = HttpParser::State;
    using Framing = HttpParser::Framing;
    const QByteArray none;

    // Requests that parse.
    QTest::newRow("request without body")
            << Kind::Request << QByteArray("GET /api/v4/user HTTP/1.1\r\nHost: a\r\n\r\n") << none
            << false << State::Complete << Framing::None << QByteArray() << 0;
    QTest::newRow("request empty lines first")
            << Kind::Request << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") << none
            << false << State::Complete << Framing::None << QByteArray() << 0;
    QTest::newRow("request content-length")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world")
            << none << false << State::Complete << Framing::ContentLength
            << QByteArray("hello world") << 0;
    QTest::newRow("request content-length zero")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << none
            << false << State::Complete << Framing::None << QByteArray() << 0;
    QTest::newRow("request body binary")
            << Kind::Request
            << QByteArray(QByteArray("PUT /x HTTP/1.1\r\nContent-Length: 6\r\n\r\n")
                          + QByteArray("\r\n\0\xff\r\n", 6))
            << none << false << State::Complete << Framing::ContentLength
            << QByteArray("\r\n\0\xff\r\n", 6) << 0;
    QTest::newRow("request chunked extensions trailers")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5;name=value\r\nhello\r\n"
                          "6 ; other=\"quoted;text\"\r\n world\r\n"
                          "0;last\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n")
            << none << false << State::Complete << Framing::Chunked << QByteArray("hello world")
            << 0;
    QTest::newRow("request chunked upper-case hex")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                          "A\r\n0123456789\r\n00000001\r\n!\r\n0\r\n\r\n")
            << none << false << State::Complete << Framing::Chunked
            << QByteArray("0123456789!") << 0;
    QTest::newRow("duplicate identical content-length")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc")
            << none << false << State::Complete << Framing::ContentLength << QByteArray("abc")
            << 0;
    QTest::newRow("identical content-length list")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc")
            << none << false << State::Complete << Framing::ContentLength << QByteArray("abc")
            << 0;

    // Requests that must be rejected.
    QTest::newRow("transfer-encoding with content-length")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
                          "\r\n\r\n0\r\n\r\n")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("conflicting content-length headers")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("conflicting content-length list")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("negative content-length")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("signed content-length")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("non-numeric content-length")
            << Kind::Request << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("gzip transfer-encoding")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 501;
    QTest::newRow("gzip then chunked")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
            << none << false << State::Failed << Framing::None << QByteArray() << 501;
    QTest::newRow("identity transfer-encoding")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n") << none
            << false << State::Failed << Framing::None << QByteArray() << 501;
    QTest::newRow("chunked twice")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            << none << false << State::Failed << Framing::None << QByteArray() << 501;
    QTest::newRow("obs-fold")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n") << none
            << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("obs-fold with tab")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n") << none
            << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("space before colon")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("tab before colon")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("space before colon on content-length")
            << Kind::Request << QByteArray("POST / HTTP/1.1\r\nContent-Length : 3\r\n\r\nabc")
            << none << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("header without colon")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nHost a\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("control character in value")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n") << none
            << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("bare LF between headers")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nHost: a\nX-B: b\r\n\r\n") << none
            << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("bare LF after request line")
            << Kind::Request << QByteArray("GET / HTTP/1.1\nHost: a\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("bare LF only")
            << Kind::Request << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("bare LF ends head")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("malformed request line")
            << Kind::Request << QByteArray("GET  / HTTP/1.1\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("unsupported version")
            << Kind::Request << QByteArray("GET / HTTP/2.0\r\n\r\n") << none << false
            << State::Failed << Framing::None << QByteArray() << 505;
    QTest::newRow("invalid chunk size")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("negative chunk size")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("prefixed chunk size")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("empty chunk size")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("huge chunk size")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "10000000000000000\r\nx")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("overlong chunk size line")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;"
                          + repeated('e', 2000) + "\r\nhello\r\n0\r\n\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray() << 400;
    QTest::newRow("chunk data without CRLF")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhelloXX0\r\n\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray("hello") << 400;
    // The trailer limit is 16 KiB, counting each field line with its CRLF.
    QTest::newRow("trailers at the limit")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1\r\na\r\n0\r\nX-Big: "
                          + repeated('t', 16 * 1024 - 9) + "\r\n\r\n")
            << none << false << State::Complete << Framing::Chunked << QByteArray("a") << 0;
    QTest::newRow("oversized trailers")
            << Kind::Request
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1\r\na\r\n0\r\nX-Big: "
                          + repeated('t', 17 * 1024) + "\r\n\r\n")
            << none << false << State::Failed << Framing::Chunked << QByteArray("a") << 431;

    // Responses.
    QTest::newRow("response content-length")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            << QByteArray("GET") << false << State::Complete << Framing::ContentLength
            << QByteArray("hello") << 0;
    QTest::newRow("response without reason")
            << Kind::Response << QByteArray("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
            << QByteArray("GET") << false << State::Complete << Framing::ContentLength
            << QByteArray("ok") << 0;
    QTest::newRow("response chunked with trailers")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3;ext\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n")
            << QByteArray("GET") << false << State::Complete << Framing::Chunked
            << QByteArray("abcde") << 0;
    QTest::newRow("response until close")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end\r\n")
            << QByteArray("GET") << true << State::Complete << Framing::UntilClose
            << QByteArray("until the end\r\n") << 0;
    QTest::newRow("response until close empty")
            << Kind::Response << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << QByteArray("GET") << true
            << State::Complete << Framing::UntilClose << QByteArray() << 0;
    QTest::newRow("response until close unfinished")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\n\r\npartial") << QByteArray("GET")
            << false << State::Body << Framing::UntilClose << QByteArray("partial") << 0;
    QTest::newRow("truncated content-length")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            << QByteArray("GET") << true << State::Failed << Framing::ContentLength
            << QByteArray("hello") << 502;
    QTest::newRow("truncated chunk")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
            << QByteArray("GET") << true << State::Failed << Framing::Chunked << QByteArray("hel")
            << 502;
    QTest::newRow("chunked without last chunk")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            << QByteArray("GET") << true << State::Failed << Framing::Chunked
            << QByteArray("hello") << 502;
    QTest::newRow("chunked without final CRLF")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n")
            << QByteArray("GET") << true << State::Failed << Framing::Chunked << QByteArray("x")
            << 502;
    QTest::newRow("truncated head")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nContent-Len") << QByteArray("GET")
            << true << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("response to HEAD")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            << QByteArray("HEAD") << false << State::Complete << Framing::None << QByteArray()
            << 0;
    QTest::newRow("chunked response to HEAD")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            << QByteArray("HEAD") << false << State::Complete << Framing::None << QByteArray()
            << 0;
    QTest::newRow("204 response")
            << Kind::Response << QByteArray("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")
            << QByteArray("DELETE") << false << State::Complete << Framing::None << QByteArray()
            << 0;
    QTest::newRow("304 with content-length")
            << Kind::Response
            << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"x\"\r\n\r\n")
            << QByteArray("GET") << false << State::Complete << Framing::None << QByteArray()
            << 0;
    QTest::newRow("103 response")
            << Kind::Response << QByteArray("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
            << QByteArray("GET") << false << State::Complete << Framing::None << QByteArray()
            << 0;
    QTest::newRow("response transfer-encoding with content-length")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3"
                          "\r\n\r\n0\r\n\r\n")
            << QByteArray("GET") << false << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("response gzip transfer-encoding")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
            << QByteArray("GET") << false << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("response conflicting content-length")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")
            << QByteArray("GET") << false << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("four-digit status")
            << Kind::Response << QByteArray("HTTP/1.1 2000 OK\r\n\r\n") << QByteArray("GET")
            << false << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("status below 100")
            << Kind::Response << QByteArray("HTTP/1.1 099 Odd\r\n\r\n") << QByteArray("GET")
            << false << State::Failed << Framing::None << QByteArray() << 502;
    QTest::newRow("response bare LF")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\nContent-Length: 0\n\n")
            << QByteArray("GET") << false << State::Failed << Framing::None << QByteArray() << 400;
    QTest::newRow("response invalid chunk size")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n")
            << QByteArray("GET") << false << State::Failed << Framing::Chunked << QByteArray()
            << 502;
}

void TestHttpParser::messages()
{
    QFETCH(HttpParser::Kind, kind);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, requestMethod);
    QFETCH(bool, finish);
    QFETCH(HttpParser::State, state);
    QFETCH(HttpParser::Framing, framing);
    QFETCH(QByteArray, body);
    QFETCH(int, errorStatus);

    const Outcome whole = parsePieces(kind, { message }, requestMethod, finish);
    QCOMPARE(whole.state, state);
    QCOMPARE(whole.framing, framing);
    QCOMPARE(whole.body, body);
    QCOMPARE(whole.errorStatus, errorStatus);
    if (state == HttpParser::State::Failed) {
        QVERIFY(!whole.error.isEmpty());
    } else {
        QVERIFY2(whole.error.isEmpty(), qPrintable(whole.error));
        QVERIFY2(whole.rest.isEmpty(), whole.rest.constData());
    }

    const Outcome byteByByte = parsePieces(kind, splitEvery(message, 1), requestMethod, finish);
    QVERIFY(sameOutcome(whole, byteByByte, "byte by byte"));

    // Every split into two pieces, so each byte boundary is the end of one read.
    for (qsizetype at = 1; at < message.size(); ++at) {
        const Outcome twoPieces = parsePieces(kind, { message.left(at), message.mid(at) },
                                              requestMethod, finish);
        QVERIFY2(sameOutcome(whole, twoPieces, "in two"), qPrintable(QString::number(at)));
    }

    QRandomGenerator random(20240611);
    for (int round = 0; round < 50; ++round) {
        const Outcome split = parsePieces(kind, splitRandomly(message, random), requestMethod,
                                          finish);
        QVERIFY2(sameOutcome(whole, split, "random"), qPrintable(QString::number(round)));
    }
}

void TestHttpParser::oversizedHead_data()
{
    QTest::addColumn<HttpParser::Kind>("kind");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<qsizetype>("maxHeadSize");
    QTest::addColumn<HttpParser::State>("state");

    // "GET / HTTP/1.1\r\n" (16) + "X-Fill: " (8) + fill + "\r\n\r\n" (4).
    const auto request = [](qsizetype fill) -> QByteArray {
        return QByteArray("GET / HTTP/1.1\r\nX-Fill: ") + repeated('f', fill) + "\r\n\r\n";
    };
    QTest::newRow("head at the limit")
            << HttpParser::Kind::Request << request(1024 - 28) << qsizetype(1024)
            << HttpParser::State::Complete;
    QTest::newRow("head one byte over")
            << HttpParser::Kind::Request << request(1024 - 27) << qsizetype(1024)
            << HttpParser::State::Failed;
    QTest::newRow("head never ends")
            << HttpParser::Kind::Request
            << QByteArray("GET / HTTP/1.1\r\nX-Fill: " + repeated('f', 2000)) << qsizetype(1024)
            << HttpParser::State::Failed;
    QTest::newRow("response head over")
            << HttpParser::Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nX-Fill: " + repeated('f', 2000) + "\r\n\r\n")
            << qsizetype(1024) << HttpParser::State::Failed;
}

void TestHttpParser::oversizedHead()
{
    QFETCH(HttpParser::Kind, kind);
    QFETCH(QByteArray, message);
    QFETCH(qsizetype, maxHeadSize);
    QFETCH(HttpParser::State, state);

    const QByteArray method = kind == HttpParser::Kind::Response ? "GET" : "";
    const Outcome whole = parsePieces(kind, { message }, method, false, unlimited, maxHeadSize);
    QCOMPARE(whole.state, state);
    if (state == HttpParser::State::Failed) {
        QCOMPARE(whole.errorStatus, 431);
    }
    const Outcome byteByByte = parsePieces(kind, splitEvery(message, 1), method, false,
                                           unlimited, maxHeadSize);
    QVERIFY(sameOutcome(whole, byteByByte, "byte by byte"));

    // The default limit is 64 KiB.
    const QByteArray big = "GET / HTTP/1.1\r\nX-Fill: " + repeated('f', 64 * 1024) + "\r\n\r\n";
    const Outcome defaultLimit = parsePieces(HttpParser::Kind::Request, splitEvery(big, 4096),
                                             QByteArray(), false);
    QCOMPARE(defaultLimit.state, HttpParser::State::Failed);
    QCOMPARE(defaultLimit.errorStatus, 431);
}

void TestHttpParser::headerCount_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<HttpParser::State>("state");

    QTest::newRow("at the limit") << HttpParser::defaultMaxHeaderCount
                                  << HttpParser::State::Complete;
    QTest::newRow("one over") << HttpParser::defaultMaxHeaderCount + 1 << HttpParser::State::Failed;
    QTest::newRow("far over") << 5000 << HttpParser::State::Failed;
}

void TestHttpParser::headerCount()
{
    QFETCH(int, count);
    QFETCH(HttpParser::State, state);

    for (const HttpParser::Kind kind : { HttpParser::Kind::Request, HttpParser::Kind::Response }) {
        QByteArray message = kind == HttpParser::Kind::Request ? "GET / HTTP/1.1\r\n"
                                                               : "HTTP/1.1 204 No Content\r\n";
        for (int i = 0; i < count; ++i) {
            message += "X-H" + QByteArray::number(i) + ": v\r\n";
        }
        message += "\r\n";
        const Outcome outcome = parsePieces(kind, { message }, "GET", false);
        QCOMPARE(outcome.state, state);
        if (state == HttpParser::State::Failed) {
            QCOMPARE(outcome.errorStatus, 431);
        } else {
            QCOMPARE(outcome.headers.count('\n'), count);
        }
    }
}

void TestHttpParser::keepAlive_data()
{
    QTest::addColumn<HttpParser::Kind>("kind");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("keepAlive");

    using Kind = HttpParser::Kind;
    QTest::newRow("1.1 default") << Kind::Request << QByteArray("GET / HTTP/1.1\r\n\r\n") << true;
    QTest::newRow("1.1 close") << Kind::Request
                               << QByteArray("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") << false;
    QTest::newRow("1.1 close any case")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n") << false;
    QTest::newRow("1.1 close in a list")
            << Kind::Request
            << QByteArray("GET / HTTP/1.1\r\nConnection: X-Hop, close\r\n\r\n") << false;
    QTest::newRow("1.1 close in second header")
            << Kind::Request
            << QByteArray("GET / HTTP/1.1\r\nConnection: X-Hop\r\nConnection: close\r\n\r\n")
            << false;
    QTest::newRow("1.1 other token")
            << Kind::Request << QByteArray("GET / HTTP/1.1\r\nConnection: X-Closed\r\n\r\n")
            << true;
    QTest::newRow("1.0 default") << Kind::Request << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
    QTest::newRow("1.0 keep-alive")
            << Kind::Request << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            << true;
    QTest::newRow("1.0 keep-alive in second header")
            << Kind::Request
            << QByteArray("GET / HTTP/1.0\r\nConnection: X-Hop\r\nConnection: keep-alive\r\n\r\n")
            << true;
    QTest::newRow("response 1.1 content-length")
            << Kind::Response << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            << true;
    QTest::newRow("response 1.1 close")
            << Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            << false;
    QTest::newRow("response 1.0 content-length")
            << Kind::Response << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            << false;
    QTest::newRow("response 1.0 keep-alive")
            << Kind::Response
            << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
            << true;
}

void TestHttpParser::keepAlive()
{
    QFETCH(HttpParser::Kind, kind);
    QFETCH(QByteArray, message);
    QFETCH(bool, keepAlive);

    const Outcome outcome = parsePieces(kind, { message }, "GET", false);
    QCOMPARE(outcome.state, HttpParser::State::Complete);
    QCOMPARE(outcome.keepAlive, keepAlive);

    // A body framed by the connection's end never allows another message, whatever the headers.
    HttpParser untilClose(HttpParser::Kind::Response);
    untilClose.setRequestMethod("GET");
    QByteArray input("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nbody");
    QByteArray body;
    untilClose.parse(input, body, unlimited);
    QCOMPARE(untilClose.finish(), HttpParser::State::Complete);
    QVERIFY(!untilClose.keepAlive());
}

void TestHttpParser::pipelinedRequests()
{
    const QByteArray first = "POST /one HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
    const QByteArray second = "PUT /two HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyz";
    const QByteArray third = "GET /three HTTP/1.1\r\nConnection: close\r\n\r\n";
    QByteArray input = first + second + third;

    HttpParser parser(HttpParser::Kind::Request);
    QByteArray body;
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().target, QByteArray("/one"));
    QCOMPARE(body, QByteArray("abc"));
    QCOMPARE(input, second + third);

    // A complete parser consumes nothing more until reset().
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(input, second + third);

    parser.reset();
    body.clear();
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().method, QByteArray("PUT"));
    QCOMPARE(parser.head().target, QByteArray("/two"));
    QCOMPARE(parser.contentLength(), 4);
    QCOMPARE(body, QByteArray("wxyz"));
    QVERIFY(parser.keepAlive());
    QCOMPARE(input, third);

    parser.reset();
    body.clear();
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().target, QByteArray("/three"));
    QCOMPARE(parser.head().headers.size(), 1);
    QVERIFY(body.isEmpty());
    QVERIFY(!parser.keepAlive());
    QVERIFY(input.isEmpty());

    // reset() also clears a failure.
    input = "BAD\r\n\r\n";
    parser.reset();
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Failed);
    QVERIFY(!parser.errorString().isEmpty());
    parser.reset();
    QCOMPARE(parser.errorStatus(), 0);
    QVERIFY(parser.errorString().isEmpty());
    input = first;
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
}

void TestHttpParser::pipelinedResponses()
{
    const QByteArray first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const QByteArray second = "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n";
    const QByteArray third = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "2\r\nhi\r\n0\r\n\r\n";
    QByteArray input = first + second + third;

    HttpParser parser(HttpParser::Kind::Response);
    parser.setRequestMethod("GET");
    QByteArray body;
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(body, QByteArray("ok"));

    // reset() clears the request method, so the caller sets it again for each response.
    parser.reset();
    parser.setRequestMethod("HEAD");
    body.clear();
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.contentLength(), 30);
    QVERIFY(body.isEmpty());
    QCOMPARE(input, third);

    parser.reset();
    parser.setRequestMethod("POST");
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().status, 201);
    QCOMPARE(body, QByteArray("hi"));
    QVERIFY(input.isEmpty());
}

void TestHttpParser::informationalThenFinal()
{
    QByteArray input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    HttpParser parser(HttpParser::Kind::Response);
    parser.setRequestMethod("POST");
    QByteArray body;
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().status, 100);
    QVERIFY(body.isEmpty());

    parser.reset();
    parser.setRequestMethod("POST");
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.head().status, 200);
    QCOMPARE(body, QByteArray("abc"));
}

void TestHttpParser::bodyBudgetHonoured_data()
{
    QTest::addColumn<HttpParser::Kind>("kind");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("body");

    QByteArray payload;
    for (int i = 0; i < 300; ++i) {
        payload += char('a' + i % 26);
    }
    QByteArray chunked;
    for (qsizetype i = 0; i < payload.size(); i += 37) {
        const QByteArray piece = payload.mid(i, 37);
        chunked += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    chunked += "0\r\n\r\n";

    QTest::newRow("request content-length")
            << HttpParser::Kind::Request
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 300\r\n\r\n" + payload) << payload;
    QTest::newRow("request chunked")
            << HttpParser::Kind::Request
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
            << payload;
    QTest::newRow("response content-length")
            << HttpParser::Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + payload) << payload;
    QTest::newRow("response chunked")
            << HttpParser::Kind::Response
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
            << payload;
    QTest::newRow("response until close")
            << HttpParser::Kind::Response << QByteArray("HTTP/1.1 200 OK\r\n\r\n" + payload)
            << payload;
}

void TestHttpParser::bodyBudgetHonoured()
{
    QFETCH(HttpParser::Kind, kind);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, body);

    const Outcome whole = parsePieces(kind, { message }, "GET", true);
    QCOMPARE(whole.state, HttpParser::State::Complete);
    QCOMPARE(whole.body, body);

    for (const qsizetype budget : { 1, 7, 36, 37, 38, 299, 300 }) {
        const Outcome limited = parsePieces(kind, { message }, "GET", true, budget);
        QVERIFY2(limited.largestBodyStep <= budget, qPrintable(QString::number(budget)));
        QVERIFY(sameOutcome(whole, limited, "with a budget"));

        const Outcome limitedSplit = parsePieces(kind, splitEvery(message, 13), "GET", true,
                                                 budget);
        QVERIFY2(limitedSplit.largestBodyStep <= budget, qPrintable(QString::number(budget)));
        QVERIFY(sameOutcome(whole, limitedSplit, "with a budget in pieces"));
    }
}

void TestHttpParser::zeroBudgetKeepsBody()
{
    HttpParser parser(HttpParser::Kind::Request);
    QByteArray input = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    QByteArray body;
    QCOMPARE(parser.parse(input, body, 0), HttpParser::State::Body);
    QVERIFY(body.isEmpty());
    QCOMPARE(input, QByteArray("hello"));

    QCOMPARE(parser.parse(input, body, 2), HttpParser::State::Body);
    QCOMPARE(body, QByteArray("he"));
    QCOMPARE(parser.parse(input, body, 100), HttpParser::State::Complete);
    QCOMPARE(body, QByteArray("hello"));
    QVERIFY(input.isEmpty());
}

void TestHttpParser::finishAfterComplete()
{
    HttpParser parser(HttpParser::Kind::Response);
    parser.setRequestMethod("GET");
    QByteArray input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    QByteArray body;
    QCOMPARE(parser.parse(input, body, unlimited), HttpParser::State::Complete);
    QCOMPARE(parser.finish(), HttpParser::State::Complete);
    QCOMPARE(parser.errorStatus(), 0);

    // finish() before any byte fails, because a response was expected.
    HttpParser empty(HttpParser::Kind::Response);
    QCOMPARE(empty.finish(), HttpParser::State::Failed);
    QVERIFY(!empty.errorString().isEmpty());
}

QTEST_GUILESS_MAIN(TestHttpParser)
#include "tst_httpparser.moc"
