#include "systemharness.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <future>

#include <csignal>
#include <sys/types.h>

namespace {

constexpr int agentCount = 3;
constexpr int streamsPerAgent = 2;

const QByteArray branchesTarget = "/api/v4/projects/2/repository/branches";

// An archive that localvcs sends at 30000 bytes per second, so it keeps a stream busy for
// size / 30000 seconds.
QByteArray slowArchiveTarget(int size, const QByteArray &seed)
{
    return "/api/v4/projects/2/repository/archive?size=" + QByteArray::number(size)
            + "&rate=30000&seed=" + seed;
}

int countRecords(TestProcess *agent, const QString &targetPart)
{
    int count = 0;
    for (const QJsonObject &record : SystemHarness::accessRecords(agent)) {
        if (record.value(QStringLiteral("target")).toString().contains(targetPart)) {
            ++count;
        }
    }
    return count;
}

// The value of one sample of the Prometheus text `metrics`, or -1 when it is absent.
double metricValue(const QByteArray &metrics, const QByteArray &sample)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(sample + ' '))) {
            return line.mid(sample.size() + 1).toDouble();
        }
    }
    return -1;
}

} // namespace

// Three agents with the same pool token: the gateway spreads requests over all of their streams,
// and killing one agent loses no request that had not started on it.
class TestBalancing final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void poolListsAllAgents();
    void sequentialRequestsSpread();
    void concurrentRequestsSpread();
    void killedAgentLosesNoQueuedRequest();
    void requestsRightAfterKillSucceed();

private:
    QByteArray gatewayMetrics() const;

    std::unique_ptr<SystemHarness> m_harness;
    QList<TestProcess *> m_agents;
    quint16 m_gatewayHealthPort = 0;
};

void TestBalancing::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs(), qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway({ QStringLiteral("--queue-timeout"), QStringLiteral("30000"),
                                       QStringLiteral("--health-listen"),
                                       QStringLiteral("127.0.0.1:0") }),
             qPrintable(m_harness->lastError()));
    const auto health = m_harness->gateway()->waitForOutput(
            QRegularExpression(QStringLiteral("serving /healthz, /readyz and /metrics on "
                                              "http://127\\.0\\.0\\.1:(\\d+)")),
            QProcess::StandardError, 10000);
    QVERIFY2(health.hasMatch(), qPrintable(m_harness->logTail()));
    m_gatewayHealthPort = quint16(health.captured(1).toUInt());

    const auto token = m_harness->createPool(QStringLiteral("balanced"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    QProcessEnvironment environment = m_harness->agentEnvironment(*token);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM"),
                       QString::number(streamsPerAgent));
    for (int i = 0; i < agentCount; ++i) {
        m_agents.append(m_harness->startAgentWithEnvironment(environment, {}));
    }
    for (TestProcess *agent : std::as_const(m_agents)) {
        QVERIFY2(m_harness->waitForStreams(agent, streamsPerAgent), qPrintable(m_harness->logTail()));
    }
}

void TestBalancing::cleanup()
{
    if (QTest::currentTestFailed()) {
        qInfo().noquote() << m_harness->logTail(40);
    }
}

QByteArray TestBalancing::gatewayMetrics() const
{
    const RawHttpResponse response = RawHttpClient::send(
            m_gatewayHealthPort, RawHttpClient::buildRequest("GET", "/metrics"), 10000);
    return response.status == 200 ? response.body : QByteArray();
}

void TestBalancing::poolListsAllAgents()
{
    // The gateway may list a stream a moment after the agent logs it as connected.
    QHash<QString, int> streamsPerInstance;
    const bool listed = waitUntil([&] {
        const RawHttpResponse response = RawHttpClient::send(
                m_harness->apiPort(),
                RawHttpClient::buildRequest("GET", "/pools",
                                            { { "Authorization",
                                                "Bearer " + m_harness->apiKey() } }));
        streamsPerInstance.clear();
        for (const QJsonValue &pool : response.json().array()) {
            if (pool.toObject().value(QStringLiteral("name")).toString()
                != QStringLiteral("balanced")) {
                continue;
            }
            for (const QJsonValue &connection :
                 pool.toObject().value(QStringLiteral("connections")).toArray()) {
                ++streamsPerInstance[connection.toObject()
                                             .value(QStringLiteral("agent_instance"))
                                             .toString()];
            }
        }
        return streamsPerInstance.size() == agentCount;
    }, 10000);
    QVERIFY2(listed, qPrintable(QStringLiteral("%1 agent instances listed")
                                        .arg(streamsPerInstance.size())));
    for (auto it = streamsPerInstance.cbegin(); it != streamsPerInstance.cend(); ++it) {
        QCOMPARE(it.value(), streamsPerAgent);
    }

    const QByteArray metrics = gatewayMetrics();
    QCOMPARE(metricValue(metrics, "vcs_gateway_agents{pool=\"balanced\"}"), double(agentCount));
    QCOMPARE(metricValue(metrics, "vcs_gateway_streams{pool=\"balanced\",state=\"idle\"}"),
             double(agentCount * streamsPerAgent));
}

