// Faults injected into a running tunnel over 127.0.0.1 with a real gateway and real agents.
// A TCP relay in the test between them resets or silences single connections or refuses
// connections for a while. Other cases use an unreachable VCS, a deleted pool and bad settings.

#include "common/pooltoken.h"
#include "faultrig.h"
#include "http/httpparser.h"
#include "tcprelay.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

namespace {

const QByteArray branchesTarget = "/api/v4/projects/acme%2Fapp/repository/branches";

// One platform request read without blocking the event loop, because the relay lives in the
// test process.
class AsyncRequest final : public QObject
{
public:
    AsyncRequest(quint16 port, const QByteArray &target, const QByteArray &apiKey)
        : m_parser(HttpParser::Kind::Response)
    {
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
            m_input += m_socket.readAll();
            QByteArray piece;
            m_parser.parse(m_input, piece, 1 << 30);
            bodyBytes += piece.size();
        });
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
            m_parser.finish();
            closed = true;
        });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                       + apiKey + "\r\nConnection: close\r\n\r\n");
    }

    bool isComplete() const { return m_parser.state() == HttpParser::State::Complete; }
    bool isFinished() const
    {
        return closed || m_parser.state() == HttpParser::State::Complete
                || m_parser.state() == HttpParser::State::Failed;
    }
    int status() const { return m_parser.head().status; }

    qint64 bodyBytes = 0;
    bool closed = false;

private:
    QTcpSocket m_socket;
    HttpParser m_parser;
    QByteArray m_input;
};

int countOf(const QByteArray &haystack, const QByteArray &needle)
{
    return int(haystack.count(needle));
}

// Reconnect delays the agent logged, per stream, in order.
QHash<int, QList<int>> reconnectDelays(const QByteArray &log)
{
    static const QRegularExpression pattern(
            QStringLiteral("stream (\\d+): (?:disconnected from the gateway|connecting failed|the "
                           "gateway is still unreachable).*; reconnecting in (\\d+) ms"));
    QHash<int, QList<int>> delays;
    auto it = pattern.globalMatch(QString::fromUtf8(log));
    while (it.hasNext()) {
        const auto match = it.next();
        delays[match.captured(1).toInt()].append(match.captured(2).toInt());
    }
    return delays;
}

double cpuSeconds(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QByteArray stat = file.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command name.
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / 100.0;
}

} // namespace

class TestTunnelFaults final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void resetMidResponse();
    void longOutageBackoff();
    void silentGateway();
    void upstreamDown();
    void poolDeleted();
    void brokenToken_data();
    void brokenToken();
    void dialInsecureValues_data();
    void dialInsecureValues();

private:
    QString tokenVia(quint16 port) const;
    bool waitConnected(LoggedProcess *agent, int streams, qsizetype from, int timeoutMs = 30000);

    std::unique_ptr<FaultRig> m_rig;
    LoggedProcess *m_gateway = nullptr;
    QString m_token;
};

void TestTunnelFaults::initTestCase()
{
    m_rig = std::make_unique<FaultRig>();
    QString error;
    QVERIFY2(m_rig->startLocalVcs(&error), qPrintable(error));
    m_token = m_rig->createPool(QStringLiteral("demo"), &error);
    QVERIFY2(!m_token.isEmpty(), qPrintable(error));
    m_gateway = m_rig->startGateway({ QStringLiteral("--ping-interval"), QStringLiteral("1000"),
                                      QStringLiteral("--ping-timeout"), QStringLiteral("1500") },
                                    &error);
    QVERIFY2(m_gateway, qPrintable(error));
}

void TestTunnelFaults::cleanupTestCase()
{
    m_rig.reset();
}

QString TestTunnelFaults::tokenVia(quint16 port) const
{
    QString error;
    PoolToken token = *PoolToken::decode(m_token, &error);
    token.gatewayUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port));
    return token.encode();
}

bool TestTunnelFaults::waitConnected(LoggedProcess *agent, int streams, qsizetype from,
                                     int timeoutMs)
{
    // The first connection logs "connected to", a later one "reconnected to".
    QDeadlineTimer deadline(timeoutMs);
    for (int i = 0; i < streams; ++i) {
        const QByteArray prefix = "stream " + QByteArray::number(i) + ": ";
        const QByteArray first = prefix + "connected to";
        const QByteArray again = prefix + "reconnected to";
        while (agent->output().indexOf(first, from) < 0
               && agent->output().indexOf(again, from) < 0) {
            if (deadline.hasExpired()) {
                return false;
            }
            agent->waitForOutput(first, 100, from);
        }
    }
    return true;
}

