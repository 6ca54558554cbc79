#include "filter/requesttarget.h"

#include <QTest>

namespace {

// Splits "a|b|c" into a list of segments.
QStringList segmentList(const char *text)
{
    return QString::fromUtf8(text).split(QLatin1Char('|'));
}

} // namespace

class TestRequestTarget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rejectedTarget_data();
    void rejectedTarget();
    void acceptedTarget_data();
    void acceptedTarget();
    void queryValues();
};

void TestRequestTarget::rejectedTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("reason");

    const QString dot = QStringLiteral("dot segment in the path");
    const QString encodedDot = QStringLiteral("dot segment inside an encoded path segment");
    QTest::newRow("raw dot-dot") << QByteArray("/a/../b") << dot;
    QTest::newRow("raw single dot") << QByteArray("/a/./b") << dot;
    QTest::newRow("trailing dot-dot") << QByteArray("/a/..") << dot;
    QTest::newRow("encoded dot-dot lower") << QByteArray("/a/%2e%2e/b") << dot;
    QTest::newRow("encoded dot-dot upper") << QByteArray("/a/%2E%2E/b") << dot;
    QTest::newRow("half-encoded dot-dot") << QByteArray("/a/.%2e/b") << dot;
    QTest::newRow("half-encoded dot-dot 2") << QByteArray("/a/%2e./b") << dot;
    QTest::newRow("encoded single dot") << QByteArray("/a/%2e/b") << dot;
    QTest::newRow("dot-dot semicolon") << QByteArray("/a/..;/b") << dot;
    QTest::newRow("encoded dot-dot semicolon") << QByteArray("/a/%2e%2e;/b") << dot;
    QTest::newRow("encoded dot-dot encoded semicolon") << QByteArray("/a/%2e%2e%3b/b") << dot;
    QTest::newRow("dot-dot semicolon param") << QByteArray("/a/..;jsessionid=1/b") << dot;
    QTest::newRow("three dots") << QByteArray("/a/.../b") << dot;
    QTest::newRow("dot-dot space") << QByteArray("/a/..%20/b") << dot;
    QTest::newRow("dot-dot in encoded segment") << QByteArray("/a/x%2F..%2Fy/b") << encodedDot;
    QTest::newRow("dot in encoded segment") << QByteArray("/a/x%2F.%2Fy") << encodedDot;
    QTest::newRow("encoded dot-dot in encoded segment")
            << QByteArray("/a/x%2F%2e%2e%2Fy") << encodedDot;
    QTest::newRow("empty segment") << QByteArray("/a//b") << QStringLiteral("empty path segment");
    QTest::newRow("trailing slash") << QByteArray("/a/b/") << QStringLiteral("empty path segment");
    QTest::newRow("leading double slash") << QByteArray("//host/a")
                                          << QStringLiteral("empty path segment");
    QTest::newRow("empty in encoded segment")
            << QByteArray("/a/x%2F%2Fy") << QStringLiteral("empty segment inside an encoded path segment");
    QTest::newRow("raw backslash") << QByteArray("/a\\b") << QStringLiteral("backslash in the path");
    QTest::newRow("encoded backslash") << QByteArray("/a%5cb")
                                       << QStringLiteral("encoded backslash in the path");
    QTest::newRow("encoded backslash upper") << QByteArray("/a%5Cb")
                                             << QStringLiteral("encoded backslash in the path");
    QTest::newRow("path parameter") << QByteArray("/a;v=1/b")
                                    << QStringLiteral("path parameter (;) in the path");
    QTest::newRow("encoded path parameter") << QByteArray("/a%3Bv=1/b")
                                            << QStringLiteral("path parameter (;) in the path");
    const QString control = QStringLiteral("control character in the request target");
    const QString encodedControl = QStringLiteral("encoded control character in the request target");
    QTest::newRow("raw NUL") << QByteArray("/a\0b", 4) << control;
    QTest::newRow("raw CR") << QByteArray("/a\rb") << control;
    QTest::newRow("raw LF") << QByteArray("/a\nb") << control;
    QTest::newRow("raw tab") << QByteArray("/a\tb") << control;
    QTest::newRow("raw DEL") << QByteArray("/a\x7f") << control;
    QTest::newRow("encoded NUL") << QByteArray("/a%00b") << encodedControl;
    QTest::newRow("encoded CR") << QByteArray("/a%0db") << encodedControl;
    QTest::newRow("encoded LF") << QByteArray("/a%0Ab") << encodedControl;
    QTest::newRow("encoded tab") << QByteArray("/a%09b") << encodedControl;
    QTest::newRow("encoded NUL in query") << QByteArray("/a?x=%00") << encodedControl;
    QTest::newRow("encoded CR in query name") << QByteArray("/a?x%0d=1") << encodedControl;
    const QString percent = QStringLiteral("invalid percent-encoding in the request target");
    QTest::newRow("percent at end") << QByteArray("/a%") << percent;
    QTest::newRow("percent one digit") << QByteArray("/a%2") << percent;
    QTest::newRow("percent non-hex") << QByteArray("/a%zz") << percent;
    QTest::newRow("percent in query") << QByteArray("/a?x=%g0") << percent;
    const QString utf8 = QStringLiteral("invalid or overlong UTF-8 in the request target");
    QTest::newRow("overlong slash") << QByteArray("/a%c0%afb") << utf8;
    QTest::newRow("overlong dot") << QByteArray("/a/%c0%ae%c0%ae/b") << utf8;
    QTest::newRow("overlong three bytes") << QByteArray("/a%e0%80%afb") << utf8;
    QTest::newRow("lone continuation") << QByteArray("/a%80") << utf8;
    QTest::newRow("truncated sequence") << QByteArray("/a%c3") << utf8;
    QTest::newRow("surrogate") << QByteArray("/a%ed%a0%80") << utf8;
    QTest::newRow("above U+10FFFF") << QByteArray("/a%f4%90%80%80") << utf8;
    QTest::newRow("raw non-ASCII")
            << QByteArray("/a\xc3\xa9")
            << QStringLiteral("non-ASCII byte in the request target (must be percent-encoded)");
    QTest::newRow("fragment") << QByteArray("/a#b") << QStringLiteral("fragment in the request target");
    QTest::newRow("fragment in query") << QByteArray("/a?b#c")
                                       << QStringLiteral("fragment in the request target");
    QTest::newRow("space") << QByteArray("/a b") << QStringLiteral("space in the request target");
    const QString originForm = QStringLiteral("request target is not origin-form (a path starting with /)");
    QTest::newRow("absolute form") << QByteArray("http://h/a") << originForm;
    QTest::newRow("asterisk form") << QByteArray("*") << originForm;
    QTest::newRow("authority form") << QByteArray("h:443") << originForm;
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty request target");
    QTest::newRow("too long") << (QByteArray("/") + QByteArray(RequestTarget::maxLength, 'a'))
                              << QStringLiteral("request target longer than 8192 bytes");
    const QString override = QStringLiteral("method override (_method query parameter)");
    QTest::newRow("_method") << QByteArray("/a?_method=DELETE") << override;
    QTest::newRow("_METHOD") << QByteArray("/a?x=1&_METHOD=DELETE") << override;
    QTest::newRow("encoded _method") << QByteArray("/a?%5fmethod=DELETE") << override;
    QTest::newRow("_method without value") << QByteArray("/a?_method") << override;
}

