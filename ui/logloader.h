#pragma once

#include "log/accessrecord.h"

#include <QList>
#include <QObject>
#include <atomic>

// Reads an access-log file of JSON lines (as `vcs-agent --log-format json` writes it) on a
// worker thread and hands the records over in batches. Malformed lines are counted and reported
// with their line numbers; they never stop the loading.
class LogLoader final : public QObject
{
    Q_OBJECT

public:
    static constexpr int batchSize = 2000;
    // Longest line read; a longer one is reported as malformed and skipped.
    static constexpr qint64 maxLineLength = 1024 * 1024;

    explicit LogLoader(const QString &fileName, QObject *parent = nullptr);

    // Reads the whole file; runs on the worker thread.
    void run();
    // Asks run() to stop after the current line; safe from any thread.
    void cancel();

Q_SIGNALS:
    void batchLoaded(const QList<AccessRecord> &records);
    void progressed(qint64 bytesRead, qint64 totalBytes);
    void malformedLine(qint64 lineNumber, const QString &error);
    // `error` is set when the file could not be opened or read.
    void finished(qint64 recordCount, qint64 malformedCount, const QString &error);

private:
    QString m_fileName;
    std::atomic_bool m_cancelled{ false };
};
