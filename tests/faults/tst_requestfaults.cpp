// Faults around single requests and processes, with real processes on 127.0.0.1. The agent is
// stopped with SIGTERM during downloads (drain, a second signal, the drain timeout). The
// platform's client leaves mid-response. The upstream stalls or sends slowly. A gateway or an
// agent is frozen with SIGSTOP.

#include "systemharness.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>
#include <csignal>
#include <sys/types.h>
#include <thread>

namespace {

const QByteArray rawFile = "/api/v4/projects/acme%2Fapp/repository/files/README.md/raw";
const QByteArray branches = "/api/v4/projects/acme%2Fapp/repository/branches";

// A rate-limited download of `size` bytes of the generated stream for `seed`.
QByteArray slowDownload(const QByteArray &seed, qint64 size, qint64 bytesPerSecond)
{
    return rawFile + "?respond=bytes&size=" + QByteArray::number(size) + "&seed=" + seed
            + "&rate=" + QByteArray::number(bytesPerSecond);
}

// A platform request run on its own thread, so the test can signal processes meanwhile.
class BackgroundRequest final
{
public:
    BackgroundRequest(const SystemHarness &harness, const QByteArray &target)
        : m_thread([this, &harness, target] {
            m_response = harness.relay("GET", target, {}, {}, 60000);
            m_done = true;
        })
    {
    }
    ~BackgroundRequest() { wait(); }

    BackgroundRequest(const BackgroundRequest &) = delete;
    BackgroundRequest &operator=(const BackgroundRequest &) = delete;

    const RawHttpResponse &wait()
    {
        if (m_thread.joinable()) {
            m_thread.join();
        }
        return m_response;
    }
    bool isDone() const { return m_done; }

private:
    RawHttpResponse m_response;
    std::atomic<bool> m_done { false };
    std::thread m_thread;
};

// The localvcs records whose target contains `text`.
QList<QJsonObject> recordsFor(LocalVcsProcess &vcs, const QByteArray &text)
{
    QList<QJsonObject> found;
    const QJsonArray records = vcs.requests();
    for (const QJsonValue &value : records) {
        const QJsonObject record = value.toObject();
        if (record.value(QStringLiteral("target")).toString().contains(QString::fromLatin1(text))) {
            found.append(record);
        }
    }
    return found;
}

bool waitForRecord(LocalVcsProcess &vcs, const QByteArray &text, int timeoutMs = 20000)
{
    return waitUntil([&] { return !recordsFor(vcs, text).isEmpty(); }, timeoutMs);
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

bool hasRecordFor(TestProcess *agent, const QByteArray &text)
{
    const QList<QJsonObject> records = SystemHarness::accessRecords(agent);
    for (const QJsonObject &record : records) {
        if (QJsonDocument(record).toJson(QJsonDocument::Compact).contains(text)) {
            return true;
        }
    }
    return false;
}

} // namespace

class tst_RequestFaults final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void drainFinishesRequestsInFlight();
    void secondSignalExitsAtOnce();
    void drainTimeoutCutsRequests();
    void clientLeavesMidResponse();
    void upstreamIdleTimeout();
    void gatewayStopped();
    void agentStopped();

private:
    bool startTunnel(int streams, const QList<QPair<QString, QString>> &agentSettings = {},
                     const QStringList &gatewayArguments = {});

    std::unique_ptr<SystemHarness> m_harness;
    QString m_token;
    TestProcess *m_agent = nullptr;
};

void tst_RequestFaults::init()
{
    m_harness = std::make_unique<SystemHarness>();
}

void tst_RequestFaults::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << m_harness->logTail(40);
    }
    m_agent = nullptr;
    m_harness.reset();
}

bool tst_RequestFaults::startTunnel(int streams, const QList<QPair<QString, QString>> &agentSettings,
                                    const QStringList &gatewayArguments)
{
    if (!m_harness->startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app") })
        || !m_harness->startGateway(gatewayArguments)) {
        qWarning().noquote() << m_harness->lastError();
        return false;
    }
    const auto token = m_harness->createPool(QStringLiteral("faults"));
    if (!token) {
        qWarning().noquote() << m_harness->lastError();
        return false;
    }
    m_token = *token;
    QProcessEnvironment environment = m_harness->agentEnvironment(m_token);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM"), QString::number(streams));
    for (const auto &setting : agentSettings) {
        environment.insert(setting.first, setting.second);
    }
    m_agent = m_harness->startAgentWithEnvironment(environment, {});
    return m_harness->waitForStreams(m_agent, streams);
}

