#include "systemharness.h"

#include "testenvironment.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTextStream>

namespace {

const QStringList proxyVariables = {
    QStringLiteral("HTTP_PROXY"), QStringLiteral("http_proxy"),
    QStringLiteral("HTTPS_PROXY"), QStringLiteral("https_proxy"),
    QStringLiteral("ALL_PROXY"), QStringLiteral("all_proxy"),
    QStringLiteral("NO_PROXY"), QStringLiteral("no_proxy"),
};

QProcessEnvironment environmentWithoutProxies()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : proxyVariables) {
        environment.remove(name);
    }
    // Agent settings of the calling shell must not leak into a test's agent.
    const QStringList keys = environment.keys();
    for (const QString &key : keys) {
        if (key.startsWith(QStringLiteral("SPACELIFT_")) || key.startsWith(QStringLiteral("VCS_AGENT_"))
            || key.startsWith(QStringLiteral("VCS_GATEWAY_"))) {
            environment.remove(key);
        }
    }
    return environment;
}

QByteArray randomHex(int bytes)
{
    QByteArray data(bytes, Qt::Uninitialized);
    for (char &byte : data) {
        byte = char(QRandomGenerator::global()->bounded(256));
    }
    return data.toHex();
}

} // namespace

SystemHarness::SystemHarness()
    : m_apiKey(randomHex(16))
    , m_localVcs(std::make_unique<LocalVcsProcess>(m_dir.path()))
{
    if (qEnvironmentVariableIsSet("VCS_TEST_KEEP_DIR")) {
        m_dir.setAutoRemove(false);
        QTextStream(stderr) << "system test folder: " << m_dir.path() << '\n';
    }
}

SystemHarness::~SystemHarness()
{
    // Agents first, so that they do not log a burst of reconnects while the gateway goes away.
    m_agents.clear();
    m_gateway.reset();
    m_localVcs->stop();
}

QString SystemHarness::logPrefix(const QString &name) const
{
    return QDir(m_dir.path()).filePath(name);
}

QStringList SystemHarness::defaultRepositories()
{
    return { QStringLiteral("--repo"),
             QStringLiteral("acme/platform/app=") + TestEnvironment::sourceDir(),
             QStringLiteral("--make-repo"), QStringLiteral("acme/app") };
}

bool SystemHarness::startLocalVcs(const QStringList &repositoryArguments)
{
    return m_localVcs->start(repositoryArguments, &m_lastError);
}

bool SystemHarness::startGateway(const QStringList &extraArguments)
{
    ++m_gatewayStarts;
    m_gateway = std::make_unique<TestProcess>(
            logPrefix(QStringLiteral("gateway-%1").arg(m_gatewayStarts)));
    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(QStringLiteral("VCS_GATEWAY_API_KEY"), QString::fromLatin1(m_apiKey));
    QStringList arguments {
        QStringLiteral("serve"),
        QStringLiteral("--db"), QDir(m_dir.path()).filePath(QStringLiteral("gateway.sqlite")),
        QStringLiteral("--agent-listen"), QStringLiteral("127.0.0.1:%1").arg(m_agentPort),
        QStringLiteral("--api-listen"), QStringLiteral("127.0.0.1:%1").arg(m_apiPort),
        QStringLiteral("--ping-interval"), QStringLiteral("1000"),
        QStringLiteral("--ping-timeout"), QStringLiteral("2000"),
        QStringLiteral("--pool-check-interval"), QStringLiteral("200"),
    };
    arguments += extraArguments;
    if (!m_gateway->start(TestEnvironment::executable(QStringLiteral("vcs-gateway")), arguments,
                          environment)) {
        m_lastError = QStringLiteral("vcs-gateway cannot be started: %1")
                              .arg(m_gateway->errorString());
        return false;
    }
    const QRegularExpression listening(QStringLiteral(
            "listening for agents on wss?://127\\.0\\.0\\.1:(\\d+) and for the platform on "
            "https?://127\\.0\\.0\\.1:(\\d+)"));
    const auto match = m_gateway->waitForOutput(listening, QProcess::StandardError, 15000);
    if (!match.hasMatch()) {
        m_lastError = QStringLiteral("vcs-gateway did not log its listening line\n%1")
                              .arg(m_gateway->logTail());
        m_gateway->kill();
        return false;
    }
    m_agentPort = quint16(match.captured(1).toUInt());
    m_apiPort = quint16(match.captured(2).toUInt());
    return true;
}

