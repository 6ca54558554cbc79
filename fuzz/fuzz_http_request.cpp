// Fuzzes the gateway's HTTP/1.1 request parser, which reads whatever the platform's clients
// send. Input: two bytes seeding the split points and the per-call body budget, then the raw
// bytes of one connection (possibly several pipelined requests).
// Checks: the parser yields the same requests, bodies and errors whether the bytes arrive at
// once or in random pieces under a small body budget; no call hands out more body bytes than
// allowed; a completed Content-Length body has the declared length; failures carry a reason
// and one of the statuses the parser documents.

#include "http/httpparser.h"

#include <cstdint>
#include <cstdlib>
#include <random>

namespace {

// What the parser produced for one request of the connection.
struct ParsedRequest
{
    HttpParser::State state = HttpParser::State::Head;
    HttpHead head;
    QByteArray body;
    int errorStatus = 0;
};

bool operator==(const ParsedRequest &a, const ParsedRequest &b)
{
    return a.state == b.state && a.head.method == b.head.method && a.head.target == b.head.target
            && a.head.version == b.head.version && a.head.headers == b.head.headers
            && a.body == b.body && a.errorStatus == b.errorStatus;
}

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

// Feeds `pieces` to the parser in order and returns every request it finished or failed, then
// the unfinished one, if any.
QList<ParsedRequest> parseConnection(const QList<QByteArray> &pieces, qsizetype budget)
{
    QList<ParsedRequest> requests;
    HttpParser parser(HttpParser::Kind::Request);
    ParsedRequest current;
    QByteArray input;
    for (const QByteArray &piece : pieces) {
        input += piece;
        while (true) {
            const qsizetype inputBefore = input.size();
            const HttpParser::State stateBefore = parser.state();
            QByteArray body;
            const HttpParser::State state = parser.parse(input, body, budget);
            check(body.size() <= budget);
            current.body += body;
            if (state == HttpParser::State::Failed) {
                const int status = parser.errorStatus();
                check(!parser.errorString().isEmpty());
                check(status == 400 || status == 413 || status == 431 || status == 501
                      || status == 505);
                current.state = state;
                current.head = parser.head();
                current.errorStatus = status;
                requests.append(current);
                return requests;
            }
            if (state == HttpParser::State::Complete) {
                if (parser.framing() == HttpParser::Framing::ContentLength) {
                    check(current.body.size() == parser.contentLength());
                }
                current.state = state;
                current.head = parser.head();
                requests.append(current);
                current = ParsedRequest();
                parser.reset();
                continue;
            }
            if (input.size() == inputBefore && body.isEmpty() && state == stateBefore) {
                break;
            }
        }
    }
    current.state = parser.state();
    current.head = parser.head();
    requests.append(current);
    return requests;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const QByteArray stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));
    const QList<ParsedRequest> whole = parseConnection({ stream }, 1 << 24);

    std::minstd_rand random(data[0]);
    QList<QByteArray> pieces;
    for (qsizetype offset = 0; offset < stream.size();) {
        const qsizetype length = qsizetype(random() % 64) + 1;
        pieces.append(stream.mid(offset, length));
        offset += length;
    }
    const qsizetype budget = qsizetype(data[1]) + 1;
    const QList<ParsedRequest> split = parseConnection(pieces, budget);
    check(whole == split);
    return 0;
}
