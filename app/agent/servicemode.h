#pragma once

class QCoreApplication;
#include <QStringList>

// Exit statuses of vcs-agent.
enum AgentExitCode {
    ExitOk = 0,
    ExitFailure = 1,
    ExitBadSettings = 2,
    ExitTokenRejected = 3,
};

// Runs the agent headless until SIGINT or SIGTERM; touches no widget and needs no display.
int runServiceMode(QCoreApplication &app, const QStringList &arguments);
