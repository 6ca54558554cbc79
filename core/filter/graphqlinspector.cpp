#include "graphqlinspector.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QSet>

namespace {

// Fields that lead from an allowed repository, or from the query root, to other repositories or
// to objects by global id. They are matched by name because the filter has no schema.
// NOTE: the list names the GitHub GraphQL fields known to reach other repositories. A schema
// field of that kind that is not listed here passes the check.
// The only fields a query may start from. Everything else on the root type (search, node,
// organization, user, securityAdvisories and whatever the schema adds later) is denied, so a
// new root field cannot open a way around the project pattern.
const QSet<QString> &rootFields()
{
    static const QSet<QString> fields = {
        QStringLiteral("repository"), QStringLiteral("viewer"), QStringLiteral("rateLimit"),
        QStringLiteral("__typename"),
    };
    return fields;
}

const QSet<QString> &unresolvableFields()
{
    static const QSet<QString> fields = {
        QStringLiteral("search"),        QStringLiteral("resource"),
        QStringLiteral("repositoryOwner"), QStringLiteral("organization"),
        QStringLiteral("user"),          QStringLiteral("enterprise"),
        QStringLiteral("repositories"),  QStringLiteral("repositoriesContributedTo"),
        QStringLiteral("topRepositories"), QStringLiteral("starredRepositories"),
        QStringLiteral("watching"),      QStringLiteral("pinnedItems"),
        QStringLiteral("pinnableItems"), QStringLiteral("itemShowcase"),
        QStringLiteral("contributionsCollection"), QStringLiteral("parent"),
        QStringLiteral("forks"),         QStringLiteral("templateRepository"),
        QStringLiteral("headRepository"), QStringLiteral("source"),
        QStringLiteral("subject"),       QStringLiteral("timelineItems"),
        QStringLiteral("timeline"),      QStringLiteral("closingIssuesReferences"),
        QStringLiteral("closedByPullRequestsReferences"), QStringLiteral("trackedIssues"),
        QStringLiteral("trackedInIssues"), QStringLiteral("subIssues"),
        QStringLiteral("duplicateOf"),   QStringLiteral("projectsV2"),
        QStringLiteral("projectV2"),     QStringLiteral("projects"),
        QStringLiteral("project"),       QStringLiteral("lists"),
    };
    return fields;
}

bool isRepositoryPart(const QString &text)
{
    if (text.isEmpty() || text == QLatin1String(".") || text == QLatin1String("..")) {
        return false;
    }
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == QLatin1Char('/')
            || c == QLatin1Char('\\')) {
            return false;
        }
    }
    return true;
}

} // namespace

GraphQlInspector::GraphQlInspector(const QString &document)
    : m_lexer(document)
{
    advance();
}

GraphQlInspector::Result GraphQlInspector::inspect(const QByteArray &body)
{
    Result result;
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(body, &parseError);
    const QJsonValue query = json.object().value(QLatin1String("query"));
    const QJsonValue variables = json.object().value(QLatin1String("variables"));
    if (parseError.error != QJsonParseError::NoError || !json.isObject()) {
        result.reason = QStringLiteral("GraphQL body is not a JSON object");
        return result;
    }
    if (!query.isString()) {
        result.reason = QStringLiteral("GraphQL body has no \"query\" string");
        return result;
    }
    if (!variables.isUndefined() && !variables.isNull() && !variables.isObject()) {
        result.reason = QStringLiteral("GraphQL \"variables\" is not an object");
        return result;
    }

    GraphQlInspector inspector(query.toString());
    if (!inspector.parseDocument()) {
        result.reason = inspector.m_reason;
        return result;
    }
    for (const RepositoryReference &reference : std::as_const(inspector.m_references)) {
        QString owner;
        QString name;
        if (!inspector.resolve(reference.owner, variables.toObject(), &owner)
            || !inspector.resolve(reference.name, variables.toObject(), &name)) {
            result.reason = QStringLiteral("GraphQL repository owner or name is not a string "
                                           "literal or a string variable");
            return result;
        }
        if (!isRepositoryPart(owner) || !isRepositoryPart(name)) {
            result.reason = QStringLiteral("GraphQL repository owner or name is empty or holds "
                                           "'/', '\\' or a control character");
            return result;
        }
        result.repositories.append(owner + QLatin1Char('/') + name);
    }
    result.ok = true;
    return result;
}

