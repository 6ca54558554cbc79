#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// The one canonical reading of an origin-form request target: path segments and query
// parameters, each percent-decoded exactly once. Parsing rejects every target that a server
// could read differently (dot segments, empty segments, backslashes, path parameters, control
// characters, invalid percent-encoding or UTF-8, fragments, method overrides).
class RequestTarget
{
public:
    struct QueryParameter
    {
        QString name;
        QString value;
    };

    static constexpr qsizetype maxLength = 8192;
    static constexpr qsizetype maxQueryParameters = 256;

    // Parses `target`, or returns nothing and sets `reason` to why the target is rejected.
    static std::optional<RequestTarget> parse(const QByteArray &target, QString *reason);

    // Decoded path segments. A segment may contain '/' when the target encoded it as %2F.
    const QStringList &segments() const { return m_segments; }
    const QList<QueryParameter> &queryParameters() const { return m_query; }
    // Returns the decoded values of every query parameter named `name`, in order.
    QStringList queryValues(const QString &name) const;

private:
    RequestTarget() = default;
    bool parseQuery(const QByteArray &query, QString *reason);

    QStringList m_segments;
    QList<QueryParameter> m_query;
};
