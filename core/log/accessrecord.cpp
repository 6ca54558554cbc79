#include "accessrecord.h"

namespace {

// Escapes control characters so that one record always stays one line.
QString escaped(const QString &value)
{
    QString result;
    result.reserve(value.size());
    for (QChar c : value) {
        if (c == QLatin1Char('\\')) {
            result += QStringLiteral("\\\\");
        } else if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
            result += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        } else {
            result += c;
        }
    }
    return result;
}

QString quotedOrDash(const QString &value)
{
    if (value.isEmpty()) {
        return QStringLiteral("-");
    }
    return QLatin1Char('"') + escaped(value).replace(QLatin1Char('"'), QStringLiteral("\\\""))
            + QLatin1Char('"');
}

} // namespace

QString decisionName(AccessRecord::Decision decision)
{
    return decision == AccessRecord::Decision::Allow ? QStringLiteral("allow")
                                                     : QStringLiteral("deny");
}

QJsonObject AccessRecord::toJson() const
{
    return { { QStringLiteral("time"), time.toUTC().toString(Qt::ISODateWithMs) },
             { QStringLiteral("stream"), stream },
             { QStringLiteral("request_id"), requestId },
             { QStringLiteral("method"), method },
             { QStringLiteral("target"), target },
             { QStringLiteral("rule"), rule },
             { QStringLiteral("rule_description"), ruleDescription },
             { QStringLiteral("project"), project },
             { QStringLiteral("decision"), decisionName(decision) },
             { QStringLiteral("reason"), reason },
             { QStringLiteral("status"), status },
             { QStringLiteral("bytes_in"), bytesIn },
             { QStringLiteral("bytes_out"), bytesOut },
             { QStringLiteral("duration_ms"), durationMs },
             { QStringLiteral("description"), description } };
}

QString AccessRecord::toText() const
{
    return QStringLiteral("%1 stream=%2 id=%3 %4 %5 decision=%6 rule=%7 project=%8 status=%9 "
                          "in=%10 out=%11 duration=%12ms reason=%13 purpose=%14 "
                          "rule_description=%15")
            .arg(time.toUTC().toString(Qt::ISODateWithMs), QString::number(stream),
                 escaped(requestId), escaped(method), quotedOrDash(target),
                 decisionName(decision), quotedOrDash(rule), quotedOrDash(project),
                 QString::number(status), QString::number(bytesIn), QString::number(bytesOut),
                 QString::number(durationMs), quotedOrDash(reason), quotedOrDash(description),
                 quotedOrDash(ruleDescription));
}

std::optional<AccessRecord> AccessRecord::fromJson(const QJsonObject &object, QString *error)
{
    const QString timeText = object.value(QStringLiteral("time")).toString();
    const QDateTime parsedTime = QDateTime::fromString(timeText, Qt::ISODateWithMs);
    if (!parsedTime.isValid()) {
        *error = QStringLiteral("field \"time\" is missing or not an ISO 8601 time");
        return std::nullopt;
    }
    const QString decisionText = object.value(QStringLiteral("decision")).toString();
    if (decisionText != QStringLiteral("allow") && decisionText != QStringLiteral("deny")) {
        *error = QStringLiteral("field \"decision\" must be \"allow\" or \"deny\"");
        return std::nullopt;
    }
    if (!object.value(QStringLiteral("method")).isString()
        || !object.value(QStringLiteral("target")).isString()) {
        *error = QStringLiteral("field \"method\" or \"target\" is missing");
        return std::nullopt;
    }
    AccessRecord record;
    record.time = parsedTime.toUTC();
    record.stream = object.value(QStringLiteral("stream")).toInt(-1);
    record.requestId = object.value(QStringLiteral("request_id")).toString();
    record.method = object.value(QStringLiteral("method")).toString();
    record.target = object.value(QStringLiteral("target")).toString();
    record.rule = object.value(QStringLiteral("rule")).toString();
    record.ruleDescription = object.value(QStringLiteral("rule_description")).toString();
    record.project = object.value(QStringLiteral("project")).toString();
    record.decision = decisionText == QStringLiteral("allow") ? Decision::Allow : Decision::Deny;
    record.reason = object.value(QStringLiteral("reason")).toString();
    record.status = object.value(QStringLiteral("status")).toInt();
    record.bytesIn = qint64(object.value(QStringLiteral("bytes_in")).toDouble());
    record.bytesOut = qint64(object.value(QStringLiteral("bytes_out")).toDouble());
    record.durationMs = qint64(object.value(QStringLiteral("duration_ms")).toDouble());
    record.description = object.value(QStringLiteral("description")).toString();
    return record;
}
