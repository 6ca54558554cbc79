#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <memory>

class QSettings;

// A settings key with its type and default value.
template<typename T>
struct SettingKey
{
    QString name;
    T defaultValue;
};

// The typed registry of every key the desktop agent keeps in its INI file. The pool token is not
// among them: it lives in the OS keychain only.
namespace SettingKeys {

inline const SettingKey<QString> targetBaseEndpoint{ QStringLiteral("agent/target_base_endpoint"),
                                                     QString() };
inline const SettingKey<QString> vendor{ QStringLiteral("agent/vendor"), QStringLiteral("gitlab") };
inline const SettingKey<QString> allowedProjects{ QStringLiteral("agent/allowed_projects"),
                                                  QStringLiteral(".*") };
inline const SettingKey<int> parallelism{ QStringLiteral("agent/parallelism"), 4 };
inline const SettingKey<QStringList> metadataTags{ QStringLiteral("agent/metadata_tags"), {} };
inline const SettingKey<bool> dialInsecure{ QStringLiteral("agent/dial_insecure"), false };
inline const SettingKey<QString> caCertificateFile{ QStringLiteral("agent/ca_cert_file"),
                                                    QString() };
inline const SettingKey<QByteArray> mainWindowGeometry{ QStringLiteral("window/main_geometry"),
                                                        {} };
inline const SettingKey<QByteArray> accessLogHeader{ QStringLiteral("window/access_log_header"),
                                                     {} };
inline const SettingKey<QByteArray> connectionsHeader{ QStringLiteral("window/connections_header"),
                                                       {} };
inline const SettingKey<QByteArray> inspectionHeader{ QStringLiteral("window/inspection_header"),
                                                      {} };

} // namespace SettingKeys

// The agent settings an administrator edits on the Configuration tab.
struct StoredAgentConfig
{
    QString targetBaseEndpoint;
    QString vendor = QStringLiteral("gitlab");
    QString allowedProjects = QStringLiteral(".*");
    int parallelism = 4;
    QStringList metadataTags; // NAME=VALUE
    bool dialInsecure = false;
    QString caCertificateFile;

    bool operator==(const StoredAgentConfig &other) const;
};

Q_DECLARE_METATYPE(StoredAgentConfig)

// The desktop agent's INI file in the standard config location, or in VCS_AGENT_CONFIG_DIR.
class DesktopSettings final
{
public:
    // Opens `directory`/vcs-agent.ini, or the file in configDirectory() when `directory` is empty.
    explicit DesktopSettings(const QString &directory = QString());
    ~DesktopSettings();

    // VCS_AGENT_CONFIG_DIR when set, else the platform's per-user config folder for vcs-agent.
    static QString configDirectory();

    QString fileName() const;

    template<typename T>
    T value(const SettingKey<T> &key) const
    {
        return valueOf(key.name, QVariant::fromValue(key.defaultValue)).template value<T>();
    }

    template<typename T>
    void setValue(const SettingKey<T> &key, const T &value)
    {
        setValueOf(key.name, QVariant::fromValue(value));
    }

    StoredAgentConfig agentConfig() const;
    void setAgentConfig(const StoredAgentConfig &config);
    void sync();

private:
    QVariant valueOf(const QString &name, const QVariant &defaultValue) const;
    void setValueOf(const QString &name, const QVariant &value);

    std::unique_ptr<QSettings> m_settings;
};

namespace DesktopConfig {

// Environment for AgentSettingsReader in which each stored setting fills the variable the
// service reads, unless `environment` sets it already. Flags and the real environment thus keep
// their precedence over the stored settings.
QProcessEnvironment environmentWithStored(const StoredAgentConfig &config,
                                          const QProcessEnvironment &environment);

// Settings that a command-line flag or an environment variable overrides, as the flag or
// variable name, so the window can say why an edit has no effect.
QStringList overriddenSettings(const QStringList &arguments,
                               const QProcessEnvironment &environment);

} // namespace DesktopConfig
