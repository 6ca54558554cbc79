// Fuzzes the request target reader, the allowlist matcher and the GraphQL inspector.
// Input: one byte choosing the vendor and whether a project pattern is set, then the method,
// a newline, the request target, a newline and the request body.

#include "filter/graphqlinspector.h"
#include "filter/requestfilter.h"
#include "filter/requesttarget.h"

#include <array>
#include <cstdint>
#include <cstdlib>

namespace {

constexpr Vendor vendors[] = {Vendor::GitLab, Vendor::BitbucketDataCenter,
                              Vendor::GitHubEnterprise, Vendor::AzureDevOps};

const RequestFilter &filterFor(std::uint8_t selector)
{
    static const std::array<RequestFilter, 8> filters = [] {
        QString error;
        const auto make = [&error](int index) {
            const QString pattern = index >= 4 ? QStringLiteral("acme/.*") : QString();
            return *RequestFilter::create(vendors[index % 4], pattern, &error);
        };
        return std::array<RequestFilter, 8>{make(0), make(1), make(2), make(3),
                                            make(4), make(5), make(6), make(7)};
    }();
    return filters[selector % 8];
}

void checkInvariants(const FilterDecision &decision, const QByteArray &target)
{
    QString reason;
    // Nothing is allowed without a reason, and nothing allowed fails the target reader.
    if (decision.reason.isEmpty()
        || (decision.allowed && !RequestTarget::parse(target, &reason))
        || (decision.allowed && decision.needsBody)) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    const QByteArray input(reinterpret_cast<const char *>(data + 1), static_cast<qsizetype>(size - 1));
    const qsizetype methodEnd = input.indexOf('\n');
    const qsizetype targetEnd = methodEnd < 0 ? -1 : input.indexOf('\n', methodEnd + 1);
    const QByteArray method = methodEnd < 0 ? QByteArray("GET") : input.left(methodEnd);
    const QByteArray target = methodEnd < 0 ? input
                                            : input.mid(methodEnd + 1, targetEnd < 0 ? -1 : targetEnd - methodEnd - 1);
    const QByteArray body = targetEnd < 0 ? QByteArray() : input.mid(targetEnd + 1);

    const RequestFilter &filter = filterFor(data[0]);
    const FilterDecision head = filter.evaluate(method, target, {});
    checkInvariants(head, target);
    if (head.needsBody) {
        checkInvariants(filter.evaluateBody(head, body), target);
    }
    GraphQlInspector::inspect(body);
    return 0;
}
