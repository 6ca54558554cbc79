#include "checkcommand.h"

#include "requestfilter.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

constexpr int exitAllowed = 0;
constexpr int exitDenied = 1;
constexpr int exitUsage = 2;

const QString vendorVariable = QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR");
const QString projectsVariable = QStringLiteral("SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS");

struct CheckRequest
{
    Vendor vendor = Vendor::GitLab;
    QString allowedProjects;
    QString allowlistPath;
    QByteArray method;
    QByteArray target;
    HttpHeaderList headers;
    std::optional<QByteArray> body;
};

void addOptions(QCommandLineParser *parser)
{
    parser->setApplicationDescription(QStringLiteral(
            "Checks one request against the request filter without contacting any server."));
    parser->addOptions({
            {QStringLiteral("vendor"),
             QStringLiteral("VCS vendor: gitlab, bitbucket_datacenter, github_enterprise or "
                            "azure_devops (default: %1).")
                     .arg(vendorVariable),
             QStringLiteral("vendor")},
            {QStringLiteral("allowed-projects"),
             QStringLiteral("Regular expression that must match the whole project (default: %1, "
                            "else .*).")
                     .arg(projectsVariable),
             QStringLiteral("regex")},
            {{QStringLiteral("H"), QStringLiteral("header")},
             QStringLiteral("Request header as 'Name: value'; repeat for more headers."),
             QStringLiteral("header")},
            {QStringLiteral("body"), QStringLiteral("File with the request body."),
             QStringLiteral("file")},
            {QStringLiteral("allowlist"),
             QStringLiteral("Allowlist file to use in place of the built-in one."),
             QStringLiteral("file")},
            {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Shows this help.")},
    });
    parser->addPositionalArgument(QStringLiteral("METHOD"), QStringLiteral("Request method, such as GET."));
    parser->addPositionalArgument(QStringLiteral("TARGET"),
                                  QStringLiteral("Request target as sent, such as /api/v4/user."));
}

QString parseHeaders(const QStringList &texts, HttpHeaderList *headers)
{
    for (const QString &text : texts) {
        const qsizetype colon = text.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            return QStringLiteral("Invalid header \"%1\": write it as 'Name: value'.").arg(text);
        }
        headers->append({text.left(colon).trimmed().toUtf8(), text.mid(colon + 1).trimmed().toUtf8()});
    }
    return {};
}

QString readBody(const QCommandLineParser &parser, CheckRequest *request)
{
    if (!parser.isSet(QStringLiteral("body"))) {
        return {};
    }
    QFile file(parser.value(QStringLiteral("body")));
    if (!file.open(QIODevice::ReadOnly)) {
        return QStringLiteral("Cannot read body file \"%1\" (%2): pass a readable file to --body.")
                .arg(file.fileName(), file.errorString());
    }
    // One byte past the limit is enough to tell that the body is too large.
    request->body = file.read(RequestFilter::maxInspectedBodySize + 1);
    return {};
}

QString parseVendor(const QCommandLineParser &parser, const QProcessEnvironment &environment,
                    CheckRequest *request)
{
    const QString name = parser.isSet(QStringLiteral("vendor"))
            ? parser.value(QStringLiteral("vendor"))
            : environment.value(vendorVariable);
    if (name.isEmpty()) {
        return QStringLiteral("No vendor set: pass --vendor or set %1 to gitlab, "
                              "bitbucket_datacenter, github_enterprise or azure_devops.")
                .arg(vendorVariable);
    }
    const std::optional<Vendor> vendor = vendorFromName(name);
    if (!vendor) {
        return QStringLiteral("Unknown vendor \"%1\": use gitlab, bitbucket_datacenter, "
                              "github_enterprise or azure_devops.")
                .arg(name);
    }
    request->vendor = *vendor;
    return {};
}

QString parseRequest(const QCommandLineParser &parser, const QProcessEnvironment &environment,
                     CheckRequest *request)
{
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        return QStringLiteral("Expected METHOD and TARGET, got %1 arguments: run "
                              "'vcs-agent check --help' for the usage.")
                .arg(positional.size());
    }
    request->method = positional.at(0).toUtf8();
    request->target = positional.at(1).toUtf8();
    request->allowedProjects = parser.isSet(QStringLiteral("allowed-projects"))
            ? parser.value(QStringLiteral("allowed-projects"))
            : environment.value(projectsVariable, QStringLiteral(".*"));
    request->allowlistPath = parser.value(QStringLiteral("allowlist"));

    QString problem = parseVendor(parser, environment, request);
    if (problem.isEmpty()) {
        problem = parseHeaders(parser.values(QStringLiteral("header")), &request->headers);
    }
    if (problem.isEmpty()) {
        problem = readBody(parser, request);
    }
    return problem;
}

FilterDecision decide(const RequestFilter &filter, const CheckRequest &request)
{
    FilterDecision decision = filter.evaluate(request.method, request.target, request.headers);
    if (!decision.needsBody) {
        return decision;
    }
    if (!request.body) {
        decision.needsBody = false;
        decision.reason = QStringLiteral("the body must be checked: pass it with --body FILE");
        return decision;
    }
    return filter.evaluateBody(decision, *request.body);
}

void printDecision(const FilterDecision &decision, QTextStream &out)
{
    const QJsonObject object{
            {QStringLiteral("decision"),
             decision.allowed ? QStringLiteral("allow") : QStringLiteral("deny")},
            {QStringLiteral("rule"), decision.rule},
            {QStringLiteral("description"), decision.description},
            {QStringLiteral("project"), decision.project},
            {QStringLiteral("reason"), decision.reason},
    };
    out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) << '\n';
    out.flush();
}

} // namespace

int runCheckCommand(const QStringList &arguments, const QProcessEnvironment &environment,
                    QTextStream &out, QTextStream &err)
{
    QCommandLineParser parser;
    addOptions(&parser);
    if (!parser.parse(QStringList{QStringLiteral("vcs-agent check")} + arguments)) {
        err << parser.errorText() << QStringLiteral(": run 'vcs-agent check --help' for the usage.\n");
        err.flush();
        return exitUsage;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out << parser.helpText();
        out.flush();
        return exitAllowed;
    }

    CheckRequest request;
    QString problem = parseRequest(parser, environment, &request);
    std::optional<RequestFilter> filter;
    if (problem.isEmpty()) {
        filter = request.allowlistPath.isEmpty()
                ? RequestFilter::create(request.vendor, request.allowedProjects, &problem)
                : RequestFilter::create(request.vendor, request.allowedProjects,
                                        request.allowlistPath, &problem);
    }
    if (!filter) {
        err << problem << '\n';
        err.flush();
        return exitUsage;
    }

    const FilterDecision decision = decide(*filter, request);
    printDecision(decision, out);
    return decision.allowed ? exitAllowed : exitDenied;
}
