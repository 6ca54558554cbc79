#pragma once

#include <QIcon>

// Icons rendered from the SVG files in resources/icons at every common size, so they stay sharp
// at 100 % to 200 % scaling without the SVG icon engine plugin.
namespace Icons {

enum class TrayState { AllConnected, SomeConnected, NoneConnected, Stopped };

QIcon appIcon();
QIcon trayIcon(TrayState state);
// Renders the SVG resource at `path` into an icon.
QIcon fromSvg(const QString &path);

} // namespace Icons
