#pragma once

#include "graphqllexer.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

// Reads a GraphQL request body (JSON with `query` and optional `variables`) and lists the
// repositories it names, so that each can be checked against the allowed projects. Whatever
// cannot be resolved to `owner/name` is rejected: mutations, subscriptions, more than one
// operation, `repository` without literal or variable `owner` and `name`, and fields that reach
// other repositories or arbitrary nodes.
class GraphQlInspector
{
public:
    struct Result
    {
        bool ok = false;
        QString reason;           // why the body is rejected, when `ok` is false
        QStringList repositories; // `owner/name` of every repository field, in document order
    };

    static constexpr int maxDepth = 64;

    static Result inspect(const QByteArray &body);

private:
    struct Value
    {
        enum class Kind { String, Variable, Other } kind = Kind::Other;
        QString text;
    };
    struct RepositoryReference
    {
        Value owner;
        Value name;
    };

    explicit GraphQlInspector(const QString &document);

    bool parseDocument();
    bool parseOperation(const QString &keyword);
    bool parseFragmentDefinition();
    bool parseVariableDefinitions();
    bool parseType();
    bool parseDirectives();
    // `root` is true for the selection set of an operation or of a fragment on Query, whose
    // fields must be on the root allowlist.
    bool parseSelectionSet(int depth, bool root = false);
    bool parseSelection(int depth, bool root);
    bool parseField(int depth, bool root);
    bool parseArguments(QHash<QString, Value> *arguments);
    bool parseValue(Value *value, int depth);
    bool checkField(const QString &name, const QHash<QString, Value> &arguments);
    bool resolve(const Value &value, const QJsonObject &variables, QString *text) const;

    void advance();
    bool expect(const QString &punctuator);
    bool isPunctuator(const QString &punctuator) const;
    bool fail(const QString &reason);

    GraphQlLexer m_lexer;
    GraphQlLexer::Token m_token;
    QString m_reason;
    int m_operationCount = 0;
    QHash<QString, Value> m_variableDefaults;
    QList<RepositoryReference> m_references;
};
