#include "health/listenaddress.h"

#include <QTest>

class TestListenAddress final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
};

void TestListenAddress::valid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::newRow("port only is loopback") << QStringLiteral("9101") << QStringLiteral("127.0.0.1")
                                           << 9101;
    QTest::newRow("ipv4") << QStringLiteral("127.0.0.1:9102") << QStringLiteral("127.0.0.1")
                          << 9102;
    QTest::newRow("any ipv4") << QStringLiteral("0.0.0.0:9102") << QStringLiteral("0.0.0.0")
                              << 9102;
    QTest::newRow("localhost") << QStringLiteral("localhost:80") << QStringLiteral("127.0.0.1")
                               << 80;
    QTest::newRow("ipv6 in brackets") << QStringLiteral("[::1]:9101") << QStringLiteral("::1")
                                      << 9101;
    QTest::newRow("port zero") << QStringLiteral("127.0.0.1:0") << QStringLiteral("127.0.0.1")
                               << 0;
}

void TestListenAddress::valid()
{
    QFETCH(QString, text);
    QFETCH(QString, address);
    QFETCH(int, port);
    QHostAddress parsedAddress;
    quint16 parsedPort = 1;
    QString error;
    QVERIFY2(parseListenAddress(text, &parsedAddress, &parsedPort, &error), qPrintable(error));
    QCOMPARE(parsedAddress, QHostAddress(address));
    QCOMPARE(int(parsedPort), port);
}

void TestListenAddress::invalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("port too large") << QStringLiteral("127.0.0.1:65536");
    QTest::newRow("negative port") << QStringLiteral("127.0.0.1:-1");
    QTest::newRow("no port") << QStringLiteral("127.0.0.1:");
    QTest::newRow("no host") << QStringLiteral(":9101");
    QTest::newRow("host name") << QStringLiteral("metrics.example:9101");
    QTest::newRow("bare ipv6") << QStringLiteral("::1:9101");
    QTest::newRow("words") << QStringLiteral("loopback");
}

void TestListenAddress::invalid()
{
    QFETCH(QString, text);
    QHostAddress address;
    quint16 port = 0;
    QString error;
    QVERIFY(!parseListenAddress(text, &address, &port, &error));
    QVERIFY2(error.contains(QStringLiteral("is invalid")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestListenAddress)
#include "tst_listenaddress.moc"
