#include "systemharness.h"
#include "testenvironment.h"

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// A datagram socket in the role of systemd's notification socket (NOTIFY_SOCKET): it collects
// the messages that sd_notify(3) sends.
class NotifySocket final
{
public:
    explicit NotifySocket(const QString &path)
        : m_path(path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        const QByteArray encoded = QFile::encodeName(path);
        if (m_fd < 0 || size_t(encoded.size()) >= sizeof(address.sun_path)) {
            return;
        }
        memcpy(address.sun_path, encoded.constData(), size_t(encoded.size()));
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~NotifySocket()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }

    bool isValid() const { return m_fd >= 0; }
    QString path() const { return m_path; }

    // Every message received so far, oldest first.
    const QList<QByteArray> &messages()
    {
        char buffer[4096];
        for (;;) {
            const ssize_t size = ::recv(m_fd, buffer, sizeof(buffer), 0);
            if (size <= 0) {
                break;
            }
            m_messages.append(QByteArray(buffer, qsizetype(size)));
        }
        return m_messages;
    }

    int count(const QByteArray &line)
    {
        int result = 0;
        for (const QByteArray &message : messages()) {
            result += message.split('\n').contains(line) ? 1 : 0;
        }
        return result;
    }

    // The first message that contains `line`, or an empty array.
    QByteArray find(const QByteArray &line)
    {
        for (const QByteArray &message : messages()) {
            if (message.split('\n').contains(line)) {
                return message;
            }
        }
        return QByteArray();
    }

private:
    QString m_path;
    int m_fd = -1;
    QList<QByteArray> m_messages;
};

RawHttpResponse getHealth(quint16 port, const QByteArray &path)
{
    return RawHttpClient::send(port, RawHttpClient::buildRequest("GET", path), 10000);
}

double metricValue(const QByteArray &metrics, const QByteArray &sample)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(sample + ' '))) {
            return line.mid(sample.size() + 1).toDouble();
        }
    }
    return -1;
}

quint16 healthPort(TestProcess *process)
{
    const auto match = process->waitForOutput(
            QRegularExpression(QStringLiteral("serving /healthz, /readyz and /metrics on "
                                              "http://127\\.0\\.0\\.1:(\\d+)")),
            QProcess::StandardError, 15000);
    return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
}

} // namespace

// The agent and the gateway as a systemd Type=notify service sees them: readiness, status,
// watchdog and stopping notifications, and the health and metrics listener, against real
// processes on 127.0.0.1.
class TestServiceHealth final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void agentReadyAfterAllStreams();
    void agentMetricsCountRequests();
    void agentNotReadyWithoutGateway();
    void agentStoppingOnTerminate();
    void gatewayReadyWhenListening();
    void invalidHealthListenRejected();

private:
    std::unique_ptr<SystemHarness> m_harness;
    std::unique_ptr<NotifySocket> m_agentNotify;
    QString m_token;
    TestProcess *m_agent = nullptr;
    quint16 m_agentHealthPort = 0;
    quint16 m_gatewayHealthPort = 0;
};

