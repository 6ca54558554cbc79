#include "pathtemplate.h"

#include <QRegularExpression>

namespace {

bool isPlaceholderName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z][A-Za-z0-9_]*\\z"));
    return pattern.match(name).hasMatch();
}

} // namespace

std::optional<PathTemplate::Part> PathTemplate::parsePart(const QString &text, QString *error)
{
    Part part;
    if (!text.startsWith(QLatin1Char('{'))) {
        if (text.contains(QLatin1Char('{')) || text.contains(QLatin1Char('}'))) {
            *error = QStringLiteral("a placeholder must start its segment in \"%1\"").arg(text);
            return std::nullopt;
        }
        part.text = text;
        return part;
    }

    const qsizetype close = text.indexOf(QLatin1Char('}'));
    QString name = text.mid(1, close - 1);
    part.suffix = close < 0 ? QString() : text.mid(close + 1);
    part.kind = PartKind::Single;
    if (name.endsWith(QLatin1Char('+'))) {
        name.chop(1);
        part.kind = PartKind::Multiple;
    }
    if (close < 0 || !isPlaceholderName(name) || part.suffix.contains(QLatin1Char('{'))
        || part.suffix.contains(QLatin1Char('}'))) {
        *error = QStringLiteral("invalid placeholder \"%1\" (expected {name}, {name}suffix or "
                                "{name+})")
                         .arg(text);
        return std::nullopt;
    }
    if (part.kind == PartKind::Multiple && !part.suffix.isEmpty()) {
        *error = QStringLiteral("a multi-segment placeholder takes no suffix in \"%1\"").arg(text);
        return std::nullopt;
    }
    part.text = name;
    return part;
}

std::optional<PathTemplate> PathTemplate::parse(const QString &text, QString *error)
{
    if (!text.startsWith(QLatin1Char('/')) || text.size() < 2) {
        *error = QStringLiteral("path \"%1\" must start with / and name at least one segment")
                         .arg(text);
        return std::nullopt;
    }
    PathTemplate result;
    result.m_text = text;
    const QStringList segments = text.mid(1).split(QLatin1Char('/'));
    for (const QString &segment : segments) {
        if (segment.isEmpty() || segment == QLatin1String(".") || segment == QLatin1String("..")) {
            *error = QStringLiteral("path \"%1\" has an empty or dot segment").arg(text);
            return std::nullopt;
        }
        std::optional<Part> part = parsePart(segment, error);
        if (!part) {
            return std::nullopt;
        }
        if (part->kind == PartKind::Multiple) {
            if (result.m_multipleIndex >= 0) {
                *error = QStringLiteral("path \"%1\" has more than one {name+} placeholder")
                                 .arg(text);
                return std::nullopt;
            }
            result.m_multipleIndex = result.m_parts.size();
        }
        if (part->kind != PartKind::Literal && result.placeholderNames().contains(part->text)) {
            *error = QStringLiteral("path \"%1\" repeats the placeholder {%2}").arg(text, part->text);
            return std::nullopt;
        }
        result.m_parts.append(*part);
    }
    return result;
}

QStringList PathTemplate::placeholderNames() const
{
    QStringList names;
    for (const Part &part : m_parts) {
        if (part.kind != PartKind::Literal) {
            names.append(part.text);
        }
    }
    return names;
}

bool PathTemplate::matchPart(const Part &part, const QString &segment,
                             QHash<QString, QString> *values) const
{
    if (part.kind == PartKind::Literal) {
        return segment == part.text;
    }
    if (!segment.endsWith(part.suffix) || segment.size() == part.suffix.size()) {
        return false;
    }
    values->insert(part.text, segment.left(segment.size() - part.suffix.size()));
    return true;
}

std::optional<QHash<QString, QString>> PathTemplate::match(const QStringList &segments) const
{
    QHash<QString, QString> values;
    if (m_multipleIndex < 0) {
        if (segments.size() != m_parts.size()) {
            return std::nullopt;
        }
        for (qsizetype i = 0; i < m_parts.size(); ++i) {
            if (!matchPart(m_parts.at(i), segments.at(i), &values)) {
                return std::nullopt;
            }
        }
        return values;
    }

    // The parts before and after the one multi-segment placeholder have fixed positions, so
    // matching takes one pass with no backtracking.
    const qsizetype after = m_parts.size() - m_multipleIndex - 1;
    const qsizetype multipleCount = segments.size() - m_multipleIndex - after;
    if (multipleCount < 1) {
        return std::nullopt;
    }
    for (qsizetype i = 0; i < m_multipleIndex; ++i) {
        if (!matchPart(m_parts.at(i), segments.at(i), &values)) {
            return std::nullopt;
        }
    }
    for (qsizetype i = 0; i < after; ++i) {
        const qsizetype segmentIndex = segments.size() - after + i;
        if (!matchPart(m_parts.at(m_multipleIndex + 1 + i), segments.at(segmentIndex), &values)) {
            return std::nullopt;
        }
    }
    values.insert(m_parts.at(m_multipleIndex).text,
                  segments.mid(m_multipleIndex, multipleCount).join(QLatin1Char('/')));
    return values;
}
