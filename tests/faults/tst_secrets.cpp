// A full session on 127.0.0.1 that carries every kind of secret the tunnel handles: the pool
// token and its key, the gateway's API key and a wrong one, X-VCS-Authorization (Authorization
// towards the VCS), Private-Token, Proxy-Authorization, a Cookie header, a Set-Cookie answer and
// the private_token and access_token query values. Requests are allowed, denied, answered with
// upstream errors, refused for a bad API key, and an agent with a rejected token starts. Then
// every byte the agent, the gateway and `vcs-agent check` wrote is searched for each secret.
// Debug logging is on for every category, so no log level hides a leak.

#include "common/pooltoken.h"
#include "systemharness.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

namespace {

// A fresh secret value: letters and digits only, so that it is sent and logged unchanged
// whatever encoding a log applies, and long enough never to appear by chance.
QByteArray secretValue(const char *prefix)
{
    QByteArray value(prefix);
    for (int i = 0; i < 24; ++i) {
        value += "abcdefghijklmnopqrstuvwxyz0123456789"[QRandomGenerator::global()->bounded(36)];
    }
    return value;
}

struct Secret
{
    QByteArray name;
    QByteArray value;
};

// The places where `text` occurs in `output`, each with some context, for a failure message.
QString occurrences(const QByteArray &output, const QByteArray &text)
{
    QString found;
    for (qsizetype at = output.indexOf(text); at >= 0; at = output.indexOf(text, at + 1)) {
        const qsizetype start = qMax<qsizetype>(0, at - 120);
        found += QStringLiteral("  ...%1...\n")
                         .arg(QString::fromLatin1(output.mid(start, at - start + text.size() + 40)));
    }
    return found;
}

} // namespace

class tst_Secrets final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noSecretInAnyOutput();
};

