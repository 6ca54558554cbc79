#include "common/proxysettings.h"

#include <QTest>

namespace {

QProcessEnvironment environmentWith(const QList<QPair<QString, QString>> &variables)
{
    QProcessEnvironment environment;
    for (const auto &variable : variables) {
        environment.insert(variable.first, variable.second);
    }
    return environment;
}

} // namespace

class TestProxySettings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upperCaseFirst_data();
    void upperCaseFirst();
    void proxyForScheme();
    void noProxyMatching_data();
    void noProxyMatching();
    void noProxyUpperCaseFirst();
    void invalidSettings_data();
    void invalidSettings();
    void schemeDefaultsToHttp();
    void credentialsKeptOutOfSummary();
};

void TestProxySettings::upperCaseFirst_data()
{
    QTest::addColumn<QString>("variable");

    QTest::newRow("https") << QStringLiteral("HTTPS_PROXY");
    QTest::newRow("http") << QStringLiteral("HTTP_PROXY");
}

void TestProxySettings::upperCaseFirst()
{
    QFETCH(QString, variable);
    const bool secure = variable == QStringLiteral("HTTPS_PROXY");

    QString error;
    const auto both = ProxySettings::fromEnvironment(
            environmentWith({ { variable, QStringLiteral("http://upper.example:1111") },
                              { variable.toLower(), QStringLiteral("http://lower.example:2222") } }),
            &error);
    QVERIFY2(both, qPrintable(error));
    QCOMPARE(both->proxyFor(QStringLiteral("vcs.example"), secure).hostName(),
             QStringLiteral("upper.example"));
    QCOMPARE(both->proxyFor(QStringLiteral("vcs.example"), secure).port(), 1111);

    const auto lowerOnly = ProxySettings::fromEnvironment(
            environmentWith({ { variable.toLower(), QStringLiteral("http://lower.example:2222") } }),
            &error);
    QVERIFY2(lowerOnly, qPrintable(error));
    QCOMPARE(lowerOnly->proxyFor(QStringLiteral("vcs.example"), secure).hostName(),
             QStringLiteral("lower.example"));
    QCOMPARE(lowerOnly->proxyFor(QStringLiteral("vcs.example"), secure).port(), 2222);
}

void TestProxySettings::proxyForScheme()
{
    QString error;
    const auto settings = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("HTTPS_PROXY"), QStringLiteral("http://tls.example:3129") },
                              { QStringLiteral("HTTP_PROXY"), QStringLiteral("http://plain.example:3128") } }),
            &error);
    QVERIFY2(settings, qPrintable(error));

    const QNetworkProxy secure = settings->proxyFor(QStringLiteral("vcs.example"), true);
    QCOMPARE(secure.type(), QNetworkProxy::HttpProxy);
    QCOMPARE(secure.hostName(), QStringLiteral("tls.example"));
    QCOMPARE(secure.port(), 3129);

    const QNetworkProxy plain = settings->proxyFor(QStringLiteral("vcs.example"), false);
    QCOMPARE(plain.type(), QNetworkProxy::HttpProxy);
    QCOMPARE(plain.hostName(), QStringLiteral("plain.example"));
    QCOMPARE(plain.port(), 3128);

    // Without any variable every connection is direct.
    const auto empty = ProxySettings::fromEnvironment(QProcessEnvironment(), &error);
    QVERIFY2(empty, qPrintable(error));
    QCOMPARE(empty->proxyFor(QStringLiteral("vcs.example"), true).type(), QNetworkProxy::NoProxy);
    QCOMPARE(empty->proxyFor(QStringLiteral("vcs.example"), false).type(),
             QNetworkProxy::NoProxy);
    QVERIFY(!empty->bypasses(QStringLiteral("vcs.example")));
}