bool GraphQlInspector::resolve(const Value &value, const QJsonObject &variables,
                               QString *text) const
{
    if (value.kind == Value::Kind::String) {
        *text = value.text;
        return true;
    }
    if (value.kind != Value::Kind::Variable) {
        return false;
    }
    if (variables.contains(value.text)) {
        const QJsonValue variable = variables.value(value.text);
        *text = variable.toString();
        return variable.isString();
    }
    const Value fallback = m_variableDefaults.value(value.text);
    *text = fallback.text;
    return fallback.kind == Value::Kind::String;
}

void GraphQlInspector::advance()
{
    m_token = m_lexer.next();
}

bool GraphQlInspector::isPunctuator(const QString &punctuator) const
{
    return m_token.kind == GraphQlLexer::TokenKind::Punctuator && m_token.text == punctuator;
}

bool GraphQlInspector::fail(const QString &reason)
{
    if (m_reason.isEmpty()) {
        m_reason = m_token.kind == GraphQlLexer::TokenKind::Error
                ? QStringLiteral("GraphQL syntax error: ") + m_token.text
                : reason;
    }
    return false;
}

bool GraphQlInspector::expect(const QString &punctuator)
{
    if (!isPunctuator(punctuator)) {
        return fail(QStringLiteral("GraphQL syntax error: expected \"%1\" before \"%2\"")
                            .arg(punctuator, m_token.text));
    }
    advance();
    return true;
}

bool GraphQlInspector::parseDocument()
{
    if (m_token.kind == GraphQlLexer::TokenKind::End) {
        return fail(QStringLiteral("GraphQL document is empty"));
    }
    while (m_token.kind != GraphQlLexer::TokenKind::End) {
        bool ok = false;
        if (isPunctuator(QStringLiteral("{"))) {
            ++m_operationCount;
            ok = parseSelectionSet(0, true);
        } else if (m_token.kind == GraphQlLexer::TokenKind::Name
                   && m_token.text == QLatin1String("fragment")) {
            ok = parseFragmentDefinition();
        } else if (m_token.kind == GraphQlLexer::TokenKind::Name) {
            ok = parseOperation(m_token.text);
        } else {
            ok = fail(QStringLiteral("GraphQL syntax error: expected a definition"));
        }
        if (!ok) {
            return false;
        }
        if (m_operationCount > 1) {
            return fail(QStringLiteral("GraphQL document has more than one operation"));
        }
    }
    return true;
}

bool GraphQlInspector::parseOperation(const QString &keyword)
{
    if (keyword == QLatin1String("mutation") || keyword == QLatin1String("subscription")) {
        return fail(QStringLiteral("GraphQL %1 operations are not on the allowlist").arg(keyword));
    }
    if (keyword != QLatin1String("query")) {
        return fail(QStringLiteral("GraphQL syntax error: unknown definition \"%1\"").arg(keyword));
    }
    ++m_operationCount;
    advance();
    if (m_token.kind == GraphQlLexer::TokenKind::Name) {
        advance();
    }
    if (isPunctuator(QStringLiteral("(")) && !parseVariableDefinitions()) {
        return false;
    }
    return parseDirectives() && parseSelectionSet(0, true);
}

