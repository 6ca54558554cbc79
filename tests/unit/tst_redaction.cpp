#include "log/redaction.h"

#include <QTest>

class TestRedaction final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redactTarget_data();
    void redactTarget();
    void secretHeader_data();
    void secretHeader();
};

void TestRedaction::redactTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no query") << QByteArray("/api/v4/projects/acme%2Fapp")
                              << QStringLiteral("/api/v4/projects/acme%2Fapp");
    QTest::newRow("empty query") << QByteArray("/api/v4/user?") << QStringLiteral("/api/v4/user?");
    QTest::newRow("non-secret kept")
            << QByteArray("/api/v4/projects/2/repository/tree?ref=main&path=infra&recursive=true")
            << QStringLiteral("/api/v4/projects/2/repository/tree?ref=main&path=infra&recursive=true");
    QTest::newRow("private token")
            << QByteArray("/api/v4/user?private_token=glpat-abc123")
            << QStringLiteral("/api/v4/user?private_token=REDACTED");
    QTest::newRow("upper case name")
            << QByteArray("/api/v4/user?PRIVATE_TOKEN=glpat-abc123")
            << QStringLiteral("/api/v4/user?PRIVATE_TOKEN=REDACTED");
    QTest::newRow("secret nested in a value")
            << QByteArray("/x?to=/login%3Fprivate_token%3Dabc&ref=main")
            << QStringLiteral("/x?to=REDACTED&ref=main");
    QTest::newRow("secret nested twice encoded")
            << QByteArray("/x?to=%252Flogin%253Faccess_token%253Dabc")
            << QStringLiteral("/x?to=REDACTED");
    QTest::newRow("nested query without secret kept")
            << QByteArray("/x?to=/login%3Fpage%3D2") << QStringLiteral("/x?to=/login%3Fpage%3D2");
    QTest::newRow("mixed case name")
            << QByteArray("/x?Access_Token=abc") << QStringLiteral("/x?Access_Token=REDACTED");
    QTest::newRow("percent-encoded name")
            << QByteArray("/x?%74oken=abc") << QStringLiteral("/x?%74oken=REDACTED");
    QTest::newRow("percent-encoded upper case")
            << QByteArray("/x?TOK%45N=abc&access%5Ftoken=def")
            << QStringLiteral("/x?TOK%45N=REDACTED&access%5Ftoken=REDACTED");
    QTest::newRow("order kept")
            << QByteArray("/x?a=1&token=secret&b=2&password=hunter2&c=3")
            << QStringLiteral("/x?a=1&token=REDACTED&b=2&password=REDACTED&c=3");
    QTest::newRow("repeated secret")
            << QByteArray("/x?token=one&token=two") << QStringLiteral("/x?token=REDACTED&token=REDACTED");
    QTest::newRow("empty value") << QByteArray("/x?token=") << QStringLiteral("/x?token=REDACTED");
    QTest::newRow("value with equals")
            << QByteArray("/x?token=a=b==&ref=main") << QStringLiteral("/x?token=REDACTED&ref=main");
    QTest::newRow("parameter without equals kept")
            << QByteArray("/x?token&ref=main&flag") << QStringLiteral("/x?token&ref=main&flag");
    QTest::newRow("empty parameters kept")
            << QByteArray("/x?&&ref=main&") << QStringLiteral("/x?&&ref=main&");
    QTest::newRow("secret value of a non-secret name kept")
            << QByteArray("/x?ref=token") << QStringLiteral("/x?ref=token");
    QTest::newRow("signed URL")
            << QByteArray("/archive?X-Amz-Signature=ab12&X-Amz-Credential=AKIA&X-Amz-Expires=60")
            << QStringLiteral("/archive?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED"
                              "&X-Amz-Expires=60");
    QTest::newRow("secret names")
            << QByteArray("/x?client_secret=1&api_key=2&code=3&jwt=4&session_id=5&sig=6&auth=7"
                          "&passwd=8")
            << QStringLiteral("/x?client_secret=REDACTED&api_key=REDACTED&code=REDACTED"
                              "&jwt=REDACTED&session_id=REDACTED&sig=REDACTED&auth=REDACTED"
                              "&passwd=REDACTED");
    // The second question mark is part of a's value, which then carries a secret of its own.
    QTest::newRow("second question mark in a value")
            << QByteArray("/x?a=1?token=2&token=3")
            << QStringLiteral("/x?a=REDACTED&token=REDACTED");
    QTest::newRow("second question mark without secret")
            << QByteArray("/x?a=1?b=2&token=3") << QStringLiteral("/x?a=1?b=2&token=REDACTED");
}

void TestRedaction::redactTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, expected);

    QCOMPARE(Redaction::redactTarget(target), expected);
}

void TestRedaction::secretHeader_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("secret");

    QTest::newRow("authorization") << QByteArray("Authorization") << true;
    QTest::newRow("authorization lower case") << QByteArray("authorization") << true;
    QTest::newRow("proxy-authorization") << QByteArray("PROXY-AUTHORIZATION") << true;
    QTest::newRow("platform's VCS authorization") << QByteArray("X-VCS-Authorization") << true;
    QTest::newRow("cookie") << QByteArray("Cookie") << true;
    QTest::newRow("set-cookie") << QByteArray("Set-Cookie") << true;
    QTest::newRow("private-token") << QByteArray("Private-Token") << true;
    QTest::newRow("job-token") << QByteArray("JOB-TOKEN") << true;
    QTest::newRow("x-api-key") << QByteArray("X-Api-Key") << true;
    QTest::newRow("x-gitlab-token") << QByteArray("X-Gitlab-Token") << true;
    QTest::newRow("client secret") << QByteArray("X-Client-Secret") << true;

    QTest::newRow("content-type") << QByteArray("Content-Type") << false;
    QTest::newRow("accept") << QByteArray("Accept") << false;
    QTest::newRow("host") << QByteArray("Host") << false;
    QTest::newRow("user-agent") << QByteArray("User-Agent") << false;
    QTest::newRow("request description") << QByteArray("X-VCS-Request-Description") << false;
    QTest::newRow("location") << QByteArray("Location") << false;
}

void TestRedaction::secretHeader()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, secret);

    QCOMPARE(Redaction::isSecretHeader(name), secret);
}

QTEST_GUILESS_MAIN(TestRedaction)
#include "tst_redaction.moc"