void TestTunnelFaults::resetMidResponse()
{
    TcpRelay relay(m_rig->agentPort());
    QVERIFY(relay.listen());
    LoggedProcess *agent = m_rig->startAgent(
            tokenVia(relay.port()),
            { QStringLiteral("--parallelism"), QStringLiteral("4"),
              QStringLiteral("--reconnect-min-delay"), QStringLiteral("200"),
              QStringLiteral("--reconnect-max-delay"), QStringLiteral("2000") });
    QVERIFY(agent);
    QVERIFY2(waitConnected(agent, 4, 0), agent->output().constData());
    QTRY_COMPARE_WITH_TIMEOUT(relay.openLinkCount(), 4, 10000);

    // A 50 MB download, throttled so the reset lands in the middle of it.
    const qint64 size = 50 * 1000 * 1000;
    const QByteArray target = "/pools/demo/api/v4/projects/acme%2Fapp/repository/archive?size="
            + QByteArray::number(size) + "&seed=reset&rate=20000000";
    AsyncRequest download(m_rig->apiPort(), target, m_rig->apiKey());
    QVERIFY(QTest::qWaitFor([&] { return download.bodyBytes >= size * 6 / 10; }, 60000));

    // The stream carrying the download is the link that sent the most bytes.
    int busy = 0;
    for (int i = 1; i < relay.links().size(); ++i) {
        if (relay.links().at(i)->fromClient > relay.links().at(busy)->fromClient) {
            busy = i;
        }
    }
    QList<QTcpSocket *> others;
    for (int i = 0; i < relay.links().size(); ++i) {
        if (i != busy && !relay.links().at(i)->closed) {
            others.append(relay.links().at(i)->client.data());
        }
    }
    QCOMPARE(others.size(), 3);
    const qsizetype logStart = agent->output().size();
    relay.stopListening();
    relay.reset(busy);

    // The platform gets a failed download, never a short body passed off as complete.
    QVERIFY(QTest::qWaitFor([&] { return download.isFinished(); }, 30000));
    QVERIFY(!download.isComplete());
    QVERIFY(download.bodyBytes < size);

    // The gateway is back a few seconds later; only the reset stream reconnects.
    QTest::qWait(3000);
    QVERIFY(relay.listen(relay.port()));
    QVERIFY2(agent->waitForOutput("connected to", 15000, logStart) >= 0,
             agent->output().mid(logStart).constData());
    QTest::qWait(1000);
    const QByteArray log = agent->output().mid(logStart);
    QVERIFY2(countOf(log, "disconnected from the gateway") == 1, log.constData());
    QVERIFY2(countOf(log, "connected to") == 1, log.constData());
    for (QTcpSocket *socket : std::as_const(others)) {
        QVERIFY(socket);
        QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
    }
    QCOMPARE(relay.openLinkCount(), 4);

    // The download reached the VCS once: it was not sent again on another stream.
    const PlatformResponse records
            = sendPlatformRequest(quint16(QUrl(m_rig->vcsUrl()).port()), "GET", "/__vcs/requests",
                                  m_rig->apiKey());
    QCOMPARE(records.status, 200);
    int downloads = 0;
    const QJsonArray list = QJsonDocument::fromJson(records.body).array();
    for (const QJsonValue &record : list) {
        downloads += record.toObject().value(QStringLiteral("target")).toString().contains(
                QStringLiteral("seed=reset")) ? 1 : 0;
    }
    QCOMPARE(downloads, 1);

    // Idle streams cost no CPU after the reconnect.
    const double before = cpuSeconds(agent->processId());
    QTest::qWait(3000);
    const double used = cpuSeconds(agent->processId()) - before;
    QVERIFY2(used < 0.5, qPrintable(QString::number(used)));
}