void TestRequestTarget::rejectedTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, reason);

    QString actual;
    QVERIFY(!RequestTarget::parse(target, &actual));
    QCOMPARE(actual, reason);
}

void TestRequestTarget::acceptedTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QStringList>("segments");

    QTest::newRow("root") << QByteArray("/") << QStringList();
    QTest::newRow("plain") << QByteArray("/api/v4/user") << segmentList("api|v4|user");
    QTest::newRow("encoded slash kept in segment")
            << QByteArray("/p/acme%2Fapp/x") << segmentList("p|acme/app|x");
    QTest::newRow("decoded once") << QByteArray("/p/acme%252Fapp") << segmentList("p|acme%2Fapp");
    QTest::newRow("dots inside a name") << QByteArray("/compare/main...dev")
                                        << segmentList("compare|main...dev");
    QTest::newRow("dot file") << QByteArray("/f/%2Espacelift%2Fconfig%2Eyml")
                              << segmentList("f|.spacelift/config.yml");
    QTest::newRow("UTF-8") << QByteArray("/r/caf%C3%A9") << segmentList("r|caf\u00e9");
    QTest::newRow("tilde") << QByteArray("/p/%7Euser") << segmentList("p|~user");
    QTest::newRow("query only") << QByteArray("/a?") << segmentList("a");
    QTest::newRow("maximum length") << (QByteArray("/") + QByteArray(RequestTarget::maxLength - 1, 'a'))
                                    << QStringList{QString(RequestTarget::maxLength - 1, QLatin1Char('a'))};
}

void TestRequestTarget::acceptedTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(QStringList, segments);

    QString reason;
    const std::optional<RequestTarget> parsed = RequestTarget::parse(target, &reason);
    QVERIFY2(parsed, qPrintable(reason));
    QCOMPARE(parsed->segments(), segments);
}

void TestRequestTarget::queryValues()
{
    QString reason;
    const auto parsed = RequestTarget::parse("/a?service=git-upload-pack&x=%41&&service=b&flag",
                                             &reason);
    QVERIFY2(parsed, qPrintable(reason));
    QCOMPARE(parsed->queryValues(QStringLiteral("service")),
             (QStringList{QStringLiteral("git-upload-pack"), QStringLiteral("b")}));
    QCOMPARE(parsed->queryValues(QStringLiteral("x")), QStringList{QStringLiteral("A")});
    QCOMPARE(parsed->queryValues(QStringLiteral("flag")), QStringList{QString()});
    QCOMPARE(parsed->queryParameters().size(), 4);
}

QTEST_GUILESS_MAIN(TestRequestTarget)
#include "tst_requesttarget.moc"