void SystemHarness::killGateway()
{
    if (m_gateway) {
        m_gateway->kill();
    }
}

ProcessResult SystemHarness::poolCommand(const QStringList &arguments) const
{
    QStringList all { QStringLiteral("pool") };
    all += arguments;
    all += { QStringLiteral("--db"), QDir(m_dir.path()).filePath(QStringLiteral("gateway.sqlite")) };
    return TestProcess::run(TestEnvironment::executable(QStringLiteral("vcs-gateway")), all,
                            environmentWithoutProxies(), 20000);
}

std::optional<QString> SystemHarness::createPool(const QString &name)
{
    if (m_agentPort == 0) {
        m_lastError = QStringLiteral("start the gateway before creating a pool, so that the "
                                     "token can name its port");
        return std::nullopt;
    }
    const ProcessResult result = poolCommand(
            { QStringLiteral("create"), name, QStringLiteral("--public-url"),
              QStringLiteral("ws://127.0.0.1:%1").arg(m_agentPort) });
    if (!result.finished || result.exitCode != 0) {
        m_lastError = QStringLiteral("vcs-gateway pool create %1 failed (exit %2): %3")
                              .arg(name, QString::number(result.exitCode),
                                   QString::fromUtf8(result.standardError));
        return std::nullopt;
    }
    m_poolName = name;
    return QString::fromLatin1(result.standardOutput.trimmed());
}

std::optional<QString> SystemHarness::rotatePool(const QString &name)
{
    const ProcessResult result = poolCommand({ QStringLiteral("rotate"), name });
    if (!result.finished || result.exitCode != 0) {
        m_lastError = QStringLiteral("vcs-gateway pool rotate %1 failed (exit %2): %3")
                              .arg(name, QString::number(result.exitCode),
                                   QString::fromUtf8(result.standardError));
        return std::nullopt;
    }
    return QString::fromLatin1(result.standardOutput.trimmed());
}

QProcessEnvironment SystemHarness::agentEnvironment(const QString &token) const
{
    QProcessEnvironment environment = environmentWithoutProxies();
    const auto set = [&environment](const char *name, const QString &value) {
        environment.insert(QString::fromLatin1(name), value);
    };
    set("SPACELIFT_VCS_AGENT_POOL_TOKEN", token);
    set("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT", m_localVcs->baseUrl());
    set("SPACELIFT_VCS_AGENT_VENDOR", QStringLiteral("gitlab"));
    set("SPACELIFT_VCS_AGENT_DIAL_INSECURE", QStringLiteral("true"));
    set("SPACELIFT_VCS_AGENT_PARALLELISM", QStringLiteral("4"));
    set("VCS_AGENT_LOG_FORMAT", QStringLiteral("json"));
    set("VCS_AGENT_PING_INTERVAL_MS", QStringLiteral("1000"));
    set("VCS_AGENT_PING_TIMEOUT_MS", QStringLiteral("2000"));
    set("VCS_AGENT_RECONNECT_MIN_DELAY_MS", QStringLiteral("100"));
    set("VCS_AGENT_RECONNECT_MAX_DELAY_MS", QStringLiteral("1000"));
    set("VCS_AGENT_DRAIN_TIMEOUT_MS", QStringLiteral("2000"));
    return environment;
}

TestProcess *SystemHarness::startAgent(const QString &token, const QStringList &extraArguments)
{
    return startAgentWithEnvironment(agentEnvironment(token), extraArguments);
}