void tst_RequestFaults::drainFinishesRequestsInFlight()
{
    QVERIFY(startTunnel(4, { { QStringLiteral("VCS_AGENT_DRAIN_TIMEOUT_MS"), QStringLiteral("30000") } },
                        { QStringLiteral("--queue-timeout"), QStringLiteral("1500") }));
    // Two downloads of 3 s each are in flight when SIGTERM arrives.
    constexpr qint64 size = 3'000'000;
    BackgroundRequest first(*m_harness, slowDownload("drain-1", size, 1'000'000));
    BackgroundRequest second(*m_harness, slowDownload("drain-2", size, 1'000'000));
    QVERIFY(waitForRecord(m_harness->localVcs(), "seed=drain-1"));
    QVERIFY(waitForRecord(m_harness->localVcs(), "seed=drain-2"));
    m_agent->terminate();
    QVERIFY(m_agent->waitForOutput(QRegularExpression(QStringLiteral("taking no new requests")),
                                   QProcess::StandardError, 10000)
                    .hasMatch());

    // No new request starts on the stopping agent: with no other agent the gateway responds with 503.
    QVERIFY2(!first.isDone() && !second.isDone(), "the downloads ended before the test could "
                                                  "send a request during the drain");
    const RawHttpResponse refused = m_harness->relay("GET", branches + "?during=drain");
    QVERIFY2(refused.complete, qPrintable(refused.error));
    QCOMPARE(refused.status, 503);

    // A second agent of the pool takes the new requests while the first one drains.
    TestProcess *other = m_harness->startAgent(m_token);
    QVERIFY(m_harness->waitForStreams(other, 4));
    const RawHttpResponse relayed = m_harness->relay("GET", branches + "?during=drain-other");
    QVERIFY2(relayed.complete && relayed.status == 200, relayed.body.constData());

    // The downloads in flight finish whole, and the stopping agent exits 0 once they have.
    for (BackgroundRequest *request : { &first, &second }) {
        const RawHttpResponse &response = request->wait();
        QVERIFY2(response.complete, qPrintable(response.error));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body.size(), size);
    }
    QCOMPARE(sha256Hex(first.wait().body), generatedStreamSha256("drain-1", size));
    QCOMPARE(sha256Hex(second.wait().body), generatedStreamSha256("drain-2", size));
    QVERIFY(m_agent->waitForExit(15000));
    QCOMPARE(m_agent->exitCode(), 0);
    QVERIFY(m_agent->countOutput(QRegularExpression(QStringLiteral("all requests in flight finished")),
                                 QProcess::StandardError)
            == 1);

    // Neither request sent during the drain reached the VCS through the stopping agent.
    QVERIFY(!hasRecordFor(m_agent, "during=drain"));
    QVERIFY(hasRecordFor(other, "during=drain-other"));
    QCOMPARE(recordsFor(m_harness->localVcs(), "during=drain").size(), 1);
}

