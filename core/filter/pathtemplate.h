#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// A path template of an allowlist rule, anchored at both ends. Segments are literals,
// `{name}` (exactly one segment, optionally followed by a literal suffix such as `{repo}.git`)
// or `{name+}` (one or more segments, at most one per template). Literals compare exactly with
// the decoded segments.
class PathTemplate
{
public:
    // Parses `text`, or returns nothing and sets `error` to what is wrong with it.
    static std::optional<PathTemplate> parse(const QString &text, QString *error);

    // Returns the placeholder values when `segments` match, multi-segment values joined by '/'.
    std::optional<QHash<QString, QString>> match(const QStringList &segments) const;

    const QString &text() const { return m_text; }
    QStringList placeholderNames() const;

private:
    enum class PartKind { Literal, Single, Multiple };
    struct Part
    {
        PartKind kind = PartKind::Literal;
        QString text; // the literal, or the placeholder name
        QString suffix;
    };

    PathTemplate() = default;
    static std::optional<Part> parsePart(const QString &text, QString *error);
    bool matchPart(const Part &part, const QString &segment, QHash<QString, QString> *values) const;

    QString m_text;
    QList<Part> m_parts;
    qsizetype m_multipleIndex = -1;
};
