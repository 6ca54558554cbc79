#pragma once

#include <QString>

// Splits a GraphQL document into tokens (GraphQL specification, October 2021 edition): names,
// numbers, strings with escapes, block strings and punctuators. Commas, white space, the byte
// order mark and comments are skipped as the specification says.
class GraphQlLexer
{
public:
    enum class TokenKind { End, Punctuator, Name, Number, String, Error };

    struct Token
    {
        TokenKind kind = TokenKind::End;
        QString text; // the name, punctuator, number, the decoded string value or the error
    };

    explicit GraphQlLexer(const QString &source);

    // Reads the next token. After an Error token every call returns the same error.
    Token next();

private:
    void skipIgnored();
    Token readName();
    Token readNumber();
    Token readString();
    Token readBlockString();
    bool readEscape(QString *value);
    Token error(const QString &message);

    QString m_source;
    qsizetype m_position = 0;
    QString m_error;
};