void tst_RequestFaults::secondSignalExitsAtOnce()
{
    QVERIFY(startTunnel(2, { { QStringLiteral("VCS_AGENT_DRAIN_TIMEOUT_MS"), QStringLiteral("60000") } }));
    // 20 s of download: the agent must not wait for it after the second signal.
    BackgroundRequest download(*m_harness, slowDownload("second-signal", 10'000'000, 500'000));
    QVERIFY(waitForRecord(m_harness->localVcs(), "seed=second-signal"));
    m_agent->terminate();
    QVERIFY(m_agent->waitForOutput(QRegularExpression(QStringLiteral("taking no new requests")),
                                   QProcess::StandardError, 10000)
                    .hasMatch());
    QVERIFY(m_agent->isRunning());
    m_agent->terminate();
    QVERIFY2(m_agent->waitForExit(5000), "the agent kept waiting after a second SIGTERM");
    QVERIFY(m_agent->exitCode() != 0);
    QVERIFY(m_agent->countOutput(QRegularExpression(QStringLiteral("second signal")),
                                 QProcess::StandardError)
            == 1);
    // The cut download is never reported as a complete response.
    const RawHttpResponse &response = download.wait();
    QVERIFY2(!response.complete || response.status != 200,
             "a download cut by the exit arrived as a complete answer");
}

void tst_RequestFaults::drainTimeoutCutsRequests()
{
    QVERIFY(startTunnel(2, { { QStringLiteral("VCS_AGENT_DRAIN_TIMEOUT_MS"), QStringLiteral("1500") } }));
    BackgroundRequest download(*m_harness, slowDownload("drain-timeout", 10'000'000, 500'000));
    QVERIFY(waitForRecord(m_harness->localVcs(), "seed=drain-timeout"));
    m_agent->terminate();
    // The download needs about 20 s; the agent gives up after its 1.5 s drain timeout.
    QVERIFY2(m_agent->waitForExit(10000), "the agent did not stop at its drain timeout");
    QCOMPARE(m_agent->exitCode(), 0);
    QCOMPARE(m_agent->countOutput(QRegularExpression(QStringLiteral("drain timeout reached with 1 "
                                                                    "requests in flight")),
                                  QProcess::StandardError),
             1);
    const RawHttpResponse &response = download.wait();
    QVERIFY2(!response.complete || response.status != 200,
             "a download cut at the drain timeout arrived as a complete answer");
    // The VCS saw the connection end before the response did.
    QVERIFY(waitUntil([&] {
        const QList<QJsonObject> records = recordsFor(m_harness->localVcs(), "seed=drain-timeout");
        return records.size() == 1 && !records.first().value(QStringLiteral("status")).isNull();
    }, 15000));
    QCOMPARE(recordsFor(m_harness->localVcs(), "seed=drain-timeout")
                     .first()
                     .value(QStringLiteral("response_complete"))
                     .toBool(),
             false);
}

void tst_RequestFaults::clientLeavesMidResponse()
{
    // One stream, so the request after the abandoned one must use the same stream.
    QVERIFY(startTunnel(1));
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, m_harness->apiPort());
    QVERIFY(client.waitForConnected(5000));
    // 20 MB at 2 MB/s: about 10 s unless it is cancelled.
    client.write(m_harness->relayRequest("GET", slowDownload("abandoned", 20'000'000, 2'000'000)));
    qint64 received = 0;
    QVERIFY(waitUntil([&] {
        client.waitForReadyRead(100);
        received += client.readAll().size();
        return received > 500'000;
    }, 20000));
    client.abort();

    // The agent closes the upstream connection: localvcs finishes the record without having
    // sent the whole response, long before the 10 s the download needs.
    QVERIFY2(waitUntil([&] {
        const QList<QJsonObject> records = recordsFor(m_harness->localVcs(), "seed=abandoned");
        return records.size() == 1 && !records.first().value(QStringLiteral("status")).isNull();
    }, 6000), "the upstream request went on after the platform's client left");
    QCOMPARE(recordsFor(m_harness->localVcs(), "seed=abandoned")
                     .first()
                     .value(QStringLiteral("response_complete"))
                     .toBool(),
             false);

    // The stream is free again and serves the next request without being replaced.
    const RawHttpResponse next = m_harness->relay("GET", branches);
    QVERIFY2(next.complete && next.status == 200, qPrintable(next.error + QString::fromUtf8(next.body)));
    QCOMPARE(m_agent->countOutput(QRegularExpression(QStringLiteral("stream \\d+: (re)?connected to ")),
                                  QProcess::StandardError),
             1);
    QVERIFY(hasRecordFor(m_agent, "seed=abandoned"));
}

void tst_RequestFaults::upstreamIdleTimeout()
{
    QVERIFY(startTunnel(2, { { QStringLiteral("VCS_AGENT_UPSTREAM_IDLE_TIMEOUT_MS"), QStringLiteral("1000") } },
                        { QStringLiteral("--request-idle-timeout"), QStringLiteral("1500") }));
    // An upstream that sends nothing for 6 s: 504 after the idle timeout.
    const RawHttpResponse stalled = m_harness->relay("GET", rawFile + "?respond=slow&delay=6");
    QVERIFY2(stalled.complete, qPrintable(stalled.error));
    QCOMPARE(stalled.status, 504);
    QVERIFY2(stalled.body.contains("timeout"), stalled.body.constData());

    // A 3.2 s download that keeps moving is never cut, although it lasts longer than both idle
    // timeouts together.
    constexpr qint64 size = 1'600'000;
    const RawHttpResponse moving = m_harness->relay("GET", slowDownload("moving", size, 500'000));
    QVERIFY2(moving.complete, qPrintable(moving.error));
    QCOMPARE(moving.status, 200);
    QCOMPARE(moving.body.size(), size);
    QCOMPARE(sha256Hex(moving.body), generatedStreamSha256("moving", size));

    // The stream that timed out serves again.
    for (int i = 0; i < 4; ++i) {
        const RawHttpResponse next = m_harness->relay("GET", branches);
        QVERIFY2(next.complete && next.status == 200, next.body.constData());
    }
}

void tst_RequestFaults::gatewayStopped()
{
    // Pings every second, 2 s to reply: a frozen gateway is noticed within about 3 s.
    QVERIFY(startTunnel(3));
    const QRegularExpression replaced(QStringLiteral("after a ping; replacing the connection"));
    const QRegularExpression connected(QStringLiteral("stream \\d+: (re)?connected to "));
    ::kill(pid_t(m_harness->gateway()->processId()), SIGSTOP);
    const bool noticed = waitUntil([&] {
        return m_agent->countOutput(replaced, QProcess::StandardError) >= 3;
    }, 15000);
    // While the gateway is frozen, the kernel still accepts TCP connections for it, so the
    // agent's new attempts hang in the WebSocket handshake and must be given up and retried.
    QTest::qWait(4000);
    const int connectedWhileStopped = m_agent->countOutput(connected, QProcess::StandardError);
    ::kill(pid_t(m_harness->gateway()->processId()), SIGCONT);
    QVERIFY2(noticed, qPrintable(m_harness->logTail()));
    QCOMPARE(connectedWhileStopped, 3);
    QVERIFY2(m_harness->waitForStreams(m_agent, 6, 30000), qPrintable(m_harness->logTail()));
    for (int i = 0; i < 3; ++i) {
        const RawHttpResponse response = m_harness->relay("GET", branches);
        QVERIFY2(response.complete && response.status == 200, qPrintable(response.error));
    }
}

void tst_RequestFaults::agentStopped()
{
    // The agent pings slowly, so only the gateway's own pings (every second, 2 s to answer)
    // can notice that it is frozen.
    QVERIFY(startTunnel(2, { { QStringLiteral("VCS_AGENT_PING_INTERVAL_MS"), QStringLiteral("60000") },
                             { QStringLiteral("VCS_AGENT_PING_TIMEOUT_MS"), QStringLiteral("60000") } }));
    const QRegularExpression silent(QStringLiteral("the agent sent nothing for"));
    ::kill(pid_t(m_agent->processId()), SIGSTOP);
    const bool noticed = waitUntil([&] {
        return m_harness->gateway()->countOutput(silent, QProcess::StandardError) >= 2;
    }, 15000);
    // With the only agent gone, the gateway answers 503 instead of waiting for it.
    const RawHttpResponse meanwhile = m_harness->relay("GET", branches);
    ::kill(pid_t(m_agent->processId()), SIGCONT);
    QVERIFY2(noticed, qPrintable(m_harness->logTail()));
    QVERIFY2(meanwhile.complete, qPrintable(meanwhile.error));
    QCOMPARE(meanwhile.status, 503);
    // Woken up, the agent finds its connections closed and reconnects both streams.
    QVERIFY2(m_harness->waitForStreams(m_agent, 4, 30000), qPrintable(m_harness->logTail()));
    const RawHttpResponse response = m_harness->relay("GET", branches);
    QVERIFY2(response.complete && response.status == 200, qPrintable(response.error));
}

QTEST_GUILESS_MAIN(tst_RequestFaults)
#include "tst_requestfaults.moc"
