#include "requestfilter.h"

#include "filterlogging.h"
#include "graphqlinspector.h"
#include "requesttarget.h"

#include <QRegularExpression>

namespace {

struct VendorEntry
{
    Vendor vendor;
    const char *name;
};

constexpr VendorEntry vendorEntries[] = {
    {Vendor::GitLab, "gitlab"},
    {Vendor::BitbucketDataCenter, "bitbucket_datacenter"},
    {Vendor::GitHubEnterprise, "github_enterprise"},
    {Vendor::AzureDevOps, "azure_devops"},
};

const QByteArrayList &methodOverrideHeaders()
{
    static const QByteArrayList names = {QByteArrayLiteral("X-HTTP-Method-Override"),
                                         QByteArrayLiteral("X-HTTP-Method"),
                                         QByteArrayLiteral("X-Method-Override")};
    return names;
}

bool isMethodToken(const QByteArray &method)
{
    if (method.isEmpty() || method.size() > 16) {
        return false;
    }
    for (const char c : method) {
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!letter && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

bool isNumericId(const QString &project)
{
    if (project.isEmpty() || project.size() > 18) {
        return false;
    }
    for (const QChar c : project) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9')) {
            return false;
        }
    }
    return true;
}

FilterDecision denial(const QString &reason)
{
    FilterDecision decision;
    decision.reason = reason;
    return decision;
}

QString queryProblem(const AllowlistRule &rule, const RequestTarget &target)
{
    for (auto it = rule.requiredQuery.begin(); it != rule.requiredQuery.end(); ++it) {
        const QStringList values = target.queryValues(it.key());
        const QString expected = it.value().join(QLatin1String(" or "));
        if (values.size() != 1 || !it.value().contains(values.first())) {
            return QStringLiteral("query parameter %1 must appear once, as %2")
                    .arg(it.key(), expected);
        }
    }
    return {};
}

} // namespace

std::optional<Vendor> vendorFromName(QStringView name)
{
    for (const VendorEntry &entry : vendorEntries) {
        if (name == QLatin1String(entry.name)) {
            return entry.vendor;
        }
    }
    return std::nullopt;
}

QString vendorName(Vendor vendor)
{
    for (const VendorEntry &entry : vendorEntries) {
        if (entry.vendor == vendor) {
            return QLatin1String(entry.name);
        }
    }
    return {};
}

RequestFilter::RequestFilter(Vendor vendor, const Allowlist &allowlist)
    : m_vendor(vendor), m_allowlist(allowlist)
{
}

std::optional<RequestFilter> RequestFilter::create(Vendor vendor, const QString &allowedProjects,
                                                   QString *error)
{
    return create(vendor, allowedProjects,
                  QStringLiteral(":/allowlists/") + vendorName(vendor) + QStringLiteral(".json"),
                  error);
}

std::optional<RequestFilter> RequestFilter::create(Vendor vendor, const QString &allowedProjects,
                                                   const QString &allowlistPath, QString *error)
{
    std::optional<Allowlist> allowlist = Allowlist::loadFile(allowlistPath, error);
    if (!allowlist) {
        return std::nullopt;
    }
    if (allowlist->vendor() != vendorName(vendor)) {
        *error = QStringLiteral("Allowlist %1 is for vendor \"%2\", not \"%3\"; use the file of "
                                "the configured vendor.")
                         .arg(allowlistPath, allowlist->vendor(), vendorName(vendor));
        return std::nullopt;
    }

    RequestFilter filter(vendor, *allowlist);
    if (!filter.setPattern(allowedProjects, error)) {
        return std::nullopt;
    }
    qCDebug(lcFilter) << "Loaded" << filter.ruleCount() << "allowlist rules for"
                     << vendorName(vendor) << "with allowed projects" << filter.anchoredPattern();
    return filter;
}

bool RequestFilter::setPattern(const QString &allowedProjects, QString *error)
{
    // An empty setting and `.*` both mean that no project pattern is set.
    const QString pattern = allowedProjects.trimmed();
    if (pattern.isEmpty() || pattern == QLatin1String(".*")) {
        return true;
    }

    // The bare pattern is compiled first, because text such as `a)|(b` would escape the anchoring
    // group and still compile once wrapped.
    const auto options = QRegularExpression::CaseInsensitiveOption
            | QRegularExpression::DontCaptureOption;
    const QRegularExpression bare(pattern, options);
    if (!bare.isValid()) {
        *error = QStringLiteral("Invalid allowed-projects pattern \"%1\" at offset %2: %3; fix "
                                "the regular expression.")
                         .arg(pattern, QString::number(bare.patternErrorOffset()),
                              bare.errorString());
        return false;
    }
    m_pattern = QRegularExpression(QStringLiteral("\\A(?:") + pattern + QStringLiteral(")\\z"),
                                   options);
    if (!m_pattern.isValid()) {
        *error = QStringLiteral("Allowed-projects pattern \"%1\" cannot be anchored (%2); remove "
                                "\\Q without \\E and comments from it.")
                         .arg(pattern, m_pattern.errorString());
        return false;
    }
    m_pattern.optimize();
    m_patternSet = true;
    return true;
}

Vendor RequestFilter::vendor() const
{
    return m_vendor;
}

