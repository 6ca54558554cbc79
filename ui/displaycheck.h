#pragma once

#include <QProcessEnvironment>
#include <QStringList>

// Decides, before any QGuiApplication exists, whether the desktop mode can open a window.
namespace DisplayCheck {

// True on Windows and macOS; elsewhere true when DISPLAY or WAYLAND_DISPLAY is set, or when the
// platform plugin chosen by QT_QPA_PLATFORM or -platform needs no display server (offscreen,
// minimal, vnc, eglfs, linuxfb).
bool hasDisplay(const QProcessEnvironment &environment, const QStringList &arguments);

} // namespace DisplayCheck
