#include "agentsettings.h"

#include "health/listenaddress.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSslCertificate>

namespace {

struct OptionSpec
{
    const char *flag;
    const char *environmentName; // empty when the setting has no variable
    const char *valueName;       // empty for a flag without a value
    const char *help;
};

// Settings in the order --help lists them.
const OptionSpec optionSpecs[] = {
    { "token", "SPACELIFT_VCS_AGENT_POOL_TOKEN", "TOKEN",
      "Pool token printed by `vcs-gateway pool create`." },
    { "token-file", "VCS_AGENT_TOKEN_FILE", "FILE",
      "Read the pool token from FILE (keep it mode 0600)." },
    { "target-base-endpoint", "SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT", "URL",
      "Base URL of the internal VCS, e.g. https://gitlab.corp.example." },
    { "vendor", "SPACELIFT_VCS_AGENT_VENDOR", "VENDOR",
      "gitlab, bitbucket_datacenter, github_enterprise or azure_devops." },
    { "allowed-projects", "SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS", "REGEX",
      "Regular expression that whole project paths must match (default .*)." },
    { "parallelism", "SPACELIFT_VCS_AGENT_PARALLELISM", "N",
      "Number of tunnel streams, 1 to 256 (default 4)." },
    { "dial-insecure", "SPACELIFT_VCS_AGENT_DIAL_INSECURE", "",
      "Allow a plain ws:// gateway URL (the variable takes true or false)." },
    { "ca-cert-file", "VCS_AGENT_CA_CERT_FILE", "FILE",
      "PEM file of extra CA certificates to trust for the gateway and the VCS." },
    { "log-format", "VCS_AGENT_LOG_FORMAT", "FORMAT",
      "Access log format on standard output: text or json (default text)." },
    { "metadata", "", "NAME=VALUE",
      "Metadata tag sent to the gateway; repeatable. SPACELIFT_METADATA_<NAME> also sets one." },
    { "ping-interval", "VCS_AGENT_PING_INTERVAL_MS", "MS",
      "Interval between pings to the gateway, in milliseconds (default 15000)." },
    { "ping-timeout", "VCS_AGENT_PING_TIMEOUT_MS", "MS",
      "Time without any message from the gateway after a ping before the stream is replaced, "
      "in milliseconds (default 10000)." },
    { "reconnect-min-delay", "VCS_AGENT_RECONNECT_MIN_DELAY_MS", "MS",
      "First reconnect delay, in milliseconds (default 500)." },
    { "reconnect-max-delay", "VCS_AGENT_RECONNECT_MAX_DELAY_MS", "MS",
      "Cap of the exponential reconnect delay, in milliseconds (default 60000)." },
    { "drain-timeout", "VCS_AGENT_DRAIN_TIMEOUT_MS", "MS",
      "On SIGTERM, the longest wait for requests in flight, in milliseconds (default 30000)." },
    { "upstream-idle-timeout", "VCS_AGENT_UPSTREAM_IDLE_TIMEOUT_MS", "MS",
      "Longest time a request to the VCS may go without progress, in milliseconds "
      "(default 60000)." },
    { "health-listen", "VCS_AGENT_HEALTH_LISTEN", "ADDR:PORT",
      "Serve /healthz, /readyz and /metrics on this local address." },
};

struct Lookup
{
    QString value;
    QString source; // "--flag" or "VARIABLE", for error messages
    bool isSet = false;
};

class SettingsInput
{
public:
    SettingsInput(const QCommandLineParser &parser, const QProcessEnvironment &environment)
        : m_parser(parser)
        , m_environment(environment)
    {
    }

    Lookup lookup(const char *flag) const
    {
        const QString flagName = QString::fromLatin1(flag);
        const OptionSpec *spec = specFor(flag);
        if (m_parser.isSet(flagName)) {
            const bool takesValue = spec && spec->valueName[0] != '\0';
            return { takesValue ? m_parser.value(flagName) : QStringLiteral("true"),
                     QStringLiteral("--") + flagName, true };
        }
        if (spec && spec->environmentName[0] != '\0') {
            const QString name = QString::fromLatin1(spec->environmentName);
            if (m_environment.contains(name)) {
                return { m_environment.value(name), name, true };
            }
        }
        return {};
    }

private:
    static const OptionSpec *specFor(const char *flag)
    {
        for (const OptionSpec &spec : optionSpecs) {
            if (qstrcmp(spec.flag, flag) == 0) {
                return &spec;
            }
        }
        return nullptr;
    }

