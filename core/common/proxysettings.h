#pragma once

#include <QNetworkProxy>
#include <QProcessEnvironment>
#include <QString>
#include <optional>

// The proxy settings of the environment: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, upper or lower
// case, the upper-case name first when both are set. Qt's own system proxy factory reads only
// the lower-case names and matches NO_PROXY entries as suffixes, so the agent reads them itself.
class ProxySettings
{
public:
    // Reads the variables. Returns nothing and sets `error` when a proxy URL is malformed or
    // uses a scheme other than http (an https:// proxy is not supported by Qt's HTTP proxy).
    static std::optional<ProxySettings> fromEnvironment(const QProcessEnvironment &environment,
                                                        QString *error);

    // The proxy for a connection to `host` with TLS (`secure`) or without; NoProxy when none
    // is set or NO_PROXY matches the host.
    QNetworkProxy proxyFor(const QString &host, bool secure) const;

    // Whether NO_PROXY exempts `host`: `*`, exact names, `.suffix` or `suffix` domain entries
    // (matching the domain and its subdomains only at a dot), IP addresses and CIDR ranges.
    bool bypasses(const QString &host) const;

    QString summary() const;

private:
    std::optional<QNetworkProxy> m_httpsProxy;
    std::optional<QNetworkProxy> m_httpProxy;
    QStringList m_noProxy;
};
