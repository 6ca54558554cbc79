#include "closesocket.h"

#include <QPointer>
#include <QTimer>
#include <QWebSocket>

namespace Tunnel {

namespace {

constexpr int closeHandshakeTimeoutMs = 2000;

} // namespace

void closeSocket(QWebSocket *socket, CloseCode code, const QString &reason)
{
    if (!socket) {
        return;
    }
    socket->close(QWebSocketProtocol::CloseCode(quint16(code)), reason.left(120));
    QPointer<QWebSocket> guarded = socket;
    QTimer::singleShot(closeHandshakeTimeoutMs, socket, [guarded] {
        if (guarded) {
            guarded->abort();
        }
    });
}

} // namespace Tunnel
