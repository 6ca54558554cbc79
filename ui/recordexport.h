#pragma once

#include "log/accessrecord.h"

#include <QList>

class QIODevice;

// Writers for the access-log records a view shows.
namespace RecordExport {

enum class Format { JsonLines, Csv };

// Picks the format from a file name: .csv is CSV, anything else JSON lines.
Format formatForFileName(const QString &fileName);

// Writes one JSON object per line, as `vcs-agent --log-format json` does, so that the file can
// be opened again for inspection.
void writeJsonLines(QIODevice *device, const QList<AccessRecord> &records);

// Writes RFC 4180 CSV with a header row. A cell that starts with =, +, -, @, tab or CR gets a
// leading apostrophe so that spreadsheets do not run request text as a formula.
void writeCsv(QIODevice *device, const QList<AccessRecord> &records);

// Writes `records` to `fileName` in the format its name asks for. Returns false and sets `error`
// when the file cannot be written.
bool writeFile(const QString &fileName, const QList<AccessRecord> &records, QString *error);

// One record as text lines for the detail pane and the clipboard.
QString detailText(const AccessRecord &record);

} // namespace RecordExport
