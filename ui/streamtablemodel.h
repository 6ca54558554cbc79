#pragma once

#include "agent/streamstatus.h"

#include <QAbstractTableModel>
#include <QList>

// One row per tunnel stream: its state, since when it is connected, the gateway, requests
// served, the request in flight, the last error and the next retry.
class StreamTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        StreamColumn,
        StateColumn,
        ConnectedSinceColumn,
        GatewayColumn,
        RequestsColumn,
        CurrentRequestColumn,
        LastErrorColumn,
        NextRetryColumn,
        ColumnCount
    };

    enum Role {
        SortRole = Qt::UserRole + 1,
        StateRole, // StreamStatus::State as int
    };

    explicit StreamTableModel(QObject *parent = nullptr);

    // Replaces the rows with `statuses`: rows that changed emit dataChanged, a different stream
    // count inserts or removes rows at the end.
    void setStatuses(const QList<StreamStatus> &statuses);
    const QList<StreamStatus> &statuses() const { return m_statuses; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The state for people, translated.
    static QString stateText(StreamStatus::State state);

private:
    QVariant displayValue(const StreamStatus &status, int column) const;

    QList<StreamStatus> m_statuses;
};
