#include "recordexport.h"

#include <QCoreApplication>
#include <QIODevice>
#include <QJsonDocument>
#include <QSaveFile>

namespace {

QString csvCell(const QString &value)
{
    QString cell = value;
    static const QString formulaStarts = QStringLiteral("=+-@\t\r");
    if (!cell.isEmpty() && formulaStarts.contains(cell.front())) {
        cell.prepend(QLatin1Char('\''));
    }
    if (cell.contains(QLatin1Char('"')) || cell.contains(QLatin1Char(','))
        || cell.contains(QLatin1Char('\n')) || cell.contains(QLatin1Char('\r'))
        || cell.contains(QLatin1Char('\''))) {
        cell.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        cell = QLatin1Char('"') + cell + QLatin1Char('"');
    }
    return cell;
}

const char *const csvColumns[] = { "time", "stream", "request_id", "method", "target", "rule",
                                   "rule_description", "project", "decision", "reason",
                                   "status", "bytes_in", "bytes_out", "duration_ms",
                                   "description" };

} // namespace

namespace RecordExport {

Format formatForFileName(const QString &fileName)
{
    return fileName.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive) ? Format::Csv
                                                                          : Format::JsonLines;
}

void writeJsonLines(QIODevice *device, const QList<AccessRecord> &records)
{
    for (const AccessRecord &record : records) {
        device->write(QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact));
        device->write("\n");
    }
}

void writeCsv(QIODevice *device, const QList<AccessRecord> &records)
{
    QStringList header;
    for (const char *column : csvColumns) {
        header.append(QString::fromLatin1(column));
    }
    device->write(header.join(QLatin1Char(',')).toUtf8() + "\r\n");
    for (const AccessRecord &record : records) {
        const QStringList cells{
            record.time.toUTC().toString(Qt::ISODateWithMs), QString::number(record.stream),
            record.requestId, record.method, record.target, record.rule, record.ruleDescription,
            record.project, decisionName(record.decision), record.reason,
            QString::number(record.status), QString::number(record.bytesIn),
            QString::number(record.bytesOut), QString::number(record.durationMs),
            record.description,
        };
        QStringList escaped;
        for (const QString &cell : cells) {
            escaped.append(csvCell(cell));
        }
        device->write(escaped.join(QLatin1Char(',')).toUtf8() + "\r\n");
    }
}

bool writeFile(const QString &fileName, const QList<AccessRecord> &records, QString *error)
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    if (formatForFileName(fileName) == Format::Csv) {
        writeCsv(&file, records);
    } else {
        writeJsonLines(&file, records);
    }
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

QString detailText(const AccessRecord &record)
{
    const auto line = [](const char *label, const QString &value) -> QString {
        return QCoreApplication::translate("RecordExport", label) + QStringLiteral(": ")
                + (value.isEmpty() ? QStringLiteral("-") : value) + QLatin1Char('\n');
    };
    return line(QT_TRANSLATE_NOOP("RecordExport", "Time"),
                record.time.toUTC().toString(Qt::ISODateWithMs))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Request ID"), record.requestId)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Stream"), QString::number(record.stream))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Method"), record.method)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Request target"), record.target)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Decision"), decisionName(record.decision))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Reason"), record.reason)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Rule"), record.rule)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Rule description"), record.ruleDescription)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Project"), record.project)
            + line(QT_TRANSLATE_NOOP("RecordExport", "Status"),
                   record.status == 0 ? QString() : QString::number(record.status))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Bytes received"),
                   QString::number(record.bytesIn))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Bytes sent"),
                   QString::number(record.bytesOut))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Duration (ms)"),
                   QString::number(record.durationMs))
            + line(QT_TRANSLATE_NOOP("RecordExport", "Purpose"), record.description);
}

} // namespace RecordExport
