// vcs-gateway: issues pool tokens and relays the platform's HTTP requests to agents' streams.

#include "common/allocator.h"
#include "common/signalwatcher.h"
#include "gateway/gatewayserver.h"
#include "gateway/pooldatabase.h"
#include "health/gatewayhealth.h"
#include "log/logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QTextStream>
#include <cstdio>

namespace {

constexpr int exitUsage = 2;

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

int failUsage(const QString &message)
{
    QTextStream(stderr) << "vcs-gateway: " << message << '\n';
    return exitUsage;
}

bool parseListen(const QString &text, QHostAddress *address, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        return false;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) {
        host = host.mid(1, host.size() - 2);
    }
    bool ok = false;
    const uint value = text.mid(colon + 1).toUInt(&ok);
    if (!ok || value > 65535) {
        return false;
    }
    if (host == QStringLiteral("localhost")) {
        *address = QHostAddress::LocalHost;
    } else if (!address->setAddress(host)) {
        return false;
    }
    *port = quint16(value);
    return true;
}

bool openDatabase(PoolDatabase &database, const QCommandLineParser &parser, QString *error)
{
    const QString path = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                            : PoolDatabase::defaultPath();
    return database.open(path, error);
}

void addCommonOptions(QCommandLineParser &parser)
{
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("db"),
                       QStringLiteral("Pool database file [VCS_GATEWAY_DB]; default: "
                                      "gateway.sqlite in the user's data folder."),
                       QStringLiteral("FILE") });
}

int runPoolCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Manage pools.\n  pool create NAME [--description TEXT] [--public-url URL]\n"
            "  pool list\n  pool delete NAME\n  pool rotate NAME"));
    addCommonOptions(parser);
    parser.addOption({ QStringLiteral("description"), QStringLiteral("Pool description."),
                       QStringLiteral("TEXT") });
    parser.addOption({ QStringLiteral("public-url"),
                       QStringLiteral("URL agents dial, put into the token (default "
                                      "ws://127.0.0.1:8443)."),
                       QStringLiteral("URL") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("pool list: print JSON.") });
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("create, list, delete or rotate"));
    if (!parser.parse(arguments)) {
        return failUsage(parser.errorText());
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool needsName = action == QStringLiteral("create") || action == QStringLiteral("delete")
            || action == QStringLiteral("rotate");
    if (action.isEmpty() || (needsName && positional.size() != 2)
        || (!needsName && action != QStringLiteral("list"))) {
        return failUsage(QStringLiteral("usage: vcs-gateway pool create|list|delete|rotate [NAME]; "
                                        "run vcs-gateway pool --help"));
    }
    PoolDatabase database;
    QString error;
    if (!openDatabase(database, parser, &error)) {
        return failUsage(error);
    }
    const QString name = positional.value(1);
    if (action == QStringLiteral("create")) {
        const QString url = parser.isSet(QStringLiteral("public-url"))
                ? parser.value(QStringLiteral("public-url"))
                : QStringLiteral("ws://127.0.0.1:8443");
        const auto token = database.createPool(name, parser.value(QStringLiteral("description")),
                                               url, &error);
        if (!token) {
            return failUsage(error);
        }
        out() << *token << '\n';
        return 0;
    }
    if (action == QStringLiteral("rotate")) {
        const auto token = database.rotatePool(name, &error);
        if (!token) {
            return failUsage(error);
        }
        out() << *token << '\n';
        return 0;
    }
    if (action == QStringLiteral("delete")) {
        return database.deletePool(name, &error) ? 0 : failUsage(error);
    }
    const auto pools = database.pools(&error);
    if (!pools) {
        return failUsage(error);
    }
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const PoolRecord &pool : *pools) {
            array.append(QJsonObject { { QStringLiteral("name"), pool.name },
                                       { QStringLiteral("id"), pool.id },
                                       { QStringLiteral("description"), pool.description },
                                       { QStringLiteral("public_url"), pool.publicUrl } });
        }
        out() << QJsonDocument(array).toJson();
        return 0;
    }
    for (const PoolRecord &pool : *pools) {
        out() << pool.name << '\t' << pool.publicUrl << '\t'
              << pool.createdAt.toString(Qt::ISODate) << '\t' << pool.description << '\n';
    }
    return 0;
}

bool readApiKey(const QCommandLineParser &parser, QByteArray *key, QString *error)
{
    if (parser.isSet(QStringLiteral("api-key-file"))) {
        QFile file(parser.value(QStringLiteral("api-key-file")));
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("--api-key-file %1 cannot be read: %2")
                             .arg(file.fileName(), file.errorString());
            return false;
        }
        *key = file.read(4096).trimmed();
    } else {
        *key = qgetenv("VCS_GATEWAY_API_KEY").trimmed();
    }
    if (key->size() < 16) {
        *error = QStringLiteral("no API key of at least 16 characters is set; set "
                                "VCS_GATEWAY_API_KEY or --api-key-file (for example from "
                                "`openssl rand -hex 32`)");
        return false;
    }
    return true;
}

