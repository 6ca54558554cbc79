#pragma once

// Runs the desktop agent: tray icon, main window and the same AgentService as --no-gui, or the
// log inspection window alone for --inspect FILE. Without a display it prints one line to
// stderr and returns 1 before any QApplication exists.
int runDesktopMode(int argc, char *argv[]);