TestProcess *SystemHarness::startAgentWithEnvironment(const QProcessEnvironment &environment,
                                                      const QStringList &arguments)
{
    m_agents.push_back(std::make_unique<TestProcess>(
            logPrefix(QStringLiteral("agent-%1").arg(m_agents.size() + 1))));
    TestProcess *agent = m_agents.back().get();
    QStringList all { QStringLiteral("--no-gui") };
    all += arguments;
    if (!agent->start(TestEnvironment::executable(QStringLiteral("vcs-agent")), all, environment)) {
        m_lastError = QStringLiteral("vcs-agent cannot be started: %1").arg(agent->errorString());
    }
    return agent;
}

bool SystemHarness::waitForStreams(TestProcess *agent, int count, int timeoutMs)
{
    const QRegularExpression connected(QStringLiteral("stream \\d+: (re)?connected to "));
    return waitUntil([&] { return agent->countOutput(connected, QProcess::StandardError) >= count; },
                     timeoutMs);
}

ProcessResult SystemHarness::runAgent(const QStringList &arguments,
                                      const QProcessEnvironment &environment, int timeoutMs)
{
    return TestProcess::run(TestEnvironment::executable(QStringLiteral("vcs-agent")), arguments,
                            environment, timeoutMs);
}

QList<QJsonObject> SystemHarness::accessRecords(TestProcess *agent)
{
    QList<QJsonObject> records;
    const QList<QByteArray> lines = agent->standardOutput().split('\n');
    for (const QByteArray &line : lines) {
        const QJsonDocument document = QJsonDocument::fromJson(line);
        if (document.isObject()) {
            records.append(document.object());
        }
    }
    return records;
}

QByteArray SystemHarness::relayRequest(const QByteArray &method, const QByteArray &target,
                                       const HttpHeaderList &headers, const QByteArray &body) const
{
    HttpHeaderList all { { QByteArrayLiteral("Host"),
                           "127.0.0.1:" + QByteArray::number(m_apiPort) },
                         { QByteArrayLiteral("Authorization"), "Bearer " + m_apiKey } };
    all += headers;
    return RawHttpClient::buildRequest(method, "/pools/" + m_poolName.toLatin1() + target, all,
                                       body);
}

RawHttpResponse SystemHarness::relay(const QByteArray &method, const QByteArray &target,
                                     const HttpHeaderList &headers, const QByteArray &body,
                                     int timeoutMs) const
{
    return RawHttpClient::send(m_apiPort, relayRequest(method, target, headers, body), timeoutMs,
                               method);
}

QString SystemHarness::relayUrl(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1/pools/%2/%3")
            .arg(QString::number(m_apiPort), m_poolName, path);
}

QProcessEnvironment SystemHarness::clientEnvironment() const
{
    QProcessEnvironment environment = environmentWithoutProxies();
    environment.insert(QStringLiteral("HOME"), m_dir.path());
    environment.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    environment.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    return environment;
}

QString SystemHarness::logTail(int lines) const
{
    QString text = m_localVcs->process().logTail(lines);
    if (m_gateway) {
        text += QLatin1Char('\n') + m_gateway->logTail(lines);
    }
    for (const auto &agent : m_agents) {
        text += QLatin1Char('\n') + agent->logTail(lines);
    }
    return text;
}

QByteArray generatedStreamSha256(const QByteArray &seed, qint64 size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    qint64 produced = 0;
    for (qint64 i = 0; produced < size; ++i) {
        const QByteArray block = QCryptographicHash::hash(QByteArray(seed + ':' + QByteArray::number(i)),
                                                          QCryptographicHash::Sha256);
        const qint64 count = qMin<qint64>(block.size(), size - produced);
        hash.addData(QByteArrayView(block.constData(), count));
        produced += count;
    }
    return hash.result().toHex();
}

QByteArray generatedStream(const QByteArray &seed, qint64 size)
{
    QByteArray out;
    out.reserve(size + 32);
    for (qint64 i = 0; out.size() < size; ++i) {
        out += QCryptographicHash::hash(QByteArray(seed + ':' + QByteArray::number(i)),
                                        QCryptographicHash::Sha256);
    }
    out.truncate(size);
    return out;
}
