// Proxy variables with a real TLS gateway, agent and VCS on 127.0.0.1 and a CONNECT proxy in the
// test. The gateway and the VCS are named differently (`localhost` and `127.0.0.1`), so NO_PROXY
// can exempt one and not the other. Unsupported proxy settings stop the agent at start.

#include "common/pooltoken.h"
#include "http/httpparser.h"
#include "systemharness.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QPointer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <atomic>
#include <thread>

namespace {

// A minimal HTTP CONNECT proxy on 127.0.0.1 that records each CONNECT target and then relays
// bytes both ways. It only dials 127.0.0.1, whatever host the target names.
class ConnectProxy final : public QObject
{
public:
    ConnectProxy()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server.nextPendingConnection()) {
                client->setParent(this);
                connect(client, &QTcpSocket::readyRead, this, [this, client] { readHead(client); });
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port()); }
    // The CONNECT targets ("host:port") in the order they arrived.
    QList<QByteArray> targets;
    // Requests that were not CONNECT (a proxy used for plain HTTP forwarding).
    QList<QByteArray> otherRequests;

private:
    void readHead(QTcpSocket *client)
    {
        if (client->property("tunnel").toBool()) {
            return;
        }
        QByteArray head = client->property("head").toByteArray() + client->readAll();
        const qsizetype end = head.indexOf("\r\n\r\n");
        if (end < 0) {
            client->setProperty("head", head);
            return;
        }
        const QByteArray rest = head.mid(end + 4);
        const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
        if (requestLine.value(0) != "CONNECT" || requestLine.size() != 3) {
            otherRequests.append(head.left(end));
            client->write("HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n");
            client->disconnectFromHost();
            return;
        }
        const QByteArray target = requestLine.at(1);
        targets.append(target);
        const quint16 targetPort = quint16(target.mid(target.lastIndexOf(':') + 1).toUInt());
        client->setProperty("tunnel", true);
        auto *server = new QTcpSocket(client);
        QPointer<QTcpSocket> guardedClient(client);
        connect(server, &QTcpSocket::connected, this, [client, server, rest] {
            client->write("HTTP/1.1 200 Connection established\r\n\r\n");
            if (!rest.isEmpty()) {
                server->write(rest);
            }
            server->write(client->readAll());
            connect(client, &QTcpSocket::readyRead, server, [client, server] {
                server->write(client->readAll());
            });
            connect(server, &QTcpSocket::readyRead, client, [client, server] {
                client->write(server->readAll());
            });
        });
        connect(server, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
        connect(client, &QTcpSocket::disconnected, server, &QTcpSocket::disconnectFromHost);
        connect(server, &QTcpSocket::errorOccurred, client, [guardedClient] {
            if (guardedClient && guardedClient->state() == QAbstractSocket::ConnectedState) {
                guardedClient->write("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n");
                guardedClient->disconnectFromHost();
            }
        });
        server->connectToHost(QHostAddress::LocalHost, targetPort);
    }

    QTcpServer m_server;
};

struct HttpsResponse
{
    int status = 0;
    QByteArray body;
    QString error;
};

// One request to the gateway's HTTPS API, trusting `certificate`; blocking, for a worker thread.
HttpsResponse httpsRequest(quint16 port, const QString &certificate, const QByteArray &request)
{
    HttpsResponse response;
    QSslSocket socket;
    QSslConfiguration configuration = socket.sslConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(certificate));
    socket.setSslConfiguration(configuration);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForEncrypted(20000)) {
        response.error = socket.errorString();
        return response;
    }
    socket.write(request);
    HttpParser parser(HttpParser::Kind::Response);
    QByteArray input;
    QDeadlineTimer deadline(30000);
    while ((parser.state() == HttpParser::State::Head || parser.state() == HttpParser::State::Body)
           && !deadline.hasExpired()) {
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(1000)) {
            if (socket.state() != QAbstractSocket::ConnectedState) {
                parser.finish();
                break;
            }
            continue;
        }
        input += socket.readAll();
        parser.parse(input, response.body, 1 << 30);
    }
    if (parser.state() != HttpParser::State::Complete) {
        response.error = QStringLiteral("no complete response: %1").arg(socket.errorString());
        return response;
    }
    response.status = parser.head().status;
    return response;
}

} // namespace