void TestTunnelFaults::longOutageBackoff()
{
    TcpRelay relay(m_rig->agentPort());
    QVERIFY(relay.listen());
    const int maxDelay = 1600;
    LoggedProcess *agent = m_rig->startAgent(
            tokenVia(relay.port()),
            { QStringLiteral("--parallelism"), QStringLiteral("3"),
              QStringLiteral("--reconnect-min-delay"), QStringLiteral("100"),
              QStringLiteral("--reconnect-max-delay"), QString::number(maxDelay) },
            { { QStringLiteral("QT_LOGGING_RULES"),
                QStringLiteral("vcsagent.core.tunnel.debug=true") } });
    QVERIFY(agent);
    QVERIFY2(waitConnected(agent, 3, 0), agent->output().constData());
    const qsizetype logStart = agent->output().size();

    // The gateway goes away for a long time (shortened to seconds).
    relay.stopListening();
    for (int i = 0; i < relay.links().size(); ++i) {
        relay.reset(i);
    }
    QTest::qWait(12000);
    const QHash<int, QList<int>> delays = reconnectDelays(agent->output().mid(logStart));
    QCOMPARE(delays.size(), 3);
    QSet<QString> sequences;
    for (auto it = delays.begin(); it != delays.end(); ++it) {
        const QList<int> &streamDelays = it.value();
        // Retries never stop, grow up to the cap and stay under it.
        QVERIFY2(streamDelays.size() >= 6, qPrintable(QString::number(streamDelays.size())));
        for (int delay : streamDelays) {
            QVERIFY(delay <= maxDelay);
        }
        QVERIFY(streamDelays.first() <= 100);
        QVERIFY(streamDelays.last() >= maxDelay / 2);
        QStringList text;
        for (int delay : streamDelays) {
            text.append(QString::number(delay));
        }
        sequences.insert(text.join(QLatin1Char(',')));
    }
    // Jitter keeps the streams from reconnecting in lock-step.
    QCOMPARE(sequences.size(), 3);

    // Back within the cap once the gateway returns.
    const qsizetype backStart = agent->output().size();
    QVERIFY(relay.listen(relay.port()));
    QVERIFY2(waitConnected(agent, 3, backStart, maxDelay + 5000),
             agent->output().mid(backStart).constData());
}

void TestTunnelFaults::silentGateway()
{
    TcpRelay relay(m_rig->agentPort());
    QVERIFY(relay.listen());
    LoggedProcess *agent = m_rig->startAgent(
            tokenVia(relay.port()),
            { QStringLiteral("--parallelism"), QStringLiteral("2"),
              QStringLiteral("--ping-interval"), QStringLiteral("500"),
              QStringLiteral("--ping-timeout"), QStringLiteral("1000"),
              QStringLiteral("--reconnect-min-delay"), QStringLiteral("100"),
              QStringLiteral("--reconnect-max-delay"), QStringLiteral("1000") },
            { { QStringLiteral("QT_LOGGING_RULES"),
                QStringLiteral("vcsagent.core.tunnel.debug=true") } });
    QVERIFY(agent);
    // Pings too slow to notice the silence, so the gateway's own check must find it.
    LoggedProcess *slowAgent = m_rig->startAgent(
            tokenVia(relay.port()),
            { QStringLiteral("--parallelism"), QStringLiteral("1"),
              QStringLiteral("--ping-interval"), QStringLiteral("60000"),
              QStringLiteral("--ping-timeout"), QStringLiteral("60000") });
    QVERIFY(slowAgent);
    QVERIFY2(waitConnected(agent, 2, 0), agent->output().constData());
    QVERIFY2(waitConnected(slowAgent, 1, 0), slowAgent->output().constData());
    const qsizetype agentStart = agent->output().size();
    const qsizetype gatewayStart = m_gateway->output().size();

    // Packets are dropped with no FIN or RST, for present and new connections alike.
    relay.setSilent(true);
    QVERIFY2(agent->waitForOutput("after a ping; replacing the connection", 10000, agentStart) >= 0,
             agent->output().mid(agentStart).constData());
    // The gateway notices the silent agent on its side too.
    QVERIFY2(m_gateway->waitForOutput("the agent sent nothing for", 10000, gatewayStart) >= 0,
             m_gateway->output().mid(gatewayStart).constData());
    // A reconnect attempt that hangs in the handshake is given up and retried as well.
    QTest::qWait(15000);
    const QHash<int, QList<int>> delays = reconnectDelays(agent->output().mid(agentStart));
    QCOMPARE(delays.size(), 2);
    QVERIFY2(delays.value(0).size() >= 2, agent->output().mid(agentStart).constData());
    QVERIFY2(delays.value(1).size() >= 2, agent->output().mid(agentStart).constData());

    const qsizetype backStart = agent->output().size();
    relay.setSilent(false);
    QVERIFY2(waitConnected(agent, 2, backStart, 20000), agent->output().mid(backStart).constData());
}