bool readTls(const QCommandLineParser &parser, GatewayConfig &config, QString *error)
{
    const bool hasCert = parser.isSet(QStringLiteral("tls-cert"));
    const bool hasKey = parser.isSet(QStringLiteral("tls-key"));
    if (!hasCert && !hasKey) {
        return true;
    }
    if (hasCert != hasKey) {
        *error = QStringLiteral("--tls-cert and --tls-key must be given together");
        return false;
    }
    QFile certFile(parser.value(QStringLiteral("tls-cert")));
    QFile keyFile(parser.value(QStringLiteral("tls-key")));
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS certificate %1 or key %2")
                         .arg(certFile.fileName(), keyFile.fileName());
        return false;
    }
    const auto chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
    const QByteArray keyData = keyFile.readAll();
    QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
    if (key.isNull()) {
        key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
    }
    if (chain.isEmpty() || key.isNull()) {
        *error = QStringLiteral("--tls-cert %1 or --tls-key %2 is not a PEM certificate chain and "
                                "an unencrypted RSA or EC private key")
                         .arg(certFile.fileName(), keyFile.fileName());
        return false;
    }
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    config.tls = tls;
    return true;
}

bool readIntervals(const QCommandLineParser &parser, GatewayConfig &config, QString *error)
{
    const struct
    {
        const char *name;
        int *target;
        int minimum;
    } options[] = {
        { "ping-interval", &config.pingIntervalMs, 100 },
        { "ping-timeout", &config.pingTimeoutMs, 100 },
        { "queue-timeout", &config.queueTimeoutMs, 0 },
        { "request-idle-timeout", &config.requestIdleTimeoutMs, 100 },
        { "pool-check-interval", &config.poolCheckIntervalMs, 100 },
        { "drain-timeout", &config.drainTimeoutMs, 0 },
    };
    for (const auto &option : options) {
        const QString name = QString::fromLatin1(option.name);
        if (!parser.isSet(name)) {
            continue;
        }
        bool ok = false;
        const int value = parser.value(name).toInt(&ok);
        if (!ok || value < option.minimum) {
            *error = QStringLiteral("--%1 \"%2\" is not a whole number of milliseconds of at "
                                    "least %3")
                             .arg(name, parser.value(name), QString::number(option.minimum));
            return false;
        }
        *option.target = value;
    }
    return true;
}

bool readWindow(const QCommandLineParser &parser, GatewayConfig &config, QString *error)
{
    const QString name = QStringLiteral("stream-window");
    if (!parser.isSet(name)) {
        return true;
    }
    bool ok = false;
    const int kib = parser.value(name).toInt(&ok);
    if (!ok || kib < 64 || kib > 65536) {
        *error = QStringLiteral("--stream-window \"%1\" is not a whole number of KiB from 64 to "
                                "65536")
                         .arg(parser.value(name));
        return false;
    }
    config.window = quint32(kib) * 1024;
    return true;
}

