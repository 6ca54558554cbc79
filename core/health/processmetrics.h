#pragma once

#include <QString>

class PrometheusText;

namespace ProcessMetrics {

// Adds the standard process_start_time_seconds and, on Linux, process_resident_memory_bytes,
// plus vcs_build_info with the product version.
void add(PrometheusText &text, const QString &version);

// Resident set size of this process in bytes from /proc/self/statm; -1 where that file does
// not exist.
qint64 residentMemoryBytes();

} // namespace ProcessMetrics
