#include "logloader.h"

#include "uilogging.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

LogLoader::LogLoader(const QString &fileName, QObject *parent)
    : QObject(parent)
    , m_fileName(fileName)
{
    qRegisterMetaType<QList<AccessRecord>>();
}

void LogLoader::cancel()
{
    m_cancelled = true;
}

void LogLoader::run()
{
    QFile file(m_fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        Q_EMIT finished(0, 0, file.errorString());
        return;
    }
    const qint64 total = file.size();
    qint64 lineNumber = 0;
    qint64 recordCount = 0;
    qint64 malformedCount = 0;
    qint64 lastProgress = -1;
    QList<AccessRecord> batch;
    batch.reserve(batchSize);

    while (!file.atEnd() && !m_cancelled) {
        QByteArray line = file.readLine(maxLineLength);
        ++lineNumber;
        const bool complete = line.endsWith('\n') || file.atEnd();
        if (!complete) {
            // Skips the rest of an overlong line.
            while (!file.atEnd() && !file.readLine(maxLineLength).endsWith('\n')) {
            }
            ++malformedCount;
            Q_EMIT malformedLine(lineNumber, tr("line longer than %1 bytes").arg(maxLineLength));
            continue;
        }
        line = line.trimmed();
        if (line.isEmpty()) {
            continue;
        }
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        QString error;
        std::optional<AccessRecord> record;
        if (parseError.error != QJsonParseError::NoError) {
            error = parseError.errorString();
        } else if (!document.isObject()) {
            error = tr("not a JSON object");
        } else {
            record = AccessRecord::fromJson(document.object(), &error);
        }
        if (!record) {
            ++malformedCount;
            Q_EMIT malformedLine(lineNumber, error);
            continue;
        }
        batch.append(*record);
        ++recordCount;
        if (batch.size() >= batchSize) {
            Q_EMIT batchLoaded(std::exchange(batch, {}));
            batch.reserve(batchSize);
        }
        // Progress in steps of at least 1 % keeps the queued signals few.
        const qint64 position = file.pos();
        if (total > 0 && (position - lastProgress) * 100 >= total) {
            lastProgress = position;
            Q_EMIT progressed(position, total);
        }
    }
    if (!batch.isEmpty()) {
        Q_EMIT batchLoaded(batch);
    }
    Q_EMIT progressed(file.pos(), total);
    qCInfo(lcInspect) << "read" << recordCount << "records and" << malformedCount
                      << "malformed lines from" << m_fileName
                      << (m_cancelled ? "(cancelled)" : "");
    Q_EMIT finished(recordCount, malformedCount, QString());
}
