#include "faultrig.h"

#include "http/httpparser.h"
#include "testenvironment.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <sys/types.h>

namespace {

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

LoggedProcess::LoggedProcess(QObject *parent)
    : QObject(parent)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_process, &QProcess::readyRead, this,
            [this] { m_output += m_process.readAll(); });
}

LoggedProcess::~LoggedProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        sendSignal(SIGCONT);
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool LoggedProcess::start(const QString &program, const QStringList &arguments,
                          const QProcessEnvironment &environment)
{
    m_process.setProcessEnvironment(environment);
    TestEnvironment::killChildWithTest(m_process);
    m_process.start(program, arguments);
    return m_process.waitForStarted(10000);
}

qsizetype LoggedProcess::waitForOutput(const QByteArray &text, int timeoutMs, qsizetype from)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        m_output += m_process.readAll();
        const qsizetype index = m_output.indexOf(text, from);
        if (index >= 0) {
            return index + text.size();
        }
        if (deadline.hasExpired()) {
            return -1;
        }
        if (m_process.state() == QProcess::NotRunning) {
            m_output += m_process.readAll();
            return m_output.indexOf(text, from) >= 0 ? m_output.indexOf(text, from) + text.size()
                                                     : -1;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        m_process.waitForReadyRead(20);
    }
}

int LoggedProcess::waitForExit(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        m_process.waitForFinished(20);
    }
    m_output += m_process.readAll();
    if (m_process.state() != QProcess::NotRunning) {
        return -1;
    }
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

void LoggedProcess::sendSignal(int signalNumber)
{
    const qint64 pid = m_process.processId();
    if (pid > 0) {
        ::kill(pid_t(pid), signalNumber);
    }
}

bool LoggedProcess::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

qint64 LoggedProcess::processId() const
{
    return m_process.processId();
}

FaultRig::FaultRig(QObject *parent)
    : QObject(parent)
    , m_apiKey(QByteArray::number(QRandomGenerator::global()->generate64(), 36)
               + "-platform-api-key")
{
}

FaultRig::~FaultRig()
{
    m_agents.clear();
    m_gateway.reset();
    m_localVcs.reset();
}

bool FaultRig::startLocalVcs(QString *error)
{
    m_localVcs = std::make_unique<LoggedProcess>();
    const QString script = TestEnvironment::sourceDir()
            + QStringLiteral("/tests/support/localvcs/localvcs.py");
    if (!m_localVcs->start(QStringLiteral("python3"),
                           { script, QStringLiteral("--root"), path(QStringLiteral("vcs")),
                             QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                             QStringLiteral("--make-repo"), QStringLiteral("acme/app") },
                           QProcessEnvironment::systemEnvironment())) {
        *error = QStringLiteral("python3 localvcs.py did not start");
        return false;
    }
    const qsizetype end = m_localVcs->waitForOutput("localvcs listening on ", 30000);
    if (end < 0) {
        *error = QStringLiteral("localvcs did not report its address: %1")
                         .arg(QString::fromUtf8(m_localVcs->output()));
        return false;
    }
    m_localVcs->waitForOutput("\n", 5000, end);
    const QByteArray rest = m_localVcs->output().mid(end);
    m_vcsUrl = QString::fromLatin1(rest.left(rest.indexOf('\n')).trimmed());
    return true;
}

QProcessEnvironment FaultRig::gatewayEnvironment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("VCS_GATEWAY_DB"), path(QStringLiteral("gateway.sqlite")));
    environment.insert(QStringLiteral("VCS_GATEWAY_API_KEY"), QString::fromLatin1(m_apiKey));
    return environment;
}

QString FaultRig::gatewayWsUrl() const
{
    return QStringLiteral("ws://127.0.0.1:%1").arg(m_agentPort);
}

QString FaultRig::runGatewayCommand(const QStringList &arguments, QString *error)
{
    QProcess process;
    process.setProcessEnvironment(gatewayEnvironment());
    process.start(TestEnvironment::executable(QStringLiteral("vcs-gateway")), arguments);
    if (!process.waitForFinished(30000) || process.exitCode() != 0) {
        *error = QStringLiteral("vcs-gateway %1 failed: %2")
                         .arg(arguments.join(QLatin1Char(' ')),
                              QString::fromUtf8(process.readAllStandardError()));
        return QString();
    }
    return QString::fromLatin1(process.readAllStandardOutput().trimmed());
}

