#include "proxysettings.h"

#include <QHostAddress>
#include <QUrl>

namespace {

QString variable(const QProcessEnvironment &environment, const QString &upperName)
{
    const QString upper = environment.value(upperName);
    if (!upper.isEmpty()) {
        return upper;
    }
    return environment.value(upperName.toLower());
}

std::optional<QNetworkProxy> parseProxy(const QString &name, const QString &text, QString *error)
{
    if (text.isEmpty()) {
        return std::nullopt;
    }
    QString withScheme = text;
    if (!text.contains(QStringLiteral("://"))) {
        withScheme = QStringLiteral("http://") + text;
    }
    const QUrl url(withScheme, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("%1 \"%2\" is not a valid proxy URL; use http://HOST:PORT")
                         .arg(name, url.toDisplayString(QUrl::RemoveUserInfo));
        return std::nullopt;
    }
    if (url.scheme() != QStringLiteral("http")) {
        *error = QStringLiteral("%1 uses the scheme \"%2\", which is not supported; use an "
                                "http:// proxy URL (TLS to the destination still goes through "
                                "it end to end)")
                         .arg(name, url.scheme());
        return std::nullopt;
    }
    QNetworkProxy proxy(QNetworkProxy::HttpProxy, url.host(), quint16(url.port(1080)));
    proxy.setUser(url.userName(QUrl::FullyDecoded));
    proxy.setPassword(url.password(QUrl::FullyDecoded));
    return proxy;
}

// The IP address of a NO_PROXY entry such as 10.0.0.1, 10.0.0.1:8080, ::1, [::1] or [::1]:8080,
// or a null address when the entry is a name.
QHostAddress entryAddress(const QString &entry)
{
    if (entry.startsWith(QLatin1Char('['))) {
        const qsizetype close = entry.indexOf(QLatin1Char(']'));
        return close > 0 ? QHostAddress(entry.mid(1, close - 1)) : QHostAddress();
    }
    const QHostAddress address(entry);
    if (!address.isNull() || entry.count(QLatin1Char(':')) != 1) {
        return address;
    }
    return QHostAddress(entry.left(entry.indexOf(QLatin1Char(':'))));
}

} // namespace

std::optional<ProxySettings> ProxySettings::fromEnvironment(const QProcessEnvironment &environment,
                                                            QString *error)
{
    ProxySettings settings;
    QString parseError;
    settings.m_httpsProxy = parseProxy(QStringLiteral("HTTPS_PROXY"),
                                       variable(environment, QStringLiteral("HTTPS_PROXY")),
                                       &parseError);
    if (!parseError.isEmpty()) {
        *error = parseError;
        return std::nullopt;
    }
    settings.m_httpProxy = parseProxy(QStringLiteral("HTTP_PROXY"),
                                      variable(environment, QStringLiteral("HTTP_PROXY")),
                                      &parseError);
    if (!parseError.isEmpty()) {
        *error = parseError;
        return std::nullopt;
    }
    const QString noProxy = variable(environment, QStringLiteral("NO_PROXY"));
    for (const QString &entry : noProxy.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString trimmed = entry.trimmed().toLower();
        if (trimmed.contains(QLatin1Char('/'))
            && QHostAddress::parseSubnet(trimmed).first.isNull()) {
            *error = QStringLiteral("NO_PROXY entry \"%1\" is not a valid CIDR range").arg(trimmed);
            return std::nullopt;
        }
        if (!trimmed.isEmpty()) {
            settings.m_noProxy.append(trimmed);
        }
    }
    return settings;
}

bool ProxySettings::bypasses(const QString &host) const
{
    const QString name = host.toLower();
    const QHostAddress address(name);
    for (QString entry : m_noProxy) {
        if (entry == QStringLiteral("*")) {
            return true;
        }
        if (entry.contains(QLatin1Char('/'))) {
            if (!address.isNull() && address.isInSubnet(QHostAddress::parseSubnet(entry))) {
                return true;
            }
            continue;
        }
        // An address matches in any notation, so 2001:db8::1 matches 2001:db8:0:0:0:0:0:1.
        const QHostAddress entryIp = entryAddress(entry);
        if (!entryIp.isNull()) {
            if (!address.isNull() && address.isEqual(entryIp)) {
                return true;
            }
            continue;
        }

        // A port suffix (host:port) limits nothing here: the entry applies to every port.
        const qsizetype colon = entry.lastIndexOf(QLatin1Char(':'));
        if (colon > 0 && !entry.contains(QLatin1String("::"))) {
            entry.truncate(colon);
        }
        if (entry.startsWith(QLatin1Char('.'))) {
            entry.remove(0, 1);
        }
        if (name == entry || name.endsWith(QLatin1Char('.') + entry)) {
            return true;
        }
    }
    return false;
}

QNetworkProxy ProxySettings::proxyFor(const QString &host, bool secure) const
{
    const std::optional<QNetworkProxy> &proxy = secure ? m_httpsProxy : m_httpProxy;
    if (!proxy || bypasses(host)) {
        return QNetworkProxy(QNetworkProxy::NoProxy);
    }
    return *proxy;
}

QString ProxySettings::summary() const
{
    const auto describe = [](const std::optional<QNetworkProxy> &proxy) {
        return proxy ? QStringLiteral("%1:%2").arg(proxy->hostName()).arg(proxy->port())
                     : QStringLiteral("none");
    };
    return QStringLiteral("https proxy %1, http proxy %2, no proxy for [%3]")
            .arg(describe(m_httpsProxy), describe(m_httpProxy),
                 m_noProxy.join(QStringLiteral(", ")));
}
