#pragma once

#include "accessrecord.h"

#include <QObject>

class QIODevice;

// The access log: one stream of records that the stdout sink and the desktop models consume.
class AccessLog final : public QObject
{
    Q_OBJECT

public:
    enum class Format { Text, Json };

    explicit AccessLog(QObject *parent = nullptr);

    // Writes every record to `device` (standard output in service mode) in `format`.
    // The device must outlive the log.
    void setSink(QIODevice *device, Format format);

    void append(const AccessRecord &record);

Q_SIGNALS:
    void recordAdded(const AccessRecord &record);

private:
    QIODevice *m_sink = nullptr;
    Format m_format = Format::Text;
};