void TestProxySettings::noProxyMatching_data()
{
    QTest::addColumn<QString>("noProxy");
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("bypassed");

    const QString domain = QStringLiteral("corp.example");
    QTest::newRow("exact host") << domain << QStringLiteral("corp.example") << true;
    QTest::newRow("subdomain") << domain << QStringLiteral("git.corp.example") << true;
    QTest::newRow("deep subdomain") << domain << QStringLiteral("a.b.corp.example") << true;
    QTest::newRow("no dot boundary") << domain << QStringLiteral("notcorp.example") << false;
    QTest::newRow("entry as prefix") << domain << QStringLiteral("corp.example.evil") << false;
    QTest::newRow("other domain") << domain << QStringLiteral("example") << false;

    const QString dotted = QStringLiteral(".corp.example");
    QTest::newRow("dot entry domain") << dotted << QStringLiteral("corp.example") << true;
    QTest::newRow("dot entry subdomain") << dotted << QStringLiteral("git.corp.example") << true;
    QTest::newRow("dot entry no boundary") << dotted << QStringLiteral("notcorp.example") << false;

    QTest::newRow("case insensitive")
            << QStringLiteral("Corp.Example") << QStringLiteral("GIT.corp.EXAMPLE") << true;
    QTest::newRow("host with port entry")
            << QStringLiteral("git.corp.example:8443") << QStringLiteral("git.corp.example")
            << true;
    QTest::newRow("host with port entry other host")
            << QStringLiteral("git.corp.example:8443") << QStringLiteral("wiki.corp.example")
            << false;
    QTest::newRow("list with spaces")
            << QStringLiteral("a.example , b.example,,c.example") << QStringLiteral("b.example")
            << true;
    QTest::newRow("list without match")
            << QStringLiteral("a.example,b.example") << QStringLiteral("ab.example") << false;
    QTest::newRow("star") << QStringLiteral("*") << QStringLiteral("anything.example") << true;
    QTest::newRow("star in list")
            << QStringLiteral("a.example,*") << QStringLiteral("10.0.0.1") << true;

    QTest::newRow("ipv4 exact") << QStringLiteral("10.1.2.3") << QStringLiteral("10.1.2.3") << true;
    QTest::newRow("ipv4 other") << QStringLiteral("10.1.2.3") << QStringLiteral("10.1.2.4") << false;
    QTest::newRow("ipv4 with port")
            << QStringLiteral("10.1.2.3:8080") << QStringLiteral("10.1.2.3") << true;
    QTest::newRow("ipv6 exact") << QStringLiteral("::1") << QStringLiteral("::1") << true;
    QTest::newRow("ipv6 other") << QStringLiteral("::1") << QStringLiteral("::2") << false;
    QTest::newRow("ipv6 full form")
            << QStringLiteral("2001:db8:0:0:0:0:0:1") << QStringLiteral("2001:db8::1") << true;
    QTest::newRow("ipv6 in brackets") << QStringLiteral("[::1]") << QStringLiteral("::1") << true;
    QTest::newRow("ipv6 with port")
            << QStringLiteral("[2001:db8::1]:8080") << QStringLiteral("2001:db8::1") << true;

    QTest::newRow("cidr ipv4 inside")
            << QStringLiteral("10.0.0.0/8") << QStringLiteral("10.20.30.40") << true;
    QTest::newRow("cidr ipv4 outside")
            << QStringLiteral("10.0.0.0/8") << QStringLiteral("11.0.0.1") << false;
    QTest::newRow("cidr narrow inside")
            << QStringLiteral("192.168.1.128/25") << QStringLiteral("192.168.1.200") << true;
    QTest::newRow("cidr narrow outside")
            << QStringLiteral("192.168.1.128/25") << QStringLiteral("192.168.1.100") << false;
    QTest::newRow("cidr name host")
            << QStringLiteral("10.0.0.0/8") << QStringLiteral("ten.example") << false;
    QTest::newRow("cidr ipv6 inside")
            << QStringLiteral("fd00::/8") << QStringLiteral("fd12:3456::1") << true;
    QTest::newRow("cidr ipv6 outside")
            << QStringLiteral("fd00::/8") << QStringLiteral("fe80::1") << false;
    QTest::newRow("empty") << QString() << QStringLiteral("corp.example") << false;
}

void TestProxySettings::noProxyMatching()
{
    QFETCH(QString, noProxy);
    QFETCH(QString, host);
    QFETCH(bool, bypassed);

    QString error;
    const auto settings = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("HTTPS_PROXY"), QStringLiteral("http://proxy.example:3128") },
                              { QStringLiteral("NO_PROXY"), noProxy } }),
            &error);
    QVERIFY2(settings, qPrintable(error));
    QCOMPARE(settings->bypasses(host), bypassed);

    const QNetworkProxy proxy = settings->proxyFor(host, true);
    QCOMPARE(proxy.type(), bypassed ? QNetworkProxy::NoProxy : QNetworkProxy::HttpProxy);
}

void TestProxySettings::noProxyUpperCaseFirst()
{
    QString error;
    const auto settings = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("NO_PROXY"), QStringLiteral("upper.example") },
                              { QStringLiteral("no_proxy"), QStringLiteral("lower.example") } }),
            &error);
    QVERIFY2(settings, qPrintable(error));
    QVERIFY(settings->bypasses(QStringLiteral("upper.example")));
    QVERIFY(!settings->bypasses(QStringLiteral("lower.example")));

    const auto lowerOnly = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("no_proxy"), QStringLiteral("lower.example") } }),
            &error);
    QVERIFY2(lowerOnly, qPrintable(error));
    QVERIFY(lowerOnly->bypasses(QStringLiteral("lower.example")));
}

