#include "processmetrics.h"

#include "prometheustext.h"

#include <QDateTime>
#include <QFile>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

namespace {

// Taken when the library's static data is initialised, which is before main() runs.
const qint64 processStartMs = QDateTime::currentMSecsSinceEpoch();

} // namespace

namespace ProcessMetrics {

qint64 residentMemoryBytes()
{
#ifdef Q_OS_LINUX
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QList<QByteArray> fields = statm.readLine().split(' ');
    bool ok = false;
    const qint64 pages = fields.value(1).toLongLong(&ok);
    if (!ok) {
        return -1;
    }
    return pages * sysconf(_SC_PAGESIZE);
#else
    return -1;
#endif
}

void add(PrometheusText &text, const QString &version)
{
    text.addGauge(QStringLiteral("vcs_build_info"),
                  QStringLiteral("Always 1; the version label names the running release."),
                  { QStringLiteral("version") }, { { { version }, 1 } });
    text.addGauge(QStringLiteral("process_start_time_seconds"),
                  QStringLiteral("Start time of the process since the Unix epoch in seconds."),
                  double(processStartMs / 1000));
    const qint64 resident = residentMemoryBytes();
    if (resident >= 0) {
        text.addGauge(QStringLiteral("process_resident_memory_bytes"),
                      QStringLiteral("Resident memory size in bytes."), double(resident));
    }
}

} // namespace ProcessMetrics