void tst_Secrets::noSecretInAnyOutput()
{
    // Children inherit the logging rules: every vcsagent category at debug level.
    qputenv("QT_LOGGING_RULES", "vcsagent.*=true");

    SystemHarness harness;
    QVERIFY2(harness.startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app") }),
             qPrintable(harness.lastError()));
    QVERIFY2(harness.startGateway(), qPrintable(harness.lastError()));
    const auto token = harness.createPool(QStringLiteral("secrets"));
    QVERIFY2(token, qPrintable(harness.lastError()));
    QString error;
    const auto decoded = PoolToken::decode(*token, &error);
    QVERIFY2(decoded, qPrintable(error));

    const QByteArray vcsAuthorization = secretValue("vcsauth");
    const QByteArray privateToken = secretValue("privtok");
    const QByteArray proxyUser = secretValue("proxyuser");
    const QByteArray proxyPassword = secretValue("proxypass");
    const QByteArray proxyCredentials = QByteArray(proxyUser + ':' + proxyPassword).toBase64();
    const QByteArray cookie = secretValue("cookie");
    const QByteArray queryPrivateToken = secretValue("queryprivate");
    const QByteArray queryAccessToken = secretValue("queryaccess");
    const QByteArray wrongApiKey = secretValue("wrongapikey");

    TestProcess *agent = harness.startAgent(*token, { QStringLiteral("--log-format"),
                                                      QStringLiteral("json") });
    QVERIFY2(harness.waitForStreams(agent, 4), qPrintable(harness.logTail()));

    const HttpHeaderList secretHeaders {
        { "X-VCS-Authorization", "Bearer " + vcsAuthorization },
        { "Private-Token", privateToken },
        { "Proxy-Authorization", "Basic " + proxyCredentials },
        { "Cookie", "session=" + cookie + "; theme=dark" },
    };
    const QByteArray secretQuery = "private_token=" + queryPrivateToken
            + "&access_token=" + queryAccessToken;
    const QByteArray raw = "/api/v4/projects/acme%2Fapp/repository/files/README.md/raw";
    const qint64 firstRecord = harness.localVcs().lastRequestId();

    struct Case
    {
        QByteArray method;
        QByteArray target;
        int status;
    };
    const QList<Case> cases {
        { "GET", "/api/v4/projects/acme%2Fapp/repository/branches?" + secretQuery, 200 },
        { "GET", raw + "?ref=main&" + secretQuery, 200 },
        { "GET", raw + "?respond=cookies&random=1&" + secretQuery, 200 },
        { "POST", "/api/v4/projects/acme%2Fapp/statuses/" + QByteArray(40, 'a') + "?state=failed&"
                  + secretQuery, 201 },
        // Denied by the allowlist, by method and by path.
        { "GET", "/api/v4/projects/acme%2Fapp/variables?" + secretQuery, 403 },
        { "DELETE", "/api/v4/projects/acme%2Fapp?" + secretQuery, 403 },
        // Upstream errors: an error status, a missing project, and a redirect.
        { "GET", raw + "?respond=status&code=500&" + secretQuery, 500 },
        { "GET", "/api/v4/projects/99?" + secretQuery, 404 },
        { "GET", raw + "?respond=redirect&to=/api/v4/user&status=302&" + secretQuery, 302 },
    };
    for (const Case &request : cases) {
        const QByteArray body = request.method == "POST" ? QByteArray("state=failed") : QByteArray();
        HttpHeaderList headers = secretHeaders;
        if (!body.isEmpty()) {
            headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/x-www-form-urlencoded")));
        }
        const RawHttpResponse response = harness.relay(request.method, request.target, headers, body);
        QVERIFY2(response.complete, qPrintable(response.error + harness.logTail()));
        QVERIFY2(response.status == request.status,
                 qPrintable(QStringLiteral("%1 %2 answered %3: %4")
                                    .arg(QString::fromLatin1(request.method),
                                         QString::fromLatin1(request.target),
                                         QString::number(response.status),
                                         QString::fromUtf8(response.body))));
    }
    // A session cookie the VCS made up reaches the platform: its value is a secret that only
    // the Set-Cookie answer carried through the tunnel.
    const RawHttpResponse cookies = harness.relay("GET", raw + "?respond=cookies&random=1",
                                                  secretHeaders);
    QVERIFY2(cookies.complete && cookies.status == 200, qPrintable(cookies.error));
    const QByteArray setCookieHeader = cookies.headerValues("Set-Cookie").value(0);
    QVERIFY2(setCookieHeader.startsWith("session="), setCookieHeader.constData());
    const QByteArray setCookie = setCookieHeader.mid(8, setCookieHeader.indexOf(';') - 8);
    QCOMPARE(setCookie.size(), 32);

    // A wrong API key and a missing one, with the other secrets on the same requests.
    for (const QByteArray &authorization : { QByteArray("Bearer " + wrongApiKey), QByteArray() }) {
        HttpHeaderList headers { { "Host", "127.0.0.1" } };
        if (!authorization.isEmpty()) {
            headers.append(qMakePair(QByteArray("Authorization"), QByteArray(authorization)));
        }
        headers += secretHeaders;
        const RawHttpResponse response = RawHttpClient::send(
                harness.apiPort(),
                RawHttpClient::buildRequest("GET", "/pools/secrets/api/v4/user?" + secretQuery,
                                            headers));
        QVERIFY2(response.complete, qPrintable(response.error));
        QCOMPARE(response.status, 401);
    }

    // The allowed requests reached the VCS with the secrets they carry, so the search below
    // looks for values that really passed through both processes.
    const QJsonArray records = harness.localVcs().requests(firstRecord);
    QVERIFY2(records.size() >= 6, qPrintable(harness.logTail()));
    bool vcsSawAuthorization = false;
    bool vcsSawQuery = false;
    for (const QJsonValue &value : records) {
        const QJsonObject record = value.toObject();
        vcsSawQuery = vcsSawQuery
                || record.value(QStringLiteral("target")).toString().contains(
                        QString::fromLatin1(queryAccessToken));
        for (const QJsonValue &header : record.value(QStringLiteral("headers")).toArray()) {
            const QJsonArray pair = header.toArray();
            if (pair.at(0).toString().compare(QLatin1String("Authorization"), Qt::CaseInsensitive) == 0
                && pair.at(1).toString().contains(QString::fromLatin1(vcsAuthorization))) {
                vcsSawAuthorization = true;
            }
        }
    }
    QVERIFY(vcsSawAuthorization);
    QVERIFY(vcsSawQuery);

    // The dry run prints its decision for a request full of secrets.
    QProcessEnvironment checkEnvironment = harness.agentEnvironment(*token);
    const ProcessResult check = SystemHarness::runAgent(
            { QStringLiteral("check"), QStringLiteral("-H"),
              QStringLiteral("Private-Token: ") + QString::fromLatin1(privateToken),
              QStringLiteral("-H"),
              QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(vcsAuthorization),
              QStringLiteral("-H"),
              QStringLiteral("Cookie: session=") + QString::fromLatin1(cookie),
              QStringLiteral("-H"),
              QStringLiteral("Proxy-Authorization: Basic ") + QString::fromLatin1(proxyCredentials),
              QStringLiteral("GET"),
              QString::fromLatin1("/api/v4/projects/acme%2Fapp/repository/branches?" + secretQuery) },
            checkEnvironment);
    QVERIFY2(check.finished && check.exitCode == 0,
             qPrintable(QString::fromUtf8(check.standardOutput + check.standardError)));
    const ProcessResult checkDenied = SystemHarness::runAgent(
            { QStringLiteral("check"), QStringLiteral("GET"),
              QString::fromLatin1("/api/v4/projects/acme%2Fapp/variables?" + secretQuery) },
            checkEnvironment);
    QVERIFY2(checkDenied.finished && checkDenied.exitCode == 1,
             qPrintable(QString::fromUtf8(checkDenied.standardOutput + checkDenied.standardError)));

    // A rotated key: the running agent is rejected and stops, and an agent started with the old
    // token is rejected at once; neither retries.
    const auto rotated = harness.rotatePool(QStringLiteral("secrets"));
    QVERIFY2(rotated, qPrintable(harness.lastError()));
    const auto decodedRotated = PoolToken::decode(*rotated, &error);
    QVERIFY2(decodedRotated, qPrintable(error));
    QVERIFY2(agent->waitForExit(30000), qPrintable(harness.logTail()));
    QCOMPARE(agent->exitCode(), 3);
    TestProcess *rejected = harness.startAgent(*token);
    QVERIFY2(rejected->waitForExit(30000), qPrintable(harness.logTail()));
    QCOMPARE(rejected->exitCode(), 3);
    harness.gateway()->terminate();
    QVERIFY(harness.gateway()->waitForExit(20000));

    const QList<Secret> secrets {
        { "pool token", token->toLatin1() },
        { "pool key", decoded->key.toLatin1() },
        { "rotated pool token", rotated->toLatin1() },
        { "rotated pool key", decodedRotated->key.toLatin1() },
        { "API key", harness.apiKey() },
        { "wrong API key", wrongApiKey },
        { "X-VCS-Authorization", vcsAuthorization },
        { "Private-Token", privateToken },
        { "Proxy-Authorization credentials", proxyCredentials },
        { "Proxy-Authorization user", proxyUser },
        { "Proxy-Authorization password", proxyPassword },
        { "Cookie", cookie },
        { "Set-Cookie", setCookie },
        { "private_token query value", queryPrivateToken },
        { "access_token query value", queryAccessToken },
    };
    const QList<QPair<QString, QByteArray>> outputs {
        { QStringLiteral("agent stdout"), agent->standardOutput() },
        { QStringLiteral("agent stderr"), agent->standardError() },
        { QStringLiteral("rejected agent stdout"), rejected->standardOutput() },
        { QStringLiteral("rejected agent stderr"), rejected->standardError() },
        { QStringLiteral("gateway stdout"), harness.gateway()->standardOutput() },
        { QStringLiteral("gateway stderr"), harness.gateway()->standardError() },
        { QStringLiteral("check stdout"), check.standardOutput },
        { QStringLiteral("check stderr"), check.standardError },
        { QStringLiteral("denied check stdout"), checkDenied.standardOutput },
        { QStringLiteral("denied check stderr"), checkDenied.standardError },
    };
    // The search is only meaningful if the outputs record the session: the access log has every
    // relayed request and debug lines are there.
    QVERIFY2(SystemHarness::accessRecords(agent).size() >= cases.size(),
             agent->standardOutput().constData());
    QVERIFY(agent->standardError().contains("vcsagent.core."));

    QString leaks;
    for (const auto &output : outputs) {
        for (const Secret &secret : secrets) {
            if (output.second.contains(secret.value)) {
                leaks += QStringLiteral("%1 in %2:\n%3")
                                 .arg(QString::fromLatin1(secret.name), output.first,
                                      occurrences(output.second, secret.value));
            }
        }
    }
    QVERIFY2(leaks.isEmpty(), qPrintable(leaks));
}

QTEST_GUILESS_MAIN(tst_Secrets)
#include "tst_secrets.moc"
