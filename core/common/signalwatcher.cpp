#include "signalwatcher.h"

#include <QSocketNotifier>

#ifdef Q_OS_UNIX
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalPipe[2] = { -1, -1 };

void handleSignal(int signalNumber)
{
    const char byte = char(signalNumber);
    // write() is async-signal-safe; a full pipe only drops a repeated signal.
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0) {
        return;
    }
    ::fcntl(signalPipe[1], F_SETFL, O_NONBLOCK);
    m_notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::handleActivated);
    struct sigaction action = {};
    action.sa_handler = handleSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

SignalWatcher::~SignalWatcher()
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

void SignalWatcher::requestTermination()
{
    handleSignal(SIGTERM);
}

void SignalWatcher::handleActivated()
{
    char byte = 0;
    if (::read(signalPipe[0], &byte, 1) == 1) {
        Q_EMIT terminationRequested(int(byte), ++m_count);
    }
}

#else
#include <QCoreApplication>
#include <windows.h>

namespace {

SignalWatcher *activeWatcher = nullptr;

BOOL WINAPI handleConsoleEvent(DWORD event)
{
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT || event == CTRL_CLOSE_EVENT
        || event == CTRL_SHUTDOWN_EVENT) {
        if (activeWatcher) {
            QMetaObject::invokeMethod(activeWatcher, "handleActivated", Qt::QueuedConnection);
        }
        return TRUE;
    }
    return FALSE;
}

} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    activeWatcher = this;
    SetConsoleCtrlHandler(handleConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher()
{
    SetConsoleCtrlHandler(handleConsoleEvent, FALSE);
    activeWatcher = nullptr;
}

void SignalWatcher::requestTermination()
{
    handleConsoleEvent(CTRL_SHUTDOWN_EVENT);
}

void SignalWatcher::handleActivated()
{
    Q_EMIT terminationRequested(15, ++m_count);
}
#endif