    const QCommandLineParser &m_parser;
    const QProcessEnvironment &m_environment;
};

bool readInteger(const SettingsInput &input, const char *flag, int minimum, int maximum,
                 int *target, QString *error)
{
    const Lookup found = input.lookup(flag);
    if (!found.isSet) {
        return true;
    }
    bool ok = false;
    const int value = found.value.trimmed().toInt(&ok);
    if (!ok || value < minimum || value > maximum) {
        *error = QStringLiteral("%1 is \"%2\"; set it to a whole number from %3 to %4")
                         .arg(found.source, found.value.left(40), QString::number(minimum),
                              QString::number(maximum));
        return false;
    }
    *target = value;
    return true;
}

bool readToken(const SettingsInput &input, AgentSettings &settings, bool requireToken,
               QString *error)
{
    Lookup found = input.lookup("token");
    if (!found.isSet || found.value.trimmed().isEmpty()) {
        const Lookup file = input.lookup("token-file");
        if (file.isSet) {
            QFile tokenFile(file.value);
            if (!tokenFile.open(QIODevice::ReadOnly)) {
                *error = QStringLiteral("%1 names \"%2\", which cannot be read: %3")
                                 .arg(file.source, file.value, tokenFile.errorString());
                return false;
            }
            found = { QString::fromUtf8(tokenFile.read(64 * 1024)).trimmed(),
                      file.source + QStringLiteral(" ") + file.value, true };
        }
    }
    if (!found.isSet || found.value.trimmed().isEmpty()) {
        if (!requireToken) {
            return true;
        }
        *error = QStringLiteral("no pool token is set; set SPACELIFT_VCS_AGENT_POOL_TOKEN, "
                                "--token or --token-file to the token printed by "
                                "`vcs-gateway pool create`");
        return false;
    }
    QString tokenError;
    const auto token = PoolToken::decode(found.value, &tokenError);
    if (!token) {
        *error = QStringLiteral("%1 is invalid: %2").arg(found.source, tokenError);
        return false;
    }
    settings.token = *token;
    settings.tokenSource = found.source;
    return true;
}

bool readTarget(const SettingsInput &input, AgentSettings &settings, QString *error)
{
    const Lookup found = input.lookup("target-base-endpoint");
    if (!found.isSet || found.value.trimmed().isEmpty()) {
        *error = QStringLiteral("no target base endpoint is set; set "
                                "SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT or "
                                "--target-base-endpoint to the VCS URL, e.g. "
                                "https://gitlab.corp.example");
        return false;
    }
    const QUrl url(found.value.trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != QStringLiteral("http") && scheme != QStringLiteral("https"))
        || url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty()) {
        *error = QStringLiteral("%1 \"%2\" is not a valid http:// or https:// URL with a host "
                                "and no query, fragment or user info")
                         .arg(found.source, found.value.left(200));
        return false;
    }
    settings.targetBaseEndpoint = url;
    return true;
}

bool readVendorAndProjects(const SettingsInput &input, AgentSettings &settings, QString *error)
{
    const Lookup vendor = input.lookup("vendor");
    if (!vendor.isSet || vendor.value.isEmpty()) {
        *error = QStringLiteral("no vendor is set; set SPACELIFT_VCS_AGENT_VENDOR or --vendor to "
                                "gitlab, bitbucket_datacenter, github_enterprise or azure_devops");
        return false;
    }
    const auto parsed = vendorFromName(vendor.value.trimmed());
    if (!parsed) {
        *error = QStringLiteral("%1 \"%2\" is not a known vendor; use gitlab, "
                                "bitbucket_datacenter, github_enterprise or azure_devops")
                         .arg(vendor.source, vendor.value.left(60));
        return false;
    }
    settings.vendor = *parsed;
    const Lookup projects = input.lookup("allowed-projects");
    if (projects.isSet && !projects.value.isEmpty()) {
        settings.allowedProjects = projects.value;
    }
    return true;
}

bool readDialInsecure(const SettingsInput &input, AgentSettings &settings, QString *error)
{
    const Lookup found = input.lookup("dial-insecure");
    if (!found.isSet) {
        return true;
    }
    const auto value = AgentSettingsReader::parseBoolean(found.value);
    if (!value) {
        *error = QStringLiteral("%1 is \"%2\"; set it to true or false")
                         .arg(found.source, found.value.left(40));
        return false;
    }
    settings.dialInsecure = *value;
    return true;
}