bool GraphQlInspector::parseFragmentDefinition()
{
    advance();
    if (m_token.kind != GraphQlLexer::TokenKind::Name || m_token.text == QLatin1String("on")) {
        return fail(QStringLiteral("GraphQL syntax error: expected a fragment name"));
    }
    advance();
    if (m_token.kind != GraphQlLexer::TokenKind::Name || m_token.text != QLatin1String("on")) {
        return fail(QStringLiteral("GraphQL syntax error: expected \"on\" after the fragment name"));
    }
    advance();
    if (m_token.kind != GraphQlLexer::TokenKind::Name) {
        return fail(QStringLiteral("GraphQL syntax error: expected a type condition"));
    }
    const bool onRoot = m_token.text == QLatin1String("Query");
    advance();
    return parseDirectives() && parseSelectionSet(0, onRoot);
}

bool GraphQlInspector::parseVariableDefinitions()
{
    advance();
    while (!isPunctuator(QStringLiteral(")"))) {
        if (!expect(QStringLiteral("$")) || m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected a variable definition"));
        }
        const QString name = m_token.text;
        advance();
        if (!expect(QStringLiteral(":")) || !parseType()) {
            return false;
        }
        Value fallback;
        if (isPunctuator(QStringLiteral("="))) {
            advance();
            if (!parseValue(&fallback, 0)) {
                return false;
            }
        }
        m_variableDefaults.insert(name, fallback);
        if (!parseDirectives()) {
            return false;
        }
    }
    advance();
    return true;
}

bool GraphQlInspector::parseType()
{
    if (isPunctuator(QStringLiteral("["))) {
        advance();
        if (!parseType() || !expect(QStringLiteral("]"))) {
            return false;
        }
    } else if (m_token.kind == GraphQlLexer::TokenKind::Name) {
        advance();
    } else {
        return fail(QStringLiteral("GraphQL syntax error: expected a type"));
    }
    if (isPunctuator(QStringLiteral("!"))) {
        advance();
    }
    return true;
}

bool GraphQlInspector::parseDirectives()
{
    while (isPunctuator(QStringLiteral("@"))) {
        advance();
        if (m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected a directive name"));
        }
        advance();
        QHash<QString, Value> arguments;
        if (isPunctuator(QStringLiteral("(")) && !parseArguments(&arguments)) {
            return false;
        }
    }
    return true;
}

bool GraphQlInspector::parseSelectionSet(int depth, bool root)
{
    if (depth > maxDepth) {
        return fail(QStringLiteral("GraphQL selections nest deeper than %1 levels").arg(maxDepth));
    }
    if (!expect(QStringLiteral("{"))) {
        return false;
    }
    if (isPunctuator(QStringLiteral("}"))) {
        return fail(QStringLiteral("GraphQL syntax error: empty selection set"));
    }
    while (!isPunctuator(QStringLiteral("}"))) {
        if (!parseSelection(depth, root)) {
            return false;
        }
    }
    advance();
    return true;
}

bool GraphQlInspector::parseSelection(int depth, bool root)
{
    if (!isPunctuator(QStringLiteral("..."))) {
        return parseField(depth, root);
    }
    advance();

    // Inline fragments are checked in place. A named spread needs no check, because every
    // fragment definition in the document is checked as it is parsed.
    const bool typeCondition = m_token.kind == GraphQlLexer::TokenKind::Name
            && m_token.text == QLatin1String("on");
    if (m_token.kind == GraphQlLexer::TokenKind::Name && !typeCondition) {
        advance();
        return parseDirectives();
    }
    if (typeCondition) {
        advance();
        if (m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected a type condition"));
        }
        advance();
    }
    // At the root every type condition can only name the root type, so the fields stay root.
    return parseDirectives() && parseSelectionSet(depth + 1, root);
}

