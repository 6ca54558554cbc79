#include "icons.h"

#include <QPainter>
#include <QPixmap>
#include <QSvgRenderer>

namespace Icons {

QIcon fromSvg(const QString &path)
{
    QSvgRenderer renderer(path);
    QIcon icon;
    if (!renderer.isValid()) {
        return icon;
    }
    static const int sizes[] = { 16, 20, 22, 24, 32, 40, 44, 48, 64, 96, 128, 256 };
    for (int size : sizes) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        renderer.render(&painter);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

QIcon appIcon()
{
    return fromSvg(QStringLiteral(":/icons/app.svg"));
}

QIcon trayIcon(TrayState state)
{
    switch (state) {
    case TrayState::AllConnected:
        return fromSvg(QStringLiteral(":/icons/tray-all.svg"));
    case TrayState::SomeConnected:
        return fromSvg(QStringLiteral(":/icons/tray-some.svg"));
    case TrayState::NoneConnected:
        return fromSvg(QStringLiteral(":/icons/tray-none.svg"));
    case TrayState::Stopped:
        return fromSvg(QStringLiteral(":/icons/tray-stopped.svg"));
    }
    return {};
}

} // namespace Icons