bool readCertificates(const SettingsInput &input, const QProcessEnvironment &environment,
                      AgentSettings &settings, QString *error)
{
    const QString inlineName = QStringLiteral("SPACELIFT_VCS_AGENT_CA_CERT");
    if (environment.contains(inlineName) && !environment.value(inlineName).isEmpty()) {
        const auto decoded = QByteArray::fromBase64Encoding(
                environment.value(inlineName).trimmed().toLatin1(),
                QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || QSslCertificate::fromData(*decoded, QSsl::Pem).isEmpty()) {
            *error = QStringLiteral("%1 is not base64 of a PEM certificate; encode the CA file "
                                    "with `base64 -w0 ca.pem`")
                             .arg(inlineName);
            return false;
        }
        settings.caCertificatesPem += *decoded + '\n';
    }
    const Lookup file = input.lookup("ca-cert-file");
    if (file.isSet) {
        QFile pem(file.value);
        if (!pem.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("%1 names \"%2\", which cannot be read: %3")
                             .arg(file.source, file.value, pem.errorString());
            return false;
        }
        const QByteArray data = pem.readAll();
        if (QSslCertificate::fromData(data, QSsl::Pem).isEmpty()) {
            *error = QStringLiteral("%1 names \"%2\", which holds no PEM certificate")
                             .arg(file.source, file.value);
            return false;
        }
        settings.caCertificatesPem += data;
    }
    return true;
}

bool readTimings(const SettingsInput &input, AgentSettings &settings, QString *error)
{
    const int hour = 3600 * 1000;
    return readInteger(input, "parallelism", AgentSettings::minParallelism,
                       AgentSettings::maxParallelism, &settings.parallelism, error)
            && readInteger(input, "ping-interval", 100, hour, &settings.pingIntervalMs, error)
            && readInteger(input, "ping-timeout", 100, hour, &settings.pingTimeoutMs, error)
            && readInteger(input, "reconnect-min-delay", 10, hour, &settings.reconnectMinDelayMs,
                           error)
            && readInteger(input, "reconnect-max-delay", 10, 24 * hour,
                           &settings.reconnectMaxDelayMs, error)
            && readInteger(input, "drain-timeout", 0, hour, &settings.drainTimeoutMs, error)
            && readInteger(input, "upstream-idle-timeout", 100, 24 * hour,
                           &settings.upstreamIdleTimeoutMs, error);
}

bool readLogFormatAndTags(const SettingsInput &input, const QCommandLineParser &parser,
                          const QProcessEnvironment &environment, AgentSettings &settings,
                          QString *error)
{
    const Lookup format = input.lookup("log-format");
    if (format.isSet) {
        if (format.value == QStringLiteral("json")) {
            settings.logFormat = AccessLog::Format::Json;
        } else if (format.value != QStringLiteral("text")) {
            *error = QStringLiteral("%1 is \"%2\"; use text or json")
                             .arg(format.source, format.value.left(40));
            return false;
        }
    }
    settings.tags = AgentSettingsReader::metadataTags(environment);
    for (const QString &tag : parser.values(QStringLiteral("metadata"))) {
        const qsizetype equals = tag.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            *error = QStringLiteral("--metadata \"%1\" is not NAME=VALUE").arg(tag.left(80));
            return false;
        }
        settings.tags.append({ tag.left(equals), tag.mid(equals + 1) });
    }
    const Lookup health = input.lookup("health-listen");
    if (health.isSet) {
        QHostAddress address;
        quint16 port = 0;
        QString addressError;
        if (!parseListenAddress(health.value, &address, &port, &addressError)) {
            *error = QStringLiteral("%1: %2").arg(health.source, addressError);
            return false;
        }
        settings.healthListen = health.value;
    }
    return true;
}

void addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(
            QStringLiteral("Relays a cloud platform's API calls to an internal VCS through "
                           "outbound WebSocket streams, letting through only allowlisted "
                           "requests.\n\nSubcommand: check [options] METHOD TARGET "
                           "(dry run of the request filter; see `vcs-agent check --help`)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("no-gui"),
                       QStringLiteral("Run as a service: no tray, no window, no display.") });
    parser.addOption({ QStringLiteral("inspect"),
                       QStringLiteral("Open an access-log file (JSON lines) for inspection."),
                       QStringLiteral("FILE") });
    for (const OptionSpec &spec : optionSpecs) {
        QString help = QString::fromLatin1(spec.help);
        if (spec.environmentName[0] != '\0') {
            help += QStringLiteral(" [%1]").arg(QString::fromLatin1(spec.environmentName));
        }
        if (spec.valueName[0] != '\0') {
            parser.addOption({ QString::fromLatin1(spec.flag), help,
                               QString::fromLatin1(spec.valueName) });
        } else {
            parser.addOption({ QString::fromLatin1(spec.flag), help });
        }
    }
}

} // namespace

