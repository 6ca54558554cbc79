#pragma once

#include <QHostAddress>
#include <QString>

// Parses a listen address: "PORT" (on 127.0.0.1), "HOST:PORT" with an IPv4 address or
// "localhost", or "[IPV6]:PORT". Returns false and sets `error` to a sentence naming `text` when
// it matches none of these. Port 0 picks a free port.
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error);
