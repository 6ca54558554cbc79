#include "accesslog.h"

#include <QIODevice>
#include <QJsonDocument>

AccessLog::AccessLog(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<AccessRecord>();
}

void AccessLog::setSink(QIODevice *device, Format format)
{
    m_sink = device;
    m_format = format;
}

void AccessLog::append(const AccessRecord &record)
{
    if (m_sink) {
        QByteArray line = m_format == Format::Json
                ? QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact)
                : record.toText().toUtf8();
        line.append('\n');
        m_sink->write(line);
    }
    Q_EMIT recordAdded(record);
}
