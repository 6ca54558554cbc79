#pragma once

#include "message.h"

#include <QString>

class QWebSocket;

namespace Tunnel {

// Starts the WebSocket close handshake with `code` and `reason` (cut to the 123 bytes a close
// frame can carry), and aborts the connection if the peer has not completed the handshake
// within two seconds.
void closeSocket(QWebSocket *socket, CloseCode code, const QString &reason);

} // namespace Tunnel
