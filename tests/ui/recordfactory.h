#pragma once

#include "log/accessrecord.h"

#include <QDateTime>
#include <QString>

// Access records for tests: the n-th record alternates decisions and projects.
inline AccessRecord makeRecord(int n)
{
    AccessRecord record;
    record.time = QDateTime::fromMSecsSinceEpoch(1700000000000LL + n * 1000LL, Qt::UTC);
    record.stream = n % 4;
    record.requestId = QStringLiteral("c1-%1").arg(n);
    record.method = n % 3 == 0 ? QStringLiteral("POST") : QStringLiteral("GET");
    record.target = QStringLiteral("/api/v4/projects/acme%2Fapp%1/repository/branches").arg(n % 5);
    record.rule = QStringLiteral("list-branches");
    record.ruleDescription = QStringLiteral("Lists branches to pick a tracked one");
    record.project = QStringLiteral("acme/app%1").arg(n % 5);
    record.decision = n % 2 == 0 ? AccessRecord::Decision::Allow : AccessRecord::Decision::Deny;
    record.reason = record.decision == AccessRecord::Decision::Allow
            ? QString()
            : QStringLiteral("project does not match the allowed projects");
    record.status = record.decision == AccessRecord::Decision::Allow ? 200 : 403;
    record.bytesIn = n;
    record.bytesOut = 1000 + n;
    record.durationMs = 100 - n % 100;
    record.description = QStringLiteral("purpose %1").arg(n);
    return record;
}
