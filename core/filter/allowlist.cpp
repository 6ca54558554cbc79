#include "allowlist.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace {

const QRegularExpression &projectReference()
{
    static const QRegularExpression pattern(QStringLiteral("\\{([A-Za-z][A-Za-z0-9_]*)\\}"));
    return pattern;
}

QString checkKeys(const QJsonObject &object, const QStringList &known)
{
    const QStringList keys = object.keys();
    for (const QString &key : keys) {
        if (!known.contains(key)) {
            return QStringLiteral("unknown key \"%1\"").arg(key);
        }
    }
    return {};
}

QString checkName(const QJsonValue &value)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[a-z0-9][a-z0-9.-]{0,63}\\z"));
    if (!value.isString() || !pattern.match(value.toString()).hasMatch()) {
        return QStringLiteral("\"name\" must be 1 to 64 characters of a-z, 0-9, '.' and '-'");
    }
    return {};
}

QString checkDescription(const QJsonValue &value)
{
    const QString text = value.toString();
    if (!value.isString() || text.trimmed().isEmpty() || text.size() > 200
        || text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r'))) {
        return QStringLiteral("\"description\" must be one line of 1 to 200 characters");
    }
    return {};
}

QString checkMethod(const QJsonValue &value)
{
    static const QStringList methods = {QStringLiteral("GET"),   QStringLiteral("HEAD"),
                                        QStringLiteral("POST"),  QStringLiteral("PUT"),
                                        QStringLiteral("PATCH"), QStringLiteral("DELETE")};
    if (!value.isString() || !methods.contains(value.toString())) {
        return QStringLiteral("\"method\" must be one of %1").arg(methods.join(QLatin1String(", ")));
    }
    return {};
}

QString parsePaths(const QJsonValue &value, QList<PathTemplate> *paths)
{
    QJsonArray texts = value.isArray() ? value.toArray() : QJsonArray{value};
    if (texts.isEmpty()) {
        return QStringLiteral("\"path\" must be a path template or a list of them");
    }
    for (const QJsonValue &text : std::as_const(texts)) {
        if (!text.isString()) {
            return QStringLiteral("\"path\" must be a path template or a list of them");
        }
        QString error;
        std::optional<PathTemplate> path = PathTemplate::parse(text.toString(), &error);
        if (!path) {
            return error;
        }
        paths->append(*path);
    }
    return {};
}

QString checkProjectTemplate(const QString &projectTemplate, const QList<PathTemplate> &paths)
{
    QString rest = projectTemplate;
    rest.remove(projectReference());
    rest.remove(QLatin1Char('/'));
    if (projectTemplate.isEmpty() || !rest.isEmpty()) {
        return QStringLiteral("\"project\" must be placeholders separated by '/', such as "
                              "\"{owner}/{repo}\"");
    }
    auto references = projectReference().globalMatch(projectTemplate);
    while (references.hasNext()) {
        const QString name = references.next().captured(1);
        for (const PathTemplate &path : paths) {
            if (!path.placeholderNames().contains(name)) {
                return QStringLiteral("\"project\" names {%1}, which path \"%2\" lacks")
                        .arg(name, path.text());
            }
        }
    }
    return {};
}

QString parseQuery(const QJsonValue &value, QHash<QString, QStringList> *query)
{
    const QString usage = QStringLiteral("\"query\" must map parameter names to lists of allowed "
                                         "values");
    if (!value.isObject()) {
        return usage;
    }
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.value().isArray() || it.value().toArray().isEmpty()) {
            return usage;
        }
        QStringList values;
        const QJsonArray array = it.value().toArray();
        for (const QJsonValue &allowed : array) {
            if (!allowed.isString()) {
                return usage;
            }
            values.append(allowed.toString());
        }
        query->insert(it.key(), values);
    }
    return {};
}

} // namespace

QString AllowlistRule::project(const QHash<QString, QString> &values) const
{
    QString result = projectTemplate;
    auto references = projectReference().globalMatch(projectTemplate);
    while (references.hasNext()) {
        const QRegularExpressionMatch reference = references.next();
        result.replace(reference.captured(0), values.value(reference.captured(1)));
    }
    return result;
}