class tst_Proxies final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gatewayThroughProxyVcsDirect_data();
    void gatewayThroughProxyVcsDirect();
    void unsupportedSettingsStopAtStart_data();
    void unsupportedSettingsStopAtStart();
};

void tst_Proxies::gatewayThroughProxyVcsDirect_data()
{
    QTest::addColumn<QString>("gatewayHost");
    QTest::addColumn<QString>("vcsHost");
    QTest::addColumn<QStringList>("proxyNames"); // set to the proxy URL
    QTest::addColumn<QString>("noProxyName");
    QTest::addColumn<QString>("noProxy");
    QTest::addColumn<bool>("vcsThroughProxy");

    QTest::newRow("upper case, VCS exempted by address")
            << QStringLiteral("localhost") << QStringLiteral("127.0.0.1")
            << QStringList { QStringLiteral("HTTPS_PROXY"), QStringLiteral("HTTP_PROXY") }
            << QStringLiteral("NO_PROXY") << QStringLiteral(".corp.example,127.0.0.1") << false;
    QTest::newRow("upper case, VCS exempted by CIDR")
            << QStringLiteral("localhost") << QStringLiteral("127.0.0.1")
            << QStringList { QStringLiteral("HTTPS_PROXY"), QStringLiteral("HTTP_PROXY") }
            << QStringLiteral("NO_PROXY") << QStringLiteral(".corp.example,127.0.0.0/8") << false;
    QTest::newRow("lower case, VCS exempted by name")
            << QStringLiteral("127.0.0.1") << QStringLiteral("localhost")
            << QStringList { QStringLiteral("https_proxy"), QStringLiteral("http_proxy") }
            << QStringLiteral("no_proxy") << QStringLiteral("localhost") << false;
    QTest::newRow("no exemption: the VCS through the proxy too")
            << QStringLiteral("localhost") << QStringLiteral("127.0.0.1")
            << QStringList { QStringLiteral("HTTPS_PROXY"), QStringLiteral("HTTP_PROXY") }
            << QString() << QString() << true;
    QTest::newRow("HTTPS_PROXY only: the plain http VCS is direct")
            << QStringLiteral("localhost") << QStringLiteral("127.0.0.1")
            << QStringList { QStringLiteral("HTTPS_PROXY") } << QString() << QString() << false;
}