void TestBalancing::sequentialRequestsSpread()
{
    // The gateway picks the stream idle for longest, so one request after another cycles
    // through every stream of every agent.
    constexpr int requests = 30;
    QList<int> before;
    for (TestProcess *agent : std::as_const(m_agents)) {
        before.append(countRecords(agent, QString::fromLatin1(branchesTarget)));
    }
    for (int i = 0; i < requests; ++i) {
        const RawHttpResponse response = m_harness->relay("GET", branchesTarget);
        QVERIFY2(response.complete, qPrintable(response.error));
        QCOMPARE(response.status, 200);
    }

    int total = 0;
    // Records reach standard output after the response ends, so wait for the last ones.
    waitUntil([&] {
        total = 0;
        for (int i = 0; i < m_agents.size(); ++i) {
            total += countRecords(m_agents.at(i), QString::fromLatin1(branchesTarget))
                    - before.at(i);
        }
        return total == requests;
    }, 5000);
    QCOMPARE(total, requests);
    for (int i = 0; i < m_agents.size(); ++i) {
        const int served = countRecords(m_agents.at(i), QString::fromLatin1(branchesTarget))
                - before.at(i);
        qInfo() << "agent" << i + 1 << "served" << served << "of" << requests;
        QVERIFY2(served >= requests / agentCount / 2,
                 qPrintable(QStringLiteral("agent %1 served %2 of %3 requests")
                                    .arg(QString::number(i + 1), QString::number(served),
                                         QString::number(requests))));
    }
}

void TestBalancing::concurrentRequestsSpread()
{
    // Six overlapping downloads on six streams: the gateway prefers the agent with the fewest
    // busy streams, so each agent carries two.
    QList<QByteArray> requests;
    for (int i = 0; i < agentCount * streamsPerAgent; ++i) {
        requests.append(m_harness->relayRequest("GET", slowArchiveTarget(60000, "spread")));
    }
    const QList<RawHttpResponse> responses = RawHttpClient::sendConcurrently(
            m_harness->apiPort(), requests, 60000);
    for (const RawHttpResponse &response : responses) {
        QVERIFY2(response.complete, qPrintable(response.error));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body.size(), 60000);
    }
    QVERIFY(waitUntil([&] {
        int total = 0;
        for (TestProcess *agent : std::as_const(m_agents)) {
            total += countRecords(agent, QStringLiteral("seed=spread"));
        }
        return total == requests.size();
    }, 5000));
    for (int i = 0; i < m_agents.size(); ++i) {
        QCOMPARE(countRecords(m_agents.at(i), QStringLiteral("seed=spread")), streamsPerAgent);
    }
}

