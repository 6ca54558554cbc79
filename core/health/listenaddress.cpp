#include "listenaddress.h"

namespace {

bool parsePort(const QString &text, quint16 *port)
{
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value > 65535) {
        return false;
    }
    *port = quint16(value);
    return true;
}

} // namespace

bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error)
{
    const QString invalid = QStringLiteral("listen address \"%1\" is invalid; use PORT, "
                                           "ADDRESS:PORT or [IPV6]:PORT, for example "
                                           "127.0.0.1:9101")
                                    .arg(text.left(80));
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0) {
        if (!parsePort(text, port)) {
            *error = invalid;
            return false;
        }
        *address = QHostAddress(QHostAddress::LocalHost);
        return true;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) {
        host = host.mid(1, host.size() - 2);
    } else if (host.contains(QLatin1Char(':'))) {
        // A bare IPv6 address is ambiguous: its last group could be the port.
        *error = invalid;
        return false;
    }
    if (host.isEmpty() || !parsePort(text.mid(colon + 1), port)) {
        *error = invalid;
        return false;
    }
    if (host == QStringLiteral("localhost")) {
        *address = QHostAddress(QHostAddress::LocalHost);
        return true;
    }
    if (!address->setAddress(host)) {
        *error = invalid;
        return false;
    }
    return true;
}
