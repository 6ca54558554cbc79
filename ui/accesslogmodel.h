#pragma once

#include "log/accessrecord.h"

#include <QAbstractTableModel>
#include <QList>
#include <QTimer>
#include <QVector>

class AccessLog;

// Access-log records as a table. With a capacity the records live in a ring buffer and the
// oldest rows go once it is full, so memory stays bounded however long the agent runs; with
// capacity 0 (log inspection) every record is kept.
class AccessLogModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        MethodColumn,
        TargetColumn,
        RuleColumn,
        RuleDescriptionColumn,
        ProjectColumn,
        DecisionColumn,
        ReasonColumn,
        StatusColumn,
        DurationColumn,
        BytesColumn,
        ColumnCount
    };

    enum Role {
        SortRole = Qt::UserRole + 1, // raw value: QDateTime, int or qint64, never display text
        DecisionRole,                // AccessRecord::Decision as int
        ProjectRole,
        SearchTextRole,              // every text field of the record, for free-text filtering
    };

    static constexpr int defaultCapacity = 10000;

    explicit AccessLogModel(int capacity = defaultCapacity, QObject *parent = nullptr);

    // Appends every record of `accessLog` in batches, at most every `intervalMs`.
    void follow(AccessLog *accessLog, int intervalMs = 250);

    void append(const AccessRecord &record);
    void append(const QList<AccessRecord> &records);
    void clear();

    int capacity() const { return m_capacity; }
    // Records dropped from the front of the ring buffer so far.
    qint64 droppedCount() const { return m_dropped; }
    const AccessRecord &record(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void flushPending();
    QVariant displayValue(const AccessRecord &record, int column) const;
    QVariant sortValue(const AccessRecord &record, int column) const;

    int m_capacity;
    QVector<AccessRecord> m_records; // ring buffer when m_capacity > 0
    int m_first = 0;                 // index in m_records of row 0
    int m_count = 0;
    qint64 m_dropped = 0;
    QList<AccessRecord> m_pending;
    QTimer m_flushTimer;
};

// Formats a byte count for people: 512 B, 1.5 KiB, 3.2 MiB.
QString formatBytes(qint64 bytes);
