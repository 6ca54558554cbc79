#include "accesslogmodel.h"

#include "log/accesslog.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

AccessLogModel::AccessLogModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(0, capacity))
{
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &AccessLogModel::flushPending);
}

void AccessLogModel::follow(AccessLog *accessLog, int intervalMs)
{
    m_flushTimer.setInterval(intervalMs);
    connect(accessLog, &AccessLog::recordAdded, this, [this](const AccessRecord &record) {
        m_pending.append(record);
        if (!m_flushTimer.isActive()) {
            m_flushTimer.start();
        }
    });
}

void AccessLogModel::flushPending()
{
    const QList<AccessRecord> pending = std::exchange(m_pending, {});
    append(pending);
}

void AccessLogModel::append(const AccessRecord &record)
{
    append(QList<AccessRecord>{ record });
}

void AccessLogModel::append(const QList<AccessRecord> &records)
{
    if (records.isEmpty()) {
        return;
    }
    if (m_capacity == 0) {
        beginInsertRows({}, m_count, m_count + int(records.size()) - 1);
        m_records.append(records);
        m_count = int(m_records.size());
        endInsertRows();
        return;
    }

    // Only the newest `m_capacity` records of the batch can stay.
    const int skip = qMax(0, int(records.size()) - m_capacity);
    const int incoming = int(records.size()) - skip;
    m_dropped += skip;
    const int overflow = m_count + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_first = (m_first + overflow) % m_capacity;
        m_count -= overflow;
        m_dropped += overflow;
        endRemoveRows();
    }
    if (m_records.size() < m_capacity) {
        m_records.resize(m_capacity);
    }
    beginInsertRows({}, m_count, m_count + incoming - 1);
    for (int i = skip; i < records.size(); ++i) {
        m_records[(m_first + m_count) % m_capacity] = records.at(i);
        ++m_count;
    }
    endInsertRows();
}

void AccessLogModel::clear()
{
    beginResetModel();
    m_records.clear();
    m_first = 0;
    m_count = 0;
    m_pending.clear();
    endResetModel();
}

const AccessRecord &AccessLogModel::record(int row) const
{
    if (m_capacity == 0) {
        return m_records.at(row);
    }
    return m_records.at((m_first + row) % m_capacity);
}

int AccessLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
}

int AccessLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AccessLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const AccessRecord &item = record(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(item, index.column());
    case Qt::ToolTipRole:
        if (index.column() == RuleColumn) {
            return item.ruleDescription;
        }
        if (index.column() == TargetColumn || index.column() == ReasonColumn) {
            return displayValue(item, index.column());
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == DecisionColumn && item.decision == AccessRecord::Decision::Deny) {
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == StatusColumn || index.column() == DurationColumn
            || index.column() == BytesColumn) {
            return int(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    case SortRole:
        return sortValue(item, index.column());
    case DecisionRole:
        return int(item.decision);
    case ProjectRole:
        return item.project;
    case SearchTextRole:
        return QStringList{ item.method, item.target, item.rule, item.ruleDescription,
                            item.project, item.reason, item.requestId, item.description,
                            QString::number(item.status) }
                .join(QLatin1Char('\n'));
    default:
        return {};
    }
}

QVariant AccessLogModel::displayValue(const AccessRecord &record, int column) const
{
    switch (column) {
    case TimeColumn:
        return QLocale().toString(record.time.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    case MethodColumn:
        return record.method;
    case TargetColumn:
        return record.target;
    case RuleColumn:
        return record.rule;
    case RuleDescriptionColumn:
        return record.ruleDescription;
    case ProjectColumn:
        return record.project;
    case DecisionColumn:
        return record.decision == AccessRecord::Decision::Allow ? tr("Allowed") : tr("Denied");
    case ReasonColumn:
        return record.reason;
    case StatusColumn:
        return record.status == 0 ? QStringLiteral("-") : QString::number(record.status);
    case DurationColumn:
        return tr("%1 ms").arg(QLocale().toString(record.durationMs));
    case BytesColumn:
        return formatBytes(record.bytesOut);
    default:
        return {};
    }
}

QVariant AccessLogModel::sortValue(const AccessRecord &record, int column) const
{
    switch (column) {
    case TimeColumn:
        return record.time;
    case StatusColumn:
        return record.status;
    case DurationColumn:
        return record.durationMs;
    case BytesColumn:
        return record.bytesOut;
    case DecisionColumn:
        return int(record.decision);
    default:
        return displayValue(record, column);
    }
}

QVariant AccessLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case MethodColumn:
        return tr("Method");
    case TargetColumn:
        return tr("Request target");
    case RuleColumn:
        return tr("Rule");
    case RuleDescriptionColumn:
        return tr("Rule description");
    case ProjectColumn:
        return tr("Project");
    case DecisionColumn:
        return tr("Decision");
    case ReasonColumn:
        return tr("Reason");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    case BytesColumn:
        return tr("Bytes");
    default:
        return {};
    }
}

QString formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}