std::optional<AllowlistRule> Allowlist::parseRule(const QJsonObject &object, QString *error)
{
    AllowlistRule rule;
    static const QStringList keys = {QStringLiteral("name"),    QStringLiteral("description"),
                                     QStringLiteral("method"),  QStringLiteral("path"),
                                     QStringLiteral("project"), QStringLiteral("query"),
                                     QStringLiteral("body")};
    *error = checkKeys(object, keys);
    for (const QString &key : {QStringLiteral("description"), QStringLiteral("method"),
                               QStringLiteral("path")}) {
        if (error->isEmpty() && !object.contains(key)) {
            *error = QStringLiteral("\"%1\" is missing").arg(key);
        }
    }
    if (error->isEmpty()) {
        *error = checkDescription(object.value(QLatin1String("description")));
    }
    if (error->isEmpty()) {
        *error = checkMethod(object.value(QLatin1String("method")));
    }
    if (error->isEmpty()) {
        *error = parsePaths(object.value(QLatin1String("path")), &rule.paths);
    }
    if (error->isEmpty() && object.contains(QLatin1String("project"))) {
        rule.projectTemplate = object.value(QLatin1String("project")).toString();
        *error = checkProjectTemplate(rule.projectTemplate, rule.paths);
    }
    if (error->isEmpty() && object.contains(QLatin1String("query"))) {
        *error = parseQuery(object.value(QLatin1String("query")), &rule.requiredQuery);
    }
    if (error->isEmpty() && object.contains(QLatin1String("body"))
        && object.value(QLatin1String("body")).toString() != QLatin1String("graphql")) {
        *error = QStringLiteral("\"body\" must be \"graphql\" when present");
    }
    if (!error->isEmpty()) {
        return std::nullopt;
    }

    rule.name = object.value(QLatin1String("name")).toString();
    rule.description = object.value(QLatin1String("description")).toString();
    rule.method = object.value(QLatin1String("method")).toString().toLatin1();
    rule.graphqlBody = object.contains(QLatin1String("body"));
    return rule;
}

std::optional<Allowlist> Allowlist::fromJson(const QByteArray &json, const QString &sourceName,
                                             QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    const QJsonObject root = document.object();
    QString problem;
    if (parseError.error != QJsonParseError::NoError) {
        problem = QStringLiteral("invalid JSON at offset %1 (%2)")
                          .arg(parseError.offset)
                          .arg(parseError.errorString());
    } else if (!document.isObject() || !root.value(QLatin1String("vendor")).isString()
               || !root.value(QLatin1String("rules")).isArray()) {
        problem = QStringLiteral("expected an object with \"vendor\" and \"rules\"");
    } else {
        problem = checkKeys(root, {QStringLiteral("vendor"), QStringLiteral("numericProjectIds"),
                                   QStringLiteral("rules")});
    }
    if (!problem.isEmpty()) {
        *error = QStringLiteral("Allowlist %1: %2; fix the file.").arg(sourceName, problem);
        return std::nullopt;
    }

    Allowlist result;
    result.m_vendor = root.value(QLatin1String("vendor")).toString();
    result.m_numericProjectIds = root.value(QLatin1String("numericProjectIds")).toBool();
    const QJsonArray rules = root.value(QLatin1String("rules")).toArray();
    QSet<QString> names;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const QJsonObject object = rules.at(i).toObject();
        const QString label = object.value(QLatin1String("name")).isString()
                ? QStringLiteral("rule \"%1\"").arg(object.value(QLatin1String("name")).toString())
                : QStringLiteral("rule #%1").arg(i + 1);
        problem = rules.at(i).isObject() ? checkName(object.value(QLatin1String("name")))
                                         : QStringLiteral("a rule must be an object");
        if (problem.isEmpty() && names.contains(object.value(QLatin1String("name")).toString())) {
            problem = QStringLiteral("the name is used by an earlier rule");
        }
        std::optional<AllowlistRule> rule =
                problem.isEmpty() ? parseRule(object, &problem) : std::nullopt;
        if (!rule) {
            *error = QStringLiteral("Allowlist %1, %2: %3; fix the rule.")
                             .arg(sourceName, label, problem);
            return std::nullopt;
        }
        names.insert(rule->name);
        result.m_rules.append(*rule);
    }
    if (result.m_rules.isEmpty()) {
        *error = QStringLiteral("Allowlist %1 has no rules; add at least one.").arg(sourceName);
        return std::nullopt;
    }
    return result;
}

std::optional<Allowlist> Allowlist::loadFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Cannot read allowlist %1: %2.").arg(path, file.errorString());
        return std::nullopt;
    }
    return fromJson(file.readAll(), path, error);
}