int RequestFilter::ruleCount() const
{
    return static_cast<int>(m_allowlist.rules().size());
}

QString RequestFilter::anchoredPattern() const
{
    return m_patternSet ? m_pattern.pattern() : QStringLiteral("\\A(?:.*)\\z");
}

FilterDecision RequestFilter::evaluate(const QByteArray &method, const QByteArray &target,
                                       const HttpHeaderList &headers) const
{
    for (const QByteArray &name : methodOverrideHeaders()) {
        if (HttpHeaders::contains(headers, name)) {
            return denial(QStringLiteral("method override header ") + QString::fromLatin1(name));
        }
    }
    if (!isMethodToken(method)) {
        return denial(QStringLiteral("invalid request method"));
    }

    QString reason;
    const std::optional<RequestTarget> parsed = RequestTarget::parse(target, &reason);
    if (!parsed) {
        return denial(reason);
    }
    const RuleMatch match = findRule(method, *parsed);
    if (!match.rule) {
        return denial(match.reason);
    }
    return checkProject(match);
}

RequestFilter::RuleMatch RequestFilter::findRule(const QByteArray &method,
                                                 const RequestTarget &target) const
{
    RuleMatch result;
    for (const AllowlistRule &rule : m_allowlist.rules()) {
        for (const PathTemplate &path : rule.paths) {
            std::optional<QHash<QString, QString>> values = path.match(target.segments());
            if (!values) {
                continue;
            }
            if (rule.method != method) {
                if (result.reason.isEmpty()) {
                    result.reason = QStringLiteral("method %1 is not allowed on this path")
                                            .arg(QString::fromLatin1(method));
                }
                continue;
            }
            const QString problem = queryProblem(rule, target);
            if (!problem.isEmpty()) {
                result.reason = problem;
                continue;
            }
            result.rule = &rule;
            result.values = *values;
            result.reason.clear();
            return result;
        }
    }
    if (result.reason.isEmpty()) {
        result.reason = QStringLiteral("no allowlist rule matches the path");
    }
    return result;
}

QString RequestFilter::checkProjectName(const QString &project) const
{
    if (project.size() > maxProjectLength) {
        return QStringLiteral("project longer than %1 characters").arg(maxProjectLength);
    }
    if (project.split(QLatin1Char('/')).size() < 2) {
        return QStringLiteral("project is not of the form group/.../repository");
    }
    // PCRE2's match limit (10,000,000 by default) bounds each match. A match that reaches it
    // reports no match, so the request is denied.
    if (m_patternSet && !m_pattern.match(project).hasMatch()) {
        return QStringLiteral("project is not in the allowed projects");
    }
    return {};
}

FilterDecision RequestFilter::checkProject(const RuleMatch &match) const
{
    FilterDecision decision;
    decision.rule = match.rule->name;
    decision.description = match.rule->description;
    decision.project = match.rule->project(match.values);

    if (match.rule->graphqlBody && m_patternSet) {
        decision.needsBody = true;
        decision.reason = QStringLiteral("GraphQL body must be checked against the allowed "
                                         "projects");
        return decision;
    }
    if (match.rule->projectTemplate.isEmpty()) {
        decision.allowed = true;
        decision.reason = QStringLiteral("rule names no project");
        return decision;
    }
    if (m_allowlist.numericProjectIds() && isNumericId(decision.project)) {
        decision.project = QStringLiteral("id:") + decision.project;
        decision.allowed = !m_patternSet;
        decision.reason = m_patternSet
                ? QStringLiteral("numeric project id cannot be checked against the allowed "
                                 "projects; use the URL-encoded path")
                : QStringLiteral("numeric project id, no project pattern set");
        return decision;
    }

    decision.reason = checkProjectName(decision.project);
    decision.allowed = decision.reason.isEmpty();
    if (decision.allowed) {
        decision.reason = m_patternSet ? QStringLiteral("project is in the allowed projects")
                                       : QStringLiteral("no project pattern set");
    }
    return decision;
}

FilterDecision RequestFilter::evaluateBody(const FilterDecision &headDecision,
                                           const QByteArray &body) const
{
    if (!headDecision.needsBody) {
        return headDecision;
    }
    FilterDecision decision = headDecision;
    decision.needsBody = false;
    decision.allowed = false;
    if (body.size() > maxInspectedBodySize) {
        decision.reason = QStringLiteral("request body larger than %1 bytes cannot be checked")
                                  .arg(maxInspectedBodySize);
        return decision;
    }

    const GraphQlInspector::Result inspection = GraphQlInspector::inspect(body);
    if (!inspection.ok) {
        decision.reason = inspection.reason;
        return decision;
    }
    for (const QString &repository : inspection.repositories) {
        const QString problem = checkProjectName(repository);
        if (!problem.isEmpty()) {
            decision.project = repository;
            decision.reason = QStringLiteral("GraphQL ") + problem;
            return decision;
        }
    }
    decision.project = inspection.repositories.value(0);
    decision.allowed = true;
    decision.reason = inspection.repositories.isEmpty()
            ? QStringLiteral("GraphQL query names no repository")
            : QStringLiteral("GraphQL query names only allowed projects");
    return decision;
}
