#pragma once

#include "common/pooltoken.h"
#include "common/proxysettings.h"
#include "filter/requestfilter.h"
#include "log/accesslog.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <optional>

// Every setting of the agent, resolved from command-line flags, then environment variables
// (the SPACELIFT_VCS_AGENT_* names of the product it replaces), then defaults.
struct AgentSettings
{
    static constexpr int minParallelism = 1;
    static constexpr int maxParallelism = 256;

    PoolToken token;
    QString tokenSource; // where the token came from, for the startup summary; never the token
    QUrl targetBaseEndpoint;
    Vendor vendor = Vendor::GitLab;
    QString allowedProjects = QStringLiteral(".*");
    int parallelism = 4;
    bool dialInsecure = false;
    QByteArray caCertificatesPem; // extra trusted CAs for the gateway and the VCS connection
    QList<QPair<QString, QString>> tags;
    AccessLog::Format logFormat = AccessLog::Format::Text;
    ProxySettings proxy;

    int pingIntervalMs = 15000;
    int pingTimeoutMs = 10000;
    int reconnectMinDelayMs = 500;
    int reconnectMaxDelayMs = 60000;
    int drainTimeoutMs = 30000;
    int upstreamIdleTimeoutMs = 60000;
    int upstreamConnectTimeoutMs = 15000;
    QString healthListen; // ADDR:PORT of the health and metrics listener, empty for none
};

// The outcome of reading the command line and environment.
struct AgentSettingsResult
{
    std::optional<AgentSettings> settings;
    QString error; // one sentence naming the value and the fix, when settings is empty
    bool helpRequested = false;
    bool versionRequested = false;
    bool noGui = false;
    QString inspectFile;
    QString helpText;
};

namespace AgentSettingsReader {

// Reads `arguments` (argv, the program name first) and `environment`. Flags take precedence
// over environment variables, which take precedence over defaults. `requireToken` is false in
// desktop mode, where the token may come from the keychain later.
AgentSettingsResult read(const QStringList &arguments, const QProcessEnvironment &environment,
                         bool requireToken = true);

// Parses a boolean setting: true/false, 1/0, yes/no, on/off in any case; empty is false.
std::optional<bool> parseBoolean(const QString &text);

// Metadata tags from SPACELIFT_METADATA_<name>=<value> variables, sorted by name.
QList<QPair<QString, QString>> metadataTags(const QProcessEnvironment &environment);

// A multi-line description of the effective policy for the startup log; never the token.
QString summary(const AgentSettings &settings, const RequestFilter &filter);

} // namespace AgentSettingsReader