bool GraphQlInspector::parseField(int depth, bool root)
{
    if (m_token.kind != GraphQlLexer::TokenKind::Name) {
        return fail(QStringLiteral("GraphQL syntax error: expected a field"));
    }
    QString name = m_token.text;
    advance();
    // An alias renames the response key only, so the field name after it is what is checked.
    if (isPunctuator(QStringLiteral(":"))) {
        advance();
        if (m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected a field after the alias"));
        }
        name = m_token.text;
        advance();
    }
    if (root && !rootFields().contains(name)) {
        return fail(QStringLiteral("GraphQL root field \"%1\" is not allowed; queries start from "
                                   "repository, viewer or rateLimit")
                            .arg(name));
    }
    QHash<QString, Value> arguments;
    if (isPunctuator(QStringLiteral("(")) && !parseArguments(&arguments)) {
        return false;
    }
    if (!checkField(name, arguments) || !parseDirectives()) {
        return false;
    }
    return !isPunctuator(QStringLiteral("{")) || parseSelectionSet(depth + 1);
}

bool GraphQlInspector::checkField(const QString &name, const QHash<QString, Value> &arguments)
{
    // `node(id:)` and `nodes(ids:)` fetch any object by global id. Without arguments the same
    // names are the items of a connection, which stay inside the object that owns it.
    const bool byGlobalId = (name == QLatin1String("node") || name == QLatin1String("nodes"))
            && !arguments.isEmpty();
    if (byGlobalId || unresolvableFields().contains(name)) {
        return fail(QStringLiteral("GraphQL field \"%1\" can reach repositories that cannot be "
                                   "checked")
                            .arg(name));
    }
    if (name != QLatin1String("repository")) {
        return true;
    }
    if (!arguments.contains(QStringLiteral("owner")) || !arguments.contains(QStringLiteral("name"))) {
        return fail(QStringLiteral("GraphQL field \"repository\" without both \"owner\" and "
                                   "\"name\" arguments"));
    }
    m_references.append({arguments.value(QStringLiteral("owner")),
                         arguments.value(QStringLiteral("name"))});
    return true;
}

bool GraphQlInspector::parseArguments(QHash<QString, Value> *arguments)
{
    advance();
    if (isPunctuator(QStringLiteral(")"))) {
        return fail(QStringLiteral("GraphQL syntax error: empty argument list"));
    }
    while (!isPunctuator(QStringLiteral(")"))) {
        if (m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected an argument name"));
        }
        const QString name = m_token.text;
        advance();
        Value value;
        if (!expect(QStringLiteral(":")) || !parseValue(&value, 0)) {
            return false;
        }
        if (arguments->contains(name)) {
            return fail(QStringLiteral("GraphQL argument \"%1\" is given twice").arg(name));
        }
        arguments->insert(name, value);
    }
    advance();
    return true;
}

bool GraphQlInspector::parseValue(Value *value, int depth)
{
    if (depth > maxDepth) {
        return fail(QStringLiteral("GraphQL values nest deeper than %1 levels").arg(maxDepth));
    }
    if (isPunctuator(QStringLiteral("$"))) {
        advance();
        if (m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected a variable name"));
        }
        *value = {Value::Kind::Variable, m_token.text};
        advance();
        return true;
    }
    if (m_token.kind == GraphQlLexer::TokenKind::String) {
        *value = {Value::Kind::String, m_token.text};
        advance();
        return true;
    }
    if (m_token.kind == GraphQlLexer::TokenKind::Name
        || m_token.kind == GraphQlLexer::TokenKind::Number) {
        advance();
        return true;
    }
    const bool list = isPunctuator(QStringLiteral("["));
    if (!list && !isPunctuator(QStringLiteral("{"))) {
        return fail(QStringLiteral("GraphQL syntax error: expected a value"));
    }
    const QString close = list ? QStringLiteral("]") : QStringLiteral("}");
    advance();
    while (!isPunctuator(close)) {
        Value item;
        if (!list && m_token.kind != GraphQlLexer::TokenKind::Name) {
            return fail(QStringLiteral("GraphQL syntax error: expected an object field"));
        }
        if (!list) {
            advance();
            if (!expect(QStringLiteral(":"))) {
                return false;
            }
        }
        if (!parseValue(&item, depth + 1)) {
            return false;
        }
    }
    advance();
    return true;
}