QString FaultRig::createPool(const QString &name, QString *error)
{
    if (m_agentPort == 0) {
        m_agentPort = freePort();
        m_apiPort = freePort();
    }
    return runGatewayCommand({ QStringLiteral("pool"), QStringLiteral("create"), name,
                               QStringLiteral("--public-url"), gatewayWsUrl() },
                             error);
}

bool FaultRig::deletePool(const QString &name, QString *error)
{
    runGatewayCommand({ QStringLiteral("pool"), QStringLiteral("delete"), name }, error);
    return error->isEmpty();
}

QString FaultRig::rotatePool(const QString &name, QString *error)
{
    return runGatewayCommand({ QStringLiteral("pool"), QStringLiteral("rotate"), name }, error);
}

LoggedProcess *FaultRig::startGateway(const QStringList &extraArguments, QString *error)
{
    m_gateway = std::make_unique<LoggedProcess>();
    QStringList arguments { QStringLiteral("serve"),
                            QStringLiteral("--agent-listen"),
                            QStringLiteral("127.0.0.1:%1").arg(m_agentPort),
                            QStringLiteral("--api-listen"),
                            QStringLiteral("127.0.0.1:%1").arg(m_apiPort) };
    arguments += extraArguments;
    if (!m_gateway->start(TestEnvironment::executable(QStringLiteral("vcs-gateway")), arguments,
                          gatewayEnvironment())) {
        *error = QStringLiteral("vcs-gateway serve did not start");
        return nullptr;
    }
    if (m_gateway->waitForOutput("listening for agents", 30000) < 0) {
        *error = QStringLiteral("vcs-gateway did not listen: %1")
                         .arg(QString::fromUtf8(m_gateway->output()));
        return nullptr;
    }
    return m_gateway.get();
}

void FaultRig::discardGateway()
{
    m_gateway.reset();
}

LoggedProcess *FaultRig::startAgent(const QString &token, const QStringList &extraArguments,
                                    const QHash<QString, QString> &extraEnvironment)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_POOL_TOKEN"), token);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"), m_vcsUrl);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), QStringLiteral("gitlab"));
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"), QStringLiteral("true"));
    for (auto it = extraEnvironment.begin(); it != extraEnvironment.end(); ++it) {
        environment.insert(it.key(), it.value());
    }
    auto agent = std::make_unique<LoggedProcess>();
    QStringList arguments { QStringLiteral("--no-gui") };
    arguments += extraArguments;
    if (!agent->start(TestEnvironment::executable(QStringLiteral("vcs-agent")), arguments,
                      environment)) {
        return nullptr;
    }
    m_agents.push_back(std::move(agent));
    return m_agents.back().get();
}

PlatformResponse sendPlatformRequest(quint16 port, const QByteArray &method,
                                     const QByteArray &target, const QByteArray &apiKey,
                                     const QList<QPair<QByteArray, QByteArray>> &headers,
                                     const QByteArray &body, int timeoutMs)
{
    PlatformResponse response;
    QTcpSocket socket;
    QDeadlineTimer deadline(timeoutMs);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs)) {
        response.error = socket.errorString();
        return response;
    }
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer " + apiKey + "\r\nConnection: close\r\n";
    for (const auto &header : headers) {
        request += header.first + ": " + header.second + "\r\n";
    }
    if (!body.isEmpty() || method == "POST" || method == "PUT") {
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    socket.write(request);

    HttpParser parser(HttpParser::Kind::Response);
    parser.setRequestMethod(method);
    QByteArray input;
    while (parser.state() == HttpParser::State::Head || parser.state() == HttpParser::State::Body) {
        if (!socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())))) {
            if (socket.state() != QAbstractSocket::ConnectedState) {
                input += socket.readAll();
                parser.parse(input, response.body, 1 << 30);
                parser.finish();
                break;
            }
            response.error = QStringLiteral("timed out");
            break;
        }
        input += socket.readAll();
        parser.parse(input, response.body, 1 << 30);
    }
    response.status = parser.head().status;
    for (const auto &header : parser.head().headers) {
        response.headers.insert(header.first.toLower(), header.second);
    }
    response.complete = parser.state() == HttpParser::State::Complete;
    if (!response.complete && response.error.isEmpty()) {
        response.error = parser.errorString().isEmpty() ? QStringLiteral("incomplete response")
                                                        : parser.errorString();
    }
    return response;
}
