#pragma once

#include <functional>

// Runs `run` (the headless agent's event loop, returning its exit code) as the Windows service
// "vcs-agent" under the service control manager. `requestStop` is called on the manager's
// thread when a stop or shutdown arrives and must only post the request to the event loop.
// Returns the exit code of `run`, or -1 without calling it when the process was not started by
// the service control manager.
int runWindowsService(const std::function<int()> &run, const std::function<void()> &requestStop);
