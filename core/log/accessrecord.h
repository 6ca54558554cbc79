#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <optional>

// One access-log record: what one request asked for, what the filter decided and how it ended.
struct AccessRecord
{
    enum class Decision { Allow, Deny };

    QDateTime time;         // when the request head arrived, UTC
    int stream = -1;        // index of the stream that carried it
    QString requestId;      // connection id and request number, unique per gateway run
    QString method;
    QString target;         // request target with secret query values redacted
    QString rule;           // allowlist rule name, empty when none matched
    QString ruleDescription;
    QString project;
    Decision decision = Decision::Deny;
    QString reason;         // why it was denied, or how it failed after being allowed
    int status = 0;         // HTTP status sent back, 0 when no response head was sent
    qint64 bytesIn = 0;     // request body bytes received from the gateway
    qint64 bytesOut = 0;    // response body bytes sent to the gateway
    qint64 durationMs = 0;
    QString description;    // the platform's description of the purpose

    QJsonObject toJson() const;
    // One line for people; control characters in values are escaped.
    QString toText() const;

    // Reads a record written by toJson(). Returns nothing and sets `error` when a required
    // field is missing or has the wrong type.
    static std::optional<AccessRecord> fromJson(const QJsonObject &object, QString *error);
};

QString decisionName(AccessRecord::Decision decision);

Q_DECLARE_METATYPE(AccessRecord)