void TestBalancing::killedAgentLosesNoQueuedRequest()
{
    // Every stream is busy with a three-second download, then more requests queue at the
    // gateway. Killing one agent ends the downloads it carried; the queued requests had not
    // started, so all of them must succeed on the remaining agents.
    const int streams = agentCount * streamsPerAgent;
    const qint64 upstreamMark = m_harness->localVcs().lastRequestId();
    const QByteArray before = gatewayMetrics();
    const double queuedBefore = qMax(
            0.0, metricValue(before, "vcs_gateway_queued_requests_total{pool=\"balanced\"}"));

    QList<QByteArray> slowRequests;
    for (int i = 0; i < streams; ++i) {
        slowRequests.append(m_harness->relayRequest("GET", slowArchiveTarget(90000, "busy")));
    }
    const quint16 apiPort = m_harness->apiPort();
    auto slow = std::async(std::launch::async, [apiPort, slowRequests] {
        return RawHttpClient::sendConcurrently(apiPort, slowRequests, 60000);
    });
    const bool allStarted = waitUntil([&] {
        int started = 0;
        for (const QJsonValue &record : m_harness->localVcs().requests(upstreamMark)) {
            started += record.toObject().value(QStringLiteral("target")).toString().contains(
                               QStringLiteral("seed=busy"))
                    ? 1
                    : 0;
        }
        return started == streams;
    }, 15000);
    QVERIFY2(allStarted, "the downloads did not all reach localvcs");

    constexpr int queuedCount = 9;
    QList<QByteArray> queuedRequests;
    for (int i = 0; i < queuedCount; ++i) {
        queuedRequests.append(m_harness->relayRequest(
                "GET", branchesTarget + "?queued=" + QByteArray::number(i)));
    }
    auto queued = std::async(std::launch::async, [apiPort, queuedRequests] {
        return RawHttpClient::sendConcurrently(apiPort, queuedRequests, 60000);
    });
    const bool allQueued = waitUntil([&] {
        return metricValue(gatewayMetrics(),
                           "vcs_gateway_queued_requests_total{pool=\"balanced\"}")
                >= queuedBefore + queuedCount;
    }, 15000);
    QVERIFY2(allQueued, "the requests did not queue at the gateway");

    TestProcess *victim = m_agents.takeFirst();
    victim->kill();

    const QList<RawHttpResponse> queuedResponses = queued.get();
    for (int i = 0; i < queuedResponses.size(); ++i) {
        const RawHttpResponse &response = queuedResponses.at(i);
        QVERIFY2(response.complete, qPrintable(QStringLiteral("queued request %1: %2")
                                                       .arg(QString::number(i), response.error)));
        QCOMPARE(response.status, 200);
        QVERIFY(response.json().isArray());
    }

    // Only the downloads on the killed agent's streams may fail.
    const QList<RawHttpResponse> slowResponses = slow.get();
    int completed = 0;
    for (const RawHttpResponse &response : slowResponses) {
        completed += response.complete && response.status == 200 && response.body.size() == 90000
                ? 1
                : 0;
    }
    QVERIFY2(completed >= streams - streamsPerAgent,
             qPrintable(QStringLiteral("%1 of %2 downloads completed")
                                .arg(QString::number(completed), QString::number(streams))));
    qInfo() << completed << "of" << streams << "downloads completed after the kill";

    int servedBySurvivors = 0;
    QVERIFY(waitUntil([&] {
        servedBySurvivors = 0;
        for (TestProcess *agent : std::as_const(m_agents)) {
            servedBySurvivors += countRecords(agent, QStringLiteral("queued="));
        }
        return servedBySurvivors == queuedCount;
    }, 5000));
    QCOMPARE(servedBySurvivors, queuedCount);
    QCOMPARE(countRecords(victim, QStringLiteral("queued=")), 0);
}

void TestBalancing::requestsRightAfterKillSucceed()
{
    // Requests sent right after an idle agent dies may be given one of its streams before the
    // gateway notices the closed connections; the gateway then moves them to another stream.
    QVERIFY2(!m_agents.isEmpty(), "an earlier test left no agent");
    TestProcess *victim = m_agents.takeFirst();
    QVERIFY(!m_agents.isEmpty());
    const double retriesBefore = qMax(
            0.0, metricValue(gatewayMetrics(), "vcs_gateway_retries_total{pool=\"balanced\"}"));

    constexpr int requestCount = 8;
    QList<QByteArray> requests;
    for (int i = 0; i < requestCount; ++i) {
        requests.append(m_harness->relayRequest(
                "GET", branchesTarget + "?after_kill=" + QByteArray::number(i)));
    }
    ::kill(pid_t(victim->processId()), SIGKILL);
    const QList<RawHttpResponse> responses = RawHttpClient::sendConcurrently(
            m_harness->apiPort(), requests, 60000);
    victim->kill();

    for (int i = 0; i < responses.size(); ++i) {
        const RawHttpResponse &response = responses.at(i);
        QVERIFY2(response.complete, qPrintable(QStringLiteral("request %1: %2")
                                                       .arg(QString::number(i), response.error)));
        QCOMPARE(response.status, 200);
    }
    QCOMPARE(countRecords(victim, QStringLiteral("after_kill=")), 0);
    const double retries = metricValue(gatewayMetrics(),
                                       "vcs_gateway_retries_total{pool=\"balanced\"}");
    qInfo() << "requests moved to another stream:" << qMax(0.0, retries) - retriesBefore;
}

QTEST_GUILESS_MAIN(TestBalancing)
#include "tst_balancing.moc"
