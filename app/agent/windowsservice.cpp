#include "windowsservice.h"

#include <windows.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

wchar_t serviceName[] = L"vcs-agent";

// The agent drains for up to VCS_AGENT_DRAIN_TIMEOUT_MS (30 s by default) on stop.
constexpr DWORD stopWaitHintMs = 45000;

// State shared by the main thread, which runs the agent, and the dispatcher's threads.
struct ServiceState
{
    std::mutex mutex;
    std::condition_variable changed;
    SERVICE_STATUS_HANDLE handle = nullptr;
    SERVICE_STATUS status {};
    bool started = false;  // ServiceMain registered its handler
    bool finished = false; // the agent's event loop returned
    std::function<void()> requestStop;
};

ServiceState *state = nullptr;

void setStatus(DWORD currentState, DWORD exitCode = 0, DWORD waitHintMs = 0)
{
    std::lock_guard<std::mutex> lock(state->mutex);
    state->status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    state->status.dwCurrentState = currentState;
    state->status.dwControlsAccepted = currentState == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
            : 0;
    // A service-specific exit code makes the manager run the recovery (restart) actions.
    state->status.dwWin32ExitCode = exitCode == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
    state->status.dwServiceSpecificExitCode = exitCode;
    state->status.dwWaitHint = waitHintMs;
    ++state->status.dwCheckPoint;
    if (state->handle) {
        SetServiceStatus(state->handle, &state->status);
    }
}

DWORD WINAPI handleControl(DWORD control, DWORD, LPVOID, LPVOID)
{
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        setStatus(SERVICE_STOP_PENDING, 0, stopWaitHintMs);
        state->requestStop();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

void WINAPI serviceMain(DWORD, LPWSTR *)
{
    SERVICE_STATUS_HANDLE handle = RegisterServiceCtrlHandlerExW(serviceName, handleControl,
                                                                 nullptr);
    std::unique_lock<std::mutex> lock(state->mutex);
    state->handle = handle;
    state->started = true;
    state->changed.notify_all();

    // The agent runs on the process's main thread; this thread returns once it has finished,
    // after the main thread has reported SERVICE_STOPPED.
    state->changed.wait(lock, [] { return state->finished; });
}

} // namespace

int runWindowsService(const std::function<int()> &run, const std::function<void()> &requestStop)
{
    ServiceState serviceState;
    serviceState.requestStop = requestStop;
    state = &serviceState;

    // StartServiceCtrlDispatcherW blocks until every service of the process has stopped, so it
    // runs on its own thread while the main thread runs the agent's event loop.
    bool dispatcherFailed = false;
    std::thread dispatcher([&dispatcherFailed] {
        SERVICE_TABLE_ENTRYW table[] = { { serviceName, serviceMain }, { nullptr, nullptr } };
        if (!StartServiceCtrlDispatcherW(table)) {
            std::lock_guard<std::mutex> lock(state->mutex);
            dispatcherFailed = true;
            state->changed.notify_all();
        }
    });

    {
        std::unique_lock<std::mutex> lock(serviceState.mutex);
        serviceState.changed.wait(lock, [&] { return serviceState.started || dispatcherFailed; });
    }
    if (!serviceState.started || !serviceState.handle) {
        {
            std::lock_guard<std::mutex> lock(serviceState.mutex);
            serviceState.finished = true;
            serviceState.changed.notify_all();
        }
        dispatcher.join();
        state = nullptr;
        return -1;
    }

    // Windows has no readiness beyond "running", and the agent keeps retrying an unreachable
    // gateway, so it counts as running as soon as its event loop starts.
    setStatus(SERVICE_RUNNING);
    const int exitCode = run();
    setStatus(SERVICE_STOPPED, DWORD(exitCode));

    {
        std::lock_guard<std::mutex> lock(serviceState.mutex);
        serviceState.finished = true;
        serviceState.changed.notify_all();
    }
    dispatcher.join();
    state = nullptr;
    return exitCode;
}