namespace AgentSettingsReader {

std::optional<bool> parseBoolean(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value.isEmpty() || value == QStringLiteral("false") || value == QStringLiteral("0")
        || value == QStringLiteral("no") || value == QStringLiteral("off")) {
        return false;
    }
    if (value == QStringLiteral("true") || value == QStringLiteral("1")
        || value == QStringLiteral("yes") || value == QStringLiteral("on")) {
        return true;
    }
    return std::nullopt;
}

QList<QPair<QString, QString>> metadataTags(const QProcessEnvironment &environment)
{
    const QString prefix = QStringLiteral("SPACELIFT_METADATA_");
    QList<QPair<QString, QString>> tags;
    const QStringList keys = environment.keys();
    for (const QString &key : keys) {
        if (key.startsWith(prefix) && key.size() > prefix.size()) {
            tags.append({ key.mid(prefix.size()), environment.value(key) });
        }
    }
    std::sort(tags.begin(), tags.end());
    return tags;
}

AgentSettingsResult read(const QStringList &arguments, const QProcessEnvironment &environment,
                         bool requireToken)
{
    AgentSettingsResult result;
    QCommandLineParser parser;
    addOptions(parser);
    result.helpText = parser.helpText();
    if (!parser.parse(arguments)) {
        result.error = parser.errorText() + QStringLiteral("; run vcs-agent --help for the options");
        return result;
    }
    result.helpRequested = parser.isSet(QStringLiteral("help"));
    result.versionRequested = parser.isSet(QStringLiteral("version"));
    result.noGui = parser.isSet(QStringLiteral("no-gui"));
    result.inspectFile = parser.value(QStringLiteral("inspect"));
    if (!parser.positionalArguments().isEmpty()) {
        result.error = QStringLiteral("unexpected argument \"%1\"; run vcs-agent --help for the "
                                      "options")
                               .arg(parser.positionalArguments().first());
        return result;
    }
    if (result.helpRequested || result.versionRequested) {
        return result;
    }
    const SettingsInput input(parser, environment);
    AgentSettings settings;
    QString error;
    const bool ok = readToken(input, settings, requireToken, &error)
            && readTarget(input, settings, &error)
            && readVendorAndProjects(input, settings, &error)
            && readDialInsecure(input, settings, &error)
            && readCertificates(input, environment, settings, &error)
            && readTimings(input, settings, &error)
            && readLogFormatAndTags(input, parser, environment, settings, &error);
    if (!ok) {
        result.error = error;
        return result;
    }
    if (!settings.tokenSource.isEmpty() && settings.token.gatewayUrl.scheme() == QStringLiteral("ws")
        && !settings.dialInsecure) {
        result.error = QStringLiteral("the pool token's gateway URL uses plain ws://; use a "
                                      "wss:// gateway, or set SPACELIFT_VCS_AGENT_DIAL_INSECURE="
                                      "true (--dial-insecure) to allow an unencrypted tunnel");
        return result;
    }
    const auto proxy = ProxySettings::fromEnvironment(environment, &error);
    if (!proxy) {
        result.error = error;
        return result;
    }
    settings.proxy = *proxy;
    if (settings.reconnectMinDelayMs > settings.reconnectMaxDelayMs) {
        settings.reconnectMinDelayMs = settings.reconnectMaxDelayMs;
    }
    result.settings = settings;
    return result;
}

QString summary(const AgentSettings &settings, const RequestFilter &filter)
{
    QStringList tags;
    for (const auto &tag : settings.tags) {
        tags.append(tag.first + QLatin1Char('=') + tag.second);
    }
    return QStringLiteral("policy: vendor %1, target %2, %3 allowlist rules, allowed projects "
                          "%4, parallelism %5, gateway %6 (token from %7), tags [%8], %9")
            .arg(vendorName(settings.vendor),
                 settings.targetBaseEndpoint.toString(QUrl::RemoveUserInfo),
                 QString::number(filter.ruleCount()), filter.anchoredPattern(),
                 QString::number(settings.parallelism),
                 settings.token.gatewayUrl.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery),
                 settings.tokenSource, tags.join(QStringLiteral(", ")), settings.proxy.summary());
}

} // namespace AgentSettingsReader
