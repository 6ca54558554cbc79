#include "graphqllexer.h"

#include <QStringList>

namespace {

bool isNameStart(QChar c)
{
    return c == QLatin1Char('_') || (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
            || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'));
}

bool isDigit(QChar c)
{
    return c >= QLatin1Char('0') && c <= QLatin1Char('9');
}

bool isBlank(QStringView line)
{
    for (const QChar c : line) {
        if (c != QLatin1Char(' ') && c != QLatin1Char('\t')) {
            return false;
        }
    }
    return true;
}

qsizetype leadingWhitespace(QStringView line)
{
    qsizetype count = 0;
    while (count < line.size()
           && (line.at(count) == QLatin1Char(' ') || line.at(count) == QLatin1Char('\t'))) {
        ++count;
    }
    return count;
}

// Applies the specification's block string value rules: common indentation of all lines but
// the first is removed, and leading and trailing blank lines are dropped.
QString blockStringValue(const QString &raw)
{
    QString normalized = raw;
    normalized.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalized.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    QStringList lines = normalized.split(QLatin1Char('\n'));
    qsizetype commonIndent = -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype indent = leadingWhitespace(lines.at(i));
        if (indent < lines.at(i).size() && (commonIndent < 0 || indent < commonIndent)) {
            commonIndent = indent;
        }
    }
    for (qsizetype i = 1; commonIndent > 0 && i < lines.size(); ++i) {
        lines[i].remove(0, commonIndent);
    }
    while (!lines.isEmpty() && isBlank(lines.first())) {
        lines.removeFirst();
    }
    while (!lines.isEmpty() && isBlank(lines.last())) {
        lines.removeLast();
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

GraphQlLexer::GraphQlLexer(const QString &source)
    : m_source(source)
{
}

GraphQlLexer::Token GraphQlLexer::error(const QString &message)
{
    m_error = message;
    return {TokenKind::Error, message};
}

void GraphQlLexer::skipIgnored()
{
    while (m_position < m_source.size()) {
        const QChar c = m_source.at(m_position);
        if (c == QLatin1Char('#')) {
            while (m_position < m_source.size() && m_source.at(m_position) != QLatin1Char('\n')
                   && m_source.at(m_position) != QLatin1Char('\r')) {
                ++m_position;
            }
        } else if (c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n')
                   || c == QLatin1Char('\r') || c == QLatin1Char(',') || c == QChar(0xfeff)) {
            ++m_position;
        } else {
            return;
        }
    }
}

GraphQlLexer::Token GraphQlLexer::next()
{
    if (!m_error.isEmpty()) {
        return {TokenKind::Error, m_error};
    }
    skipIgnored();
    if (m_position >= m_source.size()) {
        return {TokenKind::End, {}};
    }

    const QChar c = m_source.at(m_position);
    if (QStringView(m_source).mid(m_position).startsWith(QLatin1String("..."))) {
        m_position += 3;
        return {TokenKind::Punctuator, QStringLiteral("...")};
    }
    if (QStringLiteral("!$&():=@[]{|}").contains(c)) {
        ++m_position;
        return {TokenKind::Punctuator, QString(c)};
    }
    if (isNameStart(c)) {
        return readName();
    }
    if (c == QLatin1Char('-') || isDigit(c)) {
        return readNumber();
    }
    if (QStringView(m_source).mid(m_position).startsWith(QLatin1String("\"\"\""))) {
        return readBlockString();
    }
    if (c == QLatin1Char('"')) {
        return readString();
    }
    return error(QStringLiteral("unexpected character U+%1 at offset %2")
                         .arg(c.unicode(), 4, 16, QLatin1Char('0'))
                         .arg(m_position));
}

GraphQlLexer::Token GraphQlLexer::readName()
{
    const qsizetype start = m_position;
    while (m_position < m_source.size()
           && (isNameStart(m_source.at(m_position)) || isDigit(m_source.at(m_position)))) {
        ++m_position;
    }
    return {TokenKind::Name, m_source.mid(start, m_position - start)};
}

GraphQlLexer::Token GraphQlLexer::readNumber()
{
    const qsizetype start = m_position;
    if (m_source.at(m_position) == QLatin1Char('-')) {
        ++m_position;
    }
    const auto digits = [this]() {
        const qsizetype from = m_position;
        while (m_position < m_source.size() && isDigit(m_source.at(m_position))) {
            ++m_position;
        }
        return m_position - from;
    };
    bool valid = digits() > 0;
    if (valid && m_position < m_source.size() && m_source.at(m_position) == QLatin1Char('.')) {
        ++m_position;
        valid = digits() > 0;
    }
    if (valid && m_position < m_source.size()
        && (m_source.at(m_position) == QLatin1Char('e') || m_source.at(m_position) == QLatin1Char('E'))) {
        ++m_position;
        if (m_position < m_source.size()
            && (m_source.at(m_position) == QLatin1Char('+') || m_source.at(m_position) == QLatin1Char('-'))) {
            ++m_position;
        }
        valid = digits() > 0;
    }
    if (!valid || (m_position < m_source.size() && isNameStart(m_source.at(m_position)))) {
        return error(QStringLiteral("invalid number at offset %1").arg(start));
    }
    return {TokenKind::Number, m_source.mid(start, m_position - start)};
}

bool GraphQlLexer::readEscape(QString *value)
{
    if (m_position >= m_source.size()) {
        return false;
    }
    const QChar c = m_source.at(m_position++);
    static const QString simple = QStringLiteral("\"\\/bfnrt");
    static const QString replacements = QStringLiteral("\"\\/\b\f\n\r\t");
    if (simple.contains(c)) {
        value->append(replacements.at(simple.indexOf(c)));
        return true;
    }
    if (c != QLatin1Char('u') || m_position + 4 > m_source.size()) {
        return false;
    }
    bool ok = false;
    const uint code = m_source.mid(m_position, 4).toUInt(&ok, 16);
    if (!ok || code == 0) {
        return false;
    }
    m_position += 4;
    value->append(QChar(static_cast<char16_t>(code)));
    return true;
}

GraphQlLexer::Token GraphQlLexer::readString()
{
    const qsizetype start = m_position++;
    QString value;
    while (m_position < m_source.size()) {
        const QChar c = m_source.at(m_position++);
        if (c == QLatin1Char('"')) {
            return {TokenKind::String, value};
        }
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c.unicode() < 0x20) {
            break;
        }
        if (c == QLatin1Char('\\')) {
            if (!readEscape(&value)) {
                return error(QStringLiteral("invalid escape in the string at offset %1").arg(start));
            }
            continue;
        }
        value.append(c);
    }
    return error(QStringLiteral("unterminated string at offset %1").arg(start));
}

GraphQlLexer::Token GraphQlLexer::readBlockString()
{
    const qsizetype start = m_position;
    m_position += 3;
    QString raw;
    while (m_position < m_source.size()) {
        const QStringView rest = QStringView(m_source).mid(m_position);
        if (rest.startsWith(QLatin1String("\"\"\""))) {
            m_position += 3;
            return {TokenKind::String, blockStringValue(raw)};
        }
        if (rest.startsWith(QLatin1String("\\\"\"\""))) {
            raw.append(QLatin1String("\"\"\""));
            m_position += 4;
            continue;
        }
        raw.append(m_source.at(m_position++));
    }
    return error(QStringLiteral("unterminated block string at offset %1").arg(start));
}
