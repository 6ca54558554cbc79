#pragma once

#include <QObject>

class QSocketNotifier;

// Turns SIGINT and SIGTERM (console control events on Windows) into a Qt signal delivered in
// the event loop, so shutdown runs as ordinary code instead of inside a signal handler.
class SignalWatcher final : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Delivers terminationRequested() as if SIGTERM had arrived. Safe to call from any thread,
    // such as the Windows service manager's control handler.
    static void requestTermination();

Q_SIGNALS:
    // `count` is 1 for the first signal, 2 for the second and so on.
    void terminationRequested(int signalNumber, int count);

private:
    Q_INVOKABLE void handleActivated();

    QSocketNotifier *m_notifier = nullptr;
    int m_count = 0;
};