void TestProxySettings::invalidSettings_data()
{
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QStringList>("errorParts");

    QTest::newRow("https proxy URL")
            << QStringLiteral("HTTPS_PROXY") << QStringLiteral("https://proxy.example:3128")
            << QStringList { QStringLiteral("HTTPS_PROXY"), QStringLiteral("\"https\""),
                             QStringLiteral("http://") };
    QTest::newRow("socks proxy URL")
            << QStringLiteral("HTTP_PROXY") << QStringLiteral("socks5://proxy.example:1080")
            << QStringList { QStringLiteral("HTTP_PROXY"), QStringLiteral("\"socks5\"") };
    QTest::newRow("lower-case https proxy URL")
            << QStringLiteral("https_proxy") << QStringLiteral("https://proxy.example")
            << QStringList { QStringLiteral("HTTPS_PROXY"), QStringLiteral("\"https\"") };
    QTest::newRow("proxy URL without host")
            << QStringLiteral("HTTP_PROXY") << QStringLiteral("http://:3128")
            << QStringList { QStringLiteral("HTTP_PROXY"), QStringLiteral("not a valid proxy URL") };
    QTest::newRow("cidr prefix too long")
            << QStringLiteral("NO_PROXY") << QStringLiteral("a.example, 10.0.0.0/33")
            << QStringList { QStringLiteral("\"10.0.0.0/33\""), QStringLiteral("CIDR") };
    QTest::newRow("cidr ipv6 prefix too long")
            << QStringLiteral("NO_PROXY") << QStringLiteral("fd00::/129")
            << QStringList { QStringLiteral("\"fd00::/129\"") };
    QTest::newRow("cidr prefix not a number")
            << QStringLiteral("NO_PROXY") << QStringLiteral("10.0.0.0/eight")
            << QStringList { QStringLiteral("\"10.0.0.0/eight\"") };
    QTest::newRow("cidr with host name")
            << QStringLiteral("no_proxy") << QStringLiteral("corp.example/16")
            << QStringList { QStringLiteral("\"corp.example/16\"") };
}

void TestProxySettings::invalidSettings()
{
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QStringList, errorParts);

    QString error;
    const auto settings = ProxySettings::fromEnvironment(environmentWith({ { variable, value } }),
                                                         &error);
    QVERIFY(!settings);
    for (const QString &part : errorParts) {
        QVERIFY2(error.contains(part), qPrintable(error));
    }
}

void TestProxySettings::schemeDefaultsToHttp()
{
    QString error;
    const auto settings = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("HTTPS_PROXY"), QStringLiteral("proxy.corp.example:8080") } }),
            &error);
    QVERIFY2(settings, qPrintable(error));
    const QNetworkProxy proxy = settings->proxyFor(QStringLiteral("vcs.example"), true);
    QCOMPARE(proxy.type(), QNetworkProxy::HttpProxy);
    QCOMPARE(proxy.hostName(), QStringLiteral("proxy.corp.example"));
    QCOMPARE(proxy.port(), 8080);
}

void TestProxySettings::credentialsKeptOutOfSummary()
{
    QString error;
    const auto settings = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("HTTPS_PROXY"),
                                QStringLiteral("http://alice:s3cr%40t@proxy.example:3128") },
                              { QStringLiteral("HTTP_PROXY"),
                                QStringLiteral("bob:hunter2@plain.example:8080") },
                              { QStringLiteral("NO_PROXY"), QStringLiteral("corp.example") } }),
            &error);
    QVERIFY2(settings, qPrintable(error));

    const QNetworkProxy secure = settings->proxyFor(QStringLiteral("vcs.example"), true);
    QCOMPARE(secure.user(), QStringLiteral("alice"));
    QCOMPARE(secure.password(), QStringLiteral("s3cr@t"));
    const QNetworkProxy plain = settings->proxyFor(QStringLiteral("vcs.example"), false);
    QCOMPARE(plain.user(), QStringLiteral("bob"));
    QCOMPARE(plain.password(), QStringLiteral("hunter2"));

    const QString summary = settings->summary();
    QVERIFY2(summary.contains(QStringLiteral("proxy.example:3128")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("plain.example:8080")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("corp.example")), qPrintable(summary));
    QVERIFY2(!summary.contains(QStringLiteral("s3cr")), qPrintable(summary));
    QVERIFY2(!summary.contains(QStringLiteral("hunter2")), qPrintable(summary));

    // An invalid URL is named in the error without its password.
    const auto invalid = ProxySettings::fromEnvironment(
            environmentWith({ { QStringLiteral("HTTP_PROXY"), QStringLiteral("http://carol:pa55word@:1") } }),
            &error);
    QVERIFY(!invalid);
    QVERIFY2(!error.contains(QStringLiteral("pa55word")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestProxySettings)
#include "tst_proxysettings.moc"