void tst_Proxies::gatewayThroughProxyVcsDirect()
{
    QFETCH(QString, gatewayHost);
    QFETCH(QString, vcsHost);
    QFETCH(QStringList, proxyNames);
    QFETCH(QString, noProxyName);
    QFETCH(QString, noProxy);
    QFETCH(bool, vcsThroughProxy);

    SystemHarness harness;
    const QString certificate = harness.workDir() + QStringLiteral("/gateway.crt");
    const QString key = harness.workDir() + QStringLiteral("/gateway.key");
    const ProcessResult openssl = TestProcess::run(
            QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
              QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
              QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
              QStringLiteral("-addext"),
              QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1"),
              QStringLiteral("-keyout"), key, QStringLiteral("-out"), certificate },
            harness.clientEnvironment(), 60000);
    QVERIFY2(openssl.finished && openssl.exitCode == 0, openssl.standardError.constData());

    QVERIFY2(harness.startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app") }),
             qPrintable(harness.lastError()));
    QVERIFY2(harness.startGateway({ QStringLiteral("--tls-cert"), certificate,
                                    QStringLiteral("--tls-key"), key }),
             qPrintable(harness.lastError()));
    const ProcessResult created = harness.poolCommand(
            { QStringLiteral("create"), QStringLiteral("proxied"), QStringLiteral("--public-url"),
              QStringLiteral("wss://%1:%2").arg(gatewayHost, QString::number(harness.agentPort())) });
    QVERIFY2(created.finished && created.exitCode == 0, created.standardError.constData());
    const QString token = QString::fromLatin1(created.standardOutput.trimmed());

    ConnectProxy proxy;
    QVERIFY(proxy.listen());
    QProcessEnvironment environment = harness.agentEnvironment(token);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), QStringLiteral("false"));
    environment.insert(QStringLiteral("VCS_AGENT_CA_CERT_FILE"), certificate);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                       QStringLiteral("http://%1:%2")
                               .arg(vcsHost, QString::number(harness.localVcs().port())));
    for (const QString &name : proxyNames) {
        environment.insert(name, proxy.url());
    }
    if (!noProxyName.isEmpty()) {
        environment.insert(noProxyName, noProxy);
    }
    TestProcess *agent = harness.startAgentWithEnvironment(environment, {});
    QVERIFY2(harness.waitForStreams(agent, 4), qPrintable(harness.logTail()));

    // Every stream went through the proxy from its first attempt: one CONNECT per connection,
    // and no stream needed a second attempt.
    const QByteArray gatewayTarget = gatewayHost.toLatin1() + ':'
            + QByteArray::number(harness.agentPort());
    QCOMPARE(proxy.targets.count(gatewayTarget), 4);
    QCOMPARE(agent->countOutput(QRegularExpression(QStringLiteral("reconnect")),
                                QProcess::StandardError),
             0);

    // A request through the tunnel reaches the VCS, directly or through the proxy.
    const QByteArray request = RawHttpClient::buildRequest(
            "GET", "/pools/proxied/api/v4/projects/acme%2Fapp/repository/branches",
            { { "Authorization", "Bearer " + harness.apiKey() } });
    HttpsResponse response;
    std::atomic<bool> done { false };
    std::thread client([&] {
        response = httpsRequest(harness.apiPort(), certificate, request);
        done = true;
    });
    waitUntil([&] { return done.load(); }, 40000);
    client.join();
    QVERIFY2(response.error.isEmpty(), qPrintable(response.error + harness.logTail()));
    QCOMPARE(response.status, 200);
    QVERIFY2(response.body.contains("\"main\""), response.body.constData());

    const QByteArray vcsTarget = vcsHost.toLatin1() + ':'
            + QByteArray::number(harness.localVcs().port());
    QCOMPARE(proxy.targets.contains(vcsTarget), vcsThroughProxy);
    QVERIFY2(proxy.otherRequests.isEmpty(), proxy.otherRequests.value(0).constData());
    QCOMPARE(proxy.targets.size(), 4 + (vcsThroughProxy ? proxy.targets.count(vcsTarget) : 0));
}

void tst_Proxies::unsupportedSettingsStopAtStart_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("named");

    QTest::newRow("https proxy") << QStringLiteral("HTTPS_PROXY")
                                 << QStringLiteral("https://127.0.0.1:3128") << QByteArray("HTTPS_PROXY");
    QTest::newRow("https proxy, lower case") << QStringLiteral("https_proxy")
                                             << QStringLiteral("https://127.0.0.1:3128")
                                             << QByteArray("HTTPS_PROXY");
    QTest::newRow("socks proxy") << QStringLiteral("HTTP_PROXY")
                                 << QStringLiteral("socks5://127.0.0.1:1080") << QByteArray("HTTP_PROXY");
    QTest::newRow("CIDR prefix too long") << QStringLiteral("NO_PROXY")
                                          << QStringLiteral(".corp.example,10.0.0.0/33")
                                          << QByteArray("10.0.0.0/33");
    QTest::newRow("CIDR with a bad address") << QStringLiteral("no_proxy")
                                             << QStringLiteral("10.0.0.300/8")
                                             << QByteArray("10.0.0.300/8");
}

void tst_Proxies::unsupportedSettingsStopAtStart()
{
    QFETCH(QString, name);
    QFETCH(QString, value);
    QFETCH(QByteArray, named);

    SystemHarness harness;
    // The gateway URL is never dialled: the agent stops while reading its settings.
    PoolToken token;
    token.gatewayUrl = QUrl(QStringLiteral("wss://127.0.0.1:9"));
    token.poolId = QStringLiteral("p1");
    token.key = QStringLiteral("0123456789abcdef0123456789abcdef");
    QProcessEnvironment environment = harness.agentEnvironment(token.encode());
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                       QStringLiteral("http://127.0.0.1:9"));
    environment.insert(name, value);
    const ProcessResult result = SystemHarness::runAgent({ QStringLiteral("--no-gui") }, environment);
    QVERIFY(result.finished);
    const QByteArray output = result.standardOutput + result.standardError;
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(output.contains(named), output.constData());
    QVERIFY2(!output.contains("connecting"), output.constData());
}

QTEST_GUILESS_MAIN(tst_Proxies)
#include "tst_proxies.moc"
