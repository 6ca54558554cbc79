#pragma once

#include "pathtemplate.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// One entry of a vendor's allowlist: a method and anchored path templates the platform needs.
struct AllowlistRule
{
    QString name;
    QString description; // what the platform uses the rule for, shown in the access log
    QByteArray method;
    QList<PathTemplate> paths;
    QString projectTemplate; // such as "{owner}/{repo}"; empty when the rule names no project
    // Query parameters that must appear exactly once with one of the listed values.
    QHash<QString, QStringList> requiredQuery;
    bool graphqlBody = false; // the body is a GraphQL request that names repositories

    // Returns the project the placeholder values name, or an empty string for no project.
    QString project(const QHash<QString, QString> &values) const;
};

// A vendor's allowlist file, validated as a whole: a bad rule makes the file unusable.
class Allowlist
{
public:
    // Loads and validates the file at `path`, or returns nothing and sets `error` to one
    // sentence naming the file, the rule and the fix.
    static std::optional<Allowlist> loadFile(const QString &path, QString *error);
    // Validates `json`; `sourceName` names the file in errors.
    static std::optional<Allowlist> fromJson(const QByteArray &json, const QString &sourceName,
                                             QString *error);

    const QString &vendor() const { return m_vendor; }
    // Whether a project may be given as a numeric id (GitLab), which no pattern can check.
    bool numericProjectIds() const { return m_numericProjectIds; }
    const QList<AllowlistRule> &rules() const { return m_rules; }

private:
    Allowlist() = default;
    static std::optional<AllowlistRule> parseRule(const QJsonObject &object, QString *error);

    QString m_vendor;
    bool m_numericProjectIds = false;
    QList<AllowlistRule> m_rules;
};