void TestServiceHealth::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs(), qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway({ QStringLiteral("--health-listen"),
                                       QStringLiteral("127.0.0.1:0") }),
             qPrintable(m_harness->lastError()));
    m_gatewayHealthPort = healthPort(m_harness->gateway());
    QVERIFY(m_gatewayHealthPort != 0);
    const auto token = m_harness->createPool(QStringLiteral("health"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    m_token = *token;

    m_agentNotify = std::make_unique<NotifySocket>(
            QDir(m_harness->workDir()).filePath(QStringLiteral("agent.notify")));
    QVERIFY(m_agentNotify->isValid());
    QProcessEnvironment environment = m_harness->agentEnvironment(*token);
    environment.insert(QStringLiteral("NOTIFY_SOCKET"), m_agentNotify->path());
    // Keep-alives every 200 ms, half the watchdog interval.
    environment.insert(QStringLiteral("WATCHDOG_USEC"), QStringLiteral("400000"));
    environment.insert(QStringLiteral("VCS_AGENT_HEALTH_LISTEN"), QStringLiteral("127.0.0.1:0"));
    m_agent = m_harness->startAgentWithEnvironment(environment, {});
    m_agentHealthPort = healthPort(m_agent);
    QVERIFY2(m_agentHealthPort != 0, qPrintable(m_harness->logTail()));
}

void TestServiceHealth::cleanup()
{
    if (QTest::currentTestFailed()) {
        qInfo().noquote() << m_harness->logTail(40);
        if (m_agentNotify) {
            qInfo() << "notifications:" << m_agentNotify->messages();
        }
    }
}

void TestServiceHealth::agentReadyAfterAllStreams()
{
    QVERIFY2(waitUntil([&] { return m_agentNotify->count("READY=1") > 0; }, 20000),
             "no READY=1 notification");
    QVERIFY(m_harness->waitForStreams(m_agent, 4, 1000));

    QByteArray firstStatus;
    for (const QByteArray &message : m_agentNotify->messages()) {
        if (message.contains("STATUS=")) {
            firstStatus = message;
            break;
        }
    }
    QCOMPARE(firstStatus, QByteArray("STATUS=connecting 4 streams"));
    QVERIFY(m_agentNotify->find("READY=1").contains("STATUS=all 4 streams connected"));
    QVERIFY(waitUntil([&] { return m_agentNotify->count("WATCHDOG=1") >= 3; }, 10000));

    const RawHttpResponse ready = getHealth(m_agentHealthPort, "/readyz");
    QCOMPARE(ready.status, 200);
    QCOMPARE(getHealth(m_agentHealthPort, "/healthz").status, 200);
    const QByteArray metrics = getHealth(m_agentHealthPort, "/metrics").body;
    QCOMPARE(metricValue(metrics, "vcs_agent_ready"), 1.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_streams{state=\"idle\"}"), 4.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_streams_configured"), 4.0);
}

void TestServiceHealth::agentMetricsCountRequests()
{
    const RawHttpResponse allowed = m_harness->relay("GET", "/api/v4/projects/2/repository/branches");
    QCOMPARE(allowed.status, 200);
    const RawHttpResponse denied = m_harness->relay("DELETE", "/api/v4/projects/2");
    QCOMPARE(denied.status, 403);

    // The access record, which the metrics count, is written when the response has ended.
    QByteArray metrics;
    QVERIFY(waitUntil([&] {
        metrics = getHealth(m_agentHealthPort, "/metrics").body;
        return metricValue(metrics, "vcs_agent_responses_total{status=\"403\"}") == 1;
    }, 5000));
    QCOMPARE(metricValue(metrics, "vcs_agent_requests_total{vendor=\"gitlab\",decision=\"allow\","
                                  "rule=\"branches-list\"}"),
             1.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_requests_total{vendor=\"gitlab\",decision=\"deny\","
                                  "rule=\"none\"}"),
             1.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_responses_total{status=\"200\"}"), 1.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_body_bytes_total{direction=\"response\"}"),
             double(allowed.body.size()));
    QCOMPARE(metricValue(metrics, "vcs_agent_request_duration_seconds_count{decision=\"allow\"}"),
             1.0);
    QCOMPARE(metricValue(metrics, "vcs_agent_request_duration_seconds_bucket{decision=\"allow\","
                                  "le=\"+Inf\"}"),
             1.0);
    QVERIFY(metricValue(metrics, "process_resident_memory_bytes") > 0);

    const QByteArray gatewayMetrics = getHealth(m_gatewayHealthPort, "/metrics").body;
    QCOMPARE(metricValue(gatewayMetrics, "vcs_gateway_requests_total{pool=\"health\","
                                         "status=\"200\"}"),
             1.0);
    QCOMPARE(metricValue(gatewayMetrics, "vcs_gateway_requests_total{pool=\"health\","
                                         "status=\"403\"}"),
             1.0);
    // The JSON body of the 403 comes from the gateway itself, so only the relayed body counts.
    QCOMPARE(metricValue(gatewayMetrics, "vcs_gateway_body_bytes_total{pool=\"health\","
                                         "direction=\"response\"}"),
             double(allowed.body.size()));
    QCOMPARE(metricValue(gatewayMetrics, "vcs_gateway_streams{pool=\"health\",state=\"idle\"}"),
             4.0);
}

void TestServiceHealth::agentNotReadyWithoutGateway()
{
    m_harness->killGateway();
    RawHttpResponse ready;
    QVERIFY(waitUntil([&] {
        ready = getHealth(m_agentHealthPort, "/readyz");
        return ready.status == 503;
    }, 15000));
    QVERIFY2(ready.body.contains("of 4 streams connected"), ready.body.constData());
    QCOMPARE(getHealth(m_agentHealthPort, "/healthz").status, 200);
    QVERIFY(waitUntil([&] { return m_agentNotify->count("STATUS=0 of 4 streams connected") > 0; },
                      15000));
    QVERIFY(metricValue(getHealth(m_agentHealthPort, "/metrics").body,
                        "vcs_agent_reconnects_total")
            > 0);

    QVERIFY2(m_harness->startGateway(), qPrintable(m_harness->lastError()));
    QVERIFY(waitUntil([&] { return getHealth(m_agentHealthPort, "/readyz").status == 200; },
                      20000));
    QVERIFY(waitUntil([&] { return m_agentNotify->count("STATUS=4 of 4 streams connected") > 0; },
                      5000));
    // READY=1 is sent once per process; recovery shows only in STATUS=.
    QCOMPARE(m_agentNotify->count("READY=1"), 1);
}

void TestServiceHealth::agentStoppingOnTerminate()
{
    m_agent->terminate();
    QVERIFY(m_agent->waitForExit(15000));
    QCOMPARE(m_agent->exitCode(), 0);
    const QByteArray stopping = m_agentNotify->find("STOPPING=1");
    QVERIFY2(!stopping.isEmpty(), "no STOPPING=1 notification");
    QVERIFY(stopping.contains("STATUS=draining"));
}

void TestServiceHealth::gatewayReadyWhenListening()
{
    NotifySocket notify(QDir(m_harness->workDir()).filePath(QStringLiteral("gateway.notify")));
    QVERIFY(notify.isValid());
    QProcessEnvironment environment = m_harness->clientEnvironment();
    environment.insert(QStringLiteral("NOTIFY_SOCKET"), notify.path());
    environment.insert(QStringLiteral("VCS_GATEWAY_API_KEY"), QStringLiteral("0123456789abcdef"));
    TestProcess gateway(QDir(m_harness->workDir()).filePath(QStringLiteral("notify-gateway")));
    QVERIFY(gateway.start(TestEnvironment::executable(QStringLiteral("vcs-gateway")),
                          { QStringLiteral("serve"), QStringLiteral("--db"),
                            QDir(m_harness->workDir()).filePath(QStringLiteral("second.sqlite")),
                            QStringLiteral("--agent-listen"), QStringLiteral("127.0.0.1:0"),
                            QStringLiteral("--api-listen"), QStringLiteral("127.0.0.1:0"),
                            QStringLiteral("--health-listen"), QStringLiteral("127.0.0.1:0") },
                          environment));
    const quint16 port = healthPort(&gateway);
    QVERIFY2(port != 0, qPrintable(gateway.logTail()));

    QVERIFY(waitUntil([&] { return notify.count("READY=1") == 1; }, 10000));
    QVERIFY(notify.find("READY=1").contains("STATUS=listening for agents on port "));
    QCOMPARE(getHealth(port, "/readyz").status, 200);
    QCOMPARE(getHealth(port, "/healthz").status, 200);
    const QByteArray metrics = getHealth(port, "/metrics").body;
    QVERIFY(metrics.contains("# TYPE vcs_gateway_requests_total counter\n"));
    // Without WATCHDOG_USEC there are no keep-alives.
    QCOMPARE(notify.count("WATCHDOG=1"), 0);

    gateway.terminate();
    QVERIFY(gateway.waitForExit(10000));
    QCOMPARE(gateway.exitCode(), 0);
    QCOMPARE(notify.count("STOPPING=1"), 1);
}

void TestServiceHealth::invalidHealthListenRejected()
{
    QProcessEnvironment environment = m_harness->agentEnvironment(m_token);
    environment.insert(QStringLiteral("VCS_AGENT_HEALTH_LISTEN"), QStringLiteral("localhost"));
    const ProcessResult agent = SystemHarness::runAgent({ QStringLiteral("--no-gui") },
                                                        environment);
    QVERIFY(agent.finished);
    // Exit status 2 is invalid settings, which the systemd unit does not restart.
    QCOMPARE(agent.exitCode, 2);
    QVERIFY2(agent.standardError.contains("VCS_AGENT_HEALTH_LISTEN: listen address "
                                          "\"localhost\" is invalid"),
             agent.standardError.constData());
}

QTEST_GUILESS_MAIN(TestServiceHealth)
#include "tst_servicehealth.moc"