int runServe(QCoreApplication &app, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Serve agents' streams and the platform's "
                                                    "HTTP API."));
    addCommonOptions(parser);
    const QList<QCommandLineOption> options = {
        { QStringLiteral("agent-listen"),
          QStringLiteral("Address for agents' WebSocket streams (default 127.0.0.1:8443)."),
          QStringLiteral("ADDR:PORT") },
        { QStringLiteral("api-listen"),
          QStringLiteral("Address for the platform's HTTP API (default 127.0.0.1:8080)."),
          QStringLiteral("ADDR:PORT") },
        { QStringLiteral("api-key-file"),
          QStringLiteral("File with the platform's API key [VCS_GATEWAY_API_KEY]."),
          QStringLiteral("FILE") },
        { QStringLiteral("tls-cert"), QStringLiteral("PEM certificate chain for both listeners."),
          QStringLiteral("FILE") },
        { QStringLiteral("tls-key"), QStringLiteral("PEM private key for both listeners."),
          QStringLiteral("FILE") },
        { QStringLiteral("ping-interval"),
          QStringLiteral("Interval between pings to agents, in ms (default 15000)."),
          QStringLiteral("MS") },
        { QStringLiteral("ping-timeout"),
          QStringLiteral("Silence after a ping interval before a stream is closed, in ms "
                         "(default 10000)."),
          QStringLiteral("MS") },
        { QStringLiteral("queue-timeout"),
          QStringLiteral("Longest wait for a free stream, in ms (default 10000)."),
          QStringLiteral("MS") },
        { QStringLiteral("request-idle-timeout"),
          QStringLiteral("Longest time a request may go without progress, in ms "
                         "(default 60000)."),
          QStringLiteral("MS") },
        { QStringLiteral("health-listen"),
          QStringLiteral("Serve /healthz, /readyz and /metrics on this address, for example "
                         "127.0.0.1:9101 (default: off)."),
          QStringLiteral("ADDR:PORT") },
        { QStringLiteral("drain-timeout"),
          QStringLiteral("On SIGTERM, the longest wait for requests in flight, in ms "
                         "(default 30000)."),
          QStringLiteral("MS") },
        { QStringLiteral("pool-check-interval"),
          QStringLiteral("Interval for noticing rotated or deleted pools, in ms (default 2000)."),
          QStringLiteral("MS") },
        { QStringLiteral("stream-window"),
          QStringLiteral("Response bytes an agent may send ahead of the platform client, per "
                         "request, in KiB (default 4096, from 64 to 65536)."),
          QStringLiteral("KIB") },
    };
    parser.addOptions(options);
    if (!parser.parse(arguments)) {
        return failUsage(parser.errorText());
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return 0;
    }
    GatewayConfig config;
    QString error;
    if (parser.isSet(QStringLiteral("agent-listen"))
        && !parseListen(parser.value(QStringLiteral("agent-listen")), &config.agentAddress,
                        &config.agentPort)) {
        return failUsage(QStringLiteral("--agent-listen \"%1\" is not ADDR:PORT")
                                 .arg(parser.value(QStringLiteral("agent-listen"))));
    }
    if (parser.isSet(QStringLiteral("api-listen"))
        && !parseListen(parser.value(QStringLiteral("api-listen")), &config.apiAddress,
                        &config.apiPort)) {
        return failUsage(QStringLiteral("--api-listen \"%1\" is not ADDR:PORT")
                                 .arg(parser.value(QStringLiteral("api-listen"))));
    }
    if (!readApiKey(parser, &config.apiKey, &error) || !readTls(parser, config, &error)
        || !readIntervals(parser, config, &error) || !readWindow(parser, config, &error)) {
        return failUsage(error);
    }
    PoolDatabase database;
    if (!openDatabase(database, parser, &error)) {
        return failUsage(error);
    }
    GatewayServer server(config, &database);
    GatewayHealth health(&server, &database);
    if (!health.start(parser.value(QStringLiteral("health-listen")), &error)) {
        return failUsage(error);
    }
    if (!server.listen(&error)) {
        qCCritical(lcGateway).noquote() << error;
        return 1;
    }
    const QString scheme = config.tls ? QStringLiteral("s") : QString();
    qCInfo(lcGateway).noquote() << QStringLiteral("listening for agents on ws%1://%2:%3 and for "
                                                  "the platform on http%1://%4:%5")
                                           .arg(scheme, config.agentAddress.toString())
                                           .arg(server.agentPort())
                                           .arg(config.apiAddress.toString())
                                           .arg(server.apiPort());
    health.notifyListening(QStringLiteral("listening for agents on port %1 and for the platform "
                                          "on port %2")
                                   .arg(QString::number(server.agentPort()),
                                        QString::number(server.apiPort())));
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &app,
                     [&app, &health, &server, &config](int, int count) {
        if (count > 1) {
            qCWarning(lcGateway) << "second signal received; exiting without waiting";
            app.exit(1);
            return;
        }
        health.notifyStopping();
        server.drain(config.drainTimeoutMs);
    });
    QObject::connect(&server, &GatewayServer::drained, &app, [&app] {
        qCInfo(lcGateway) << "stopped";
        app.exit(0);
    });
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    Allocator::tuneForStreaming();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("vcs-gateway"));
    QCoreApplication::setOrganizationName(QStringLiteral("vcs-agent"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VCS_AGENT_VERSION));
    Logging::installHandler();

    QStringList arguments = app.arguments();
    const QString command = arguments.value(1);
    if (command == QStringLiteral("pool")) {
        arguments.removeAt(1);
        return runPoolCommand(arguments);
    }
    if (command == QStringLiteral("serve")) {
        arguments.removeAt(1);
        return runServe(app, arguments);
    }
    if (command == QStringLiteral("--version") || command == QStringLiteral("-v")) {
        out() << "vcs-gateway " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    const QString usage = QStringLiteral(
            "usage: vcs-gateway serve [options] | pool create|list|delete|rotate [NAME]\n"
            "Run `vcs-gateway serve --help` or `vcs-gateway pool --help` for options.\n");
    if (command == QStringLiteral("--help") || command == QStringLiteral("-h")) {
        out() << usage;
        return 0;
    }
    QTextStream(stderr) << (command.isEmpty() ? QString() : QStringLiteral("vcs-gateway: unknown "
                                                                           "command \"%1\"\n")
                                                                    .arg(command))
                        << usage;
    return exitUsage;
}
