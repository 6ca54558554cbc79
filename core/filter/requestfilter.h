#pragma once

// Interface contract for the request filter. The implementation lives in this folder.

#include "allowlist.h"
#include "http/httpheaders.h"

#include <QRegularExpression>
#include <QString>
#include <optional>

class RequestTarget;

enum class Vendor { GitLab, BitbucketDataCenter, GitHubEnterprise, AzureDevOps };

// Parses the setting value (`gitlab`, `bitbucket_datacenter`, `github_enterprise`,
// `azure_devops`); returns nothing for any other text.
std::optional<Vendor> vendorFromName(QStringView name);
QString vendorName(Vendor vendor);

// The filter's verdict on one request.
struct FilterDecision
{
    bool allowed = false;
    // The body must be read (up to RequestFilter::maxInspectedBodySize) and passed to
    // RequestFilter::evaluateBody before the request may be forwarded (GitHub GraphQL with a
    // project pattern set). `allowed` is false until then.
    bool needsBody = false;
    QString rule;        // name of the matching allowlist rule, empty when none matched
    QString description; // the rule's description of what the platform uses it for
    QString project;     // canonical project (`group/.../repository`, or `id:N`), may be empty
    QString reason;      // why the request was denied, or a short note on why it was allowed
};

// Decides whether one request may reach the VCS: the canonical reading of the request target,
// the vendor's allowlist and the allowed-projects pattern.
class RequestFilter
{
public:
    static constexpr qsizetype maxInspectedBodySize = 1024 * 1024;
    // Longest project, in UTF-16 code units, that reaches the regular expression engine.
    static constexpr qsizetype maxProjectLength = 512;

    // Loads the vendor's allowlist and compiles the pattern, which must match whole projects.
    // Returns nothing and sets `error` to one sentence naming the value and the fix on failure.
    static std::optional<RequestFilter> create(Vendor vendor, const QString &allowedProjects,
                                               QString *error);
    // Same as above with the allowlist read from `allowlistPath` in place of the built-in one.
    static std::optional<RequestFilter> create(Vendor vendor, const QString &allowedProjects,
                                               const QString &allowlistPath, QString *error);

    FilterDecision evaluate(const QByteArray &method, const QByteArray &target,
                            const HttpHeaderList &headers) const;

    // Finishes a decision whose `needsBody` was set, given the whole request body.
    FilterDecision evaluateBody(const FilterDecision &headDecision, const QByteArray &body) const;

    Vendor vendor() const;
    int ruleCount() const;
    // The pattern as it is applied, anchored at both ends, for the startup summary.
    QString anchoredPattern() const;

private:
    struct RuleMatch
    {
        const AllowlistRule *rule = nullptr;
        QHash<QString, QString> values;
        QString reason;
    };

    RequestFilter(Vendor vendor, const Allowlist &allowlist);
    bool setPattern(const QString &allowedProjects, QString *error);
    RuleMatch findRule(const QByteArray &method, const RequestTarget &target) const;
    FilterDecision checkProject(const RuleMatch &match) const;
    QString checkProjectName(const QString &project) const;

    Vendor m_vendor;
    Allowlist m_allowlist;
    bool m_patternSet = false;
    QRegularExpression m_pattern;
};