void TestTunnelFaults::upstreamDown()
{
    QString error;
    const QString token = m_rig->createPool(QStringLiteral("down"), &error);
    QVERIFY2(!token.isEmpty(), qPrintable(error));
    // Restarting the gateway is not needed: it reads new pools from the database.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 deadPort = closed.serverPort();
    closed.close();
    LoggedProcess *agent = m_rig->startAgent(
            token, { QStringLiteral("--parallelism"), QStringLiteral("1") },
            { { QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                QStringLiteral("http://127.0.0.1:%1").arg(deadPort) } });
    QVERIFY(agent);
    QVERIFY2(waitConnected(agent, 1, 0), agent->output().constData());
    const PlatformResponse response = sendPlatformRequest(
            m_rig->apiPort(), "GET", "/pools/down" + branchesTarget, m_rig->apiKey());
    QCOMPARE(response.status, 502);
    QVERIFY2(response.body.contains("\"error\":\"upstream\""), response.body.constData());
    QVERIFY2(response.body.toLower().contains("refused"), response.body.constData());
}

void TestTunnelFaults::poolDeleted()
{
    QString error;
    const QString token = m_rig->createPool(QStringLiteral("revoked"), &error);
    QVERIFY2(!token.isEmpty(), qPrintable(error));
    const QString key = PoolToken::decode(token, &error)->key;
    LoggedProcess *agent = m_rig->startAgent(
            token, { QStringLiteral("--parallelism"), QStringLiteral("3"),
                     QStringLiteral("--reconnect-min-delay"), QStringLiteral("50") });
    QVERIFY(agent);
    QVERIFY2(waitConnected(agent, 3, 0), agent->output().constData());
    const qsizetype logStart = agent->output().size();

    QVERIFY2(m_rig->deletePool(QStringLiteral("revoked"), &error), qPrintable(error));
    QCOMPARE(agent->waitForExit(30000), 3);
    const QByteArray log = agent->output();
    QVERIFY2(log.contains("pool token rejected") || log.contains("rejected the pool token"),
             log.constData());
    // No reconnect storm: at most one attempt per stream after the pool went away.
    QVERIFY2(countOf(log.mid(logStart), "reconnecting in") <= 3, log.constData());
    QVERIFY(!log.contains(key.toLatin1()));
    QVERIFY(!log.contains(token.toLatin1()));
}

void TestTunnelFaults::brokenToken_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<QByteArray>("named");

    QTest::newRow("not base64") << QStringLiteral("%%%not-base64-secret-value%%%")
                                << QByteArray("token");
    QTest::newRow("no gateway")
            << QString::fromLatin1(
                       QByteArray("{\"pool\":\"p1\",\"key\":\"secret-key-value-123\"}").toBase64())
            << QByteArray("gateway");
    QTest::newRow("no key")
            << QString::fromLatin1(
                       QByteArray("{\"gateway\":\"ws://127.0.0.1:1\",\"pool\":\"p1\"}").toBase64())
            << QByteArray("key");
}

void TestTunnelFaults::brokenToken()
{
    QFETCH(QString, token);
    QFETCH(QByteArray, named);

    LoggedProcess *agent = m_rig->startAgent(token, {});
    QVERIFY(agent);
    QCOMPARE(agent->waitForExit(20000), 2);
    const QByteArray log = agent->output();
    QVERIFY2(log.contains(named), log.constData());
    QVERIFY2(!log.contains(token.toLatin1()), log.constData());
    QVERIFY(!log.contains("secret-key-value-123"));
    QVERIFY(!log.contains("connecting"));
}

void TestTunnelFaults::dialInsecureValues_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("expected");

    // Every false spelling keeps TLS required, so the ws:// token is rejected at start.
    for (const char *value : { "false", "0", "no", "FALSE", "" }) {
        QTest::newRow(value[0] ? value : "empty") << QString::fromLatin1(value)
                                                  << QByteArray("ws://");
    }
    QTest::newRow("misspelt") << QStringLiteral("flase")
                              << QByteArray("SPACELIFT_VCS_AGENT_DIAL_INSECURE");
}

void TestTunnelFaults::dialInsecureValues()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, expected);

    LoggedProcess *agent = m_rig->startAgent(
            m_token, {}, { { QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), value } });
    QVERIFY(agent);
    QCOMPARE(agent->waitForExit(20000), 2);
    QVERIFY2(agent->output().contains(expected), agent->output().constData());
}

QTEST_GUILESS_MAIN(TestTunnelFaults)
#include "tst_tunnelfaults.moc"
