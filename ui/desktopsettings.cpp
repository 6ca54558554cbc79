#include "desktopsettings.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

namespace {

const QString configDirVariable = QStringLiteral("VCS_AGENT_CONFIG_DIR");

// The stored settings with the flag and the variable that override each of them.
struct OverridableSetting
{
    const char *flag;
    const char *variable;
};

const OverridableSetting overridableSettings[] = {
    { "--target-base-endpoint", "SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT" },
    { "--vendor", "SPACELIFT_VCS_AGENT_VENDOR" },
    { "--allowed-projects", "SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS" },
    { "--parallelism", "SPACELIFT_VCS_AGENT_PARALLELISM" },
    { "--dial-insecure", "SPACELIFT_VCS_AGENT_DIAL_INSECURE" },
    { "--ca-cert-file", "VCS_AGENT_CA_CERT_FILE" },
};

void insertUnlessSet(QProcessEnvironment &environment, const QString &name, const QString &value)
{
    if (!environment.contains(name) && !value.isEmpty()) {
        environment.insert(name, value);
    }
}

} // namespace

bool StoredAgentConfig::operator==(const StoredAgentConfig &other) const
{
    return targetBaseEndpoint == other.targetBaseEndpoint && vendor == other.vendor
            && allowedProjects == other.allowedProjects && parallelism == other.parallelism
            && metadataTags == other.metadataTags && dialInsecure == other.dialInsecure
            && caCertificateFile == other.caCertificateFile;
}

DesktopSettings::DesktopSettings(const QString &directory)
{
    const QString folder = directory.isEmpty() ? configDirectory() : directory;
    QDir().mkpath(folder);
    m_settings = std::make_unique<QSettings>(folder + QStringLiteral("/vcs-agent.ini"),
                                             QSettings::IniFormat);
}

DesktopSettings::~DesktopSettings() = default;

QString DesktopSettings::configDirectory()
{
    const QString overridden = qEnvironmentVariable(qPrintable(configDirVariable));
    if (!overridden.isEmpty()) {
        return overridden;
    }
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
}

QString DesktopSettings::fileName() const
{
    return m_settings->fileName();
}

QVariant DesktopSettings::valueOf(const QString &name, const QVariant &defaultValue) const
{
    const QVariant stored = m_settings->value(name);
    if (!stored.isValid() || !stored.canConvert(defaultValue.metaType())) {
        return defaultValue;
    }
    QVariant converted = stored;
    converted.convert(defaultValue.metaType());
    return converted;
}

void DesktopSettings::setValueOf(const QString &name, const QVariant &value)
{
    m_settings->setValue(name, value);
}

StoredAgentConfig DesktopSettings::agentConfig() const
{
    StoredAgentConfig config;
    config.targetBaseEndpoint = value(SettingKeys::targetBaseEndpoint);
    config.vendor = value(SettingKeys::vendor);
    config.allowedProjects = value(SettingKeys::allowedProjects);
    config.parallelism = value(SettingKeys::parallelism);
    config.metadataTags = value(SettingKeys::metadataTags);
    config.dialInsecure = value(SettingKeys::dialInsecure);
    config.caCertificateFile = value(SettingKeys::caCertificateFile);
    return config;
}

void DesktopSettings::setAgentConfig(const StoredAgentConfig &config)
{
    setValue(SettingKeys::targetBaseEndpoint, config.targetBaseEndpoint);
    setValue(SettingKeys::vendor, config.vendor);
    setValue(SettingKeys::allowedProjects, config.allowedProjects);
    setValue(SettingKeys::parallelism, config.parallelism);
    setValue(SettingKeys::metadataTags, config.metadataTags);
    setValue(SettingKeys::dialInsecure, config.dialInsecure);
    setValue(SettingKeys::caCertificateFile, config.caCertificateFile);
    m_settings->sync();
}

void DesktopSettings::sync()
{
    m_settings->sync();
}

namespace DesktopConfig {

QProcessEnvironment environmentWithStored(const StoredAgentConfig &config,
                                          const QProcessEnvironment &environment)
{
    QProcessEnvironment result = environment;
    insertUnlessSet(result, QStringLiteral("SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT"),
                    config.targetBaseEndpoint);
    insertUnlessSet(result, QStringLiteral("SPACELIFT_VCS_AGENT_VENDOR"), config.vendor);
    insertUnlessSet(result, QStringLiteral("SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS"),
                    config.allowedProjects);
    insertUnlessSet(result, QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM"),
                    QString::number(config.parallelism));
    insertUnlessSet(result, QStringLiteral("SPACELIFT_VCS_AGENT_DIAL_INSECURE"),
                    config.dialInsecure ? QStringLiteral("true") : QStringLiteral("false"));
    insertUnlessSet(result, QStringLiteral("VCS_AGENT_CA_CERT_FILE"), config.caCertificateFile);
    for (const QString &tag : config.metadataTags) {
        const qsizetype equals = tag.indexOf(QLatin1Char('='));
        if (equals > 0) {
            insertUnlessSet(result, QStringLiteral("SPACELIFT_METADATA_") + tag.left(equals),
                            tag.mid(equals + 1));
        }
    }
    return result;
}

QStringList overriddenSettings(const QStringList &arguments,
                               const QProcessEnvironment &environment)
{
    QStringList result;
    for (const OverridableSetting &setting : overridableSettings) {
        const QString flag = QString::fromLatin1(setting.flag);
        const QString variable = QString::fromLatin1(setting.variable);
        const bool flagGiven = std::any_of(arguments.begin(), arguments.end(),
                                           [&flag](const QString &argument) {
                                               return argument == flag
                                                       || argument.startsWith(flag + QLatin1Char('='));
                                           });
        if (flagGiven) {
            result.append(flag);
        } else if (environment.contains(variable)) {
            result.append(variable);
        }
    }
    return result;
}

} // namespace DesktopConfig
