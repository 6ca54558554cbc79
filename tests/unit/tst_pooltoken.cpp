#include "common/pooltoken.h"

#include <QTest>

class TestPoolToken final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void invalid_data();
    void invalid();
};

void TestPoolToken::roundTrip()
{
    PoolToken token;
    token.gatewayUrl = QUrl(QStringLiteral("wss://gateway.example:8443/agents"));
    token.poolId = QStringLiteral("0123abcd");
    token.key = QStringLiteral("k3y/with+base64=chars");

    QString error;
    const auto decoded = PoolToken::decode(token.encode(), &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(decoded->gatewayUrl, token.gatewayUrl);
    QCOMPARE(decoded->poolId, token.poolId);
    QCOMPARE(decoded->key, token.key);

    // Surrounding whitespace from a copied line is ignored.
    const auto padded = PoolToken::decode(QStringLiteral("  ") + token.encode() + QStringLiteral("\n"),
                                          &error);
    QVERIFY2(padded, qPrintable(error));
    QCOMPARE(padded->key, token.key);
}

void TestPoolToken::invalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expectedError");

    const auto encode = [](const char *json) { return QString::fromLatin1(QByteArray(json).toBase64()); };
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("not base64") << QStringLiteral("secret!!not*base64") << QStringLiteral("not valid base64");
    QTest::newRow("not JSON") << encode("secret-key-text") << QStringLiteral("JSON object");
    QTest::newRow("JSON array") << encode("[\"secret-key-text\"]") << QStringLiteral("JSON object");
    QTest::newRow("no gateway") << encode(R"({"pool":"p","key":"secret-key-text"})")
                                << QStringLiteral("no \"gateway\"");
    QTest::newRow("no pool") << encode(R"({"gateway":"wss://g.example","key":"secret-key-text"})")
                             << QStringLiteral("no \"pool\"");
    QTest::newRow("no key") << encode(R"({"gateway":"wss://g.example","pool":"p"})")
                            << QStringLiteral("no \"key\"");
    QTest::newRow("https URL") << encode(R"({"gateway":"https://g.example","pool":"p","key":"secret-key-text"})")
                               << QStringLiteral("not a ws:// or wss:// URL");
    QTest::newRow("URL without host") << encode(R"({"gateway":"wss://","pool":"p","key":"secret-key-text"})")
                                      << QStringLiteral("not a ws:// or wss:// URL");
    QTest::newRow("too long") << QString(16 * 1024 + 1, QLatin1Char('A'))
                              << QStringLiteral("more than the 16384");
}

void TestPoolToken::invalid()
{
    QFETCH(QString, text);
    QFETCH(QString, expectedError);
    QString error;
    QVERIFY(!PoolToken::decode(text, &error));
    QVERIFY2(error.contains(expectedError), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("secret")), qPrintable(error));
    if (!text.isEmpty()) {
        QVERIFY2(!error.contains(text.trimmed()), qPrintable(error));
    }
}

QTEST_GUILESS_MAIN(TestPoolToken)
#include "tst_pooltoken.moc"
