#include "streamtablemodel.h"

#include <QLocale>

namespace {

bool sameStatus(const StreamStatus &a, const StreamStatus &b)
{
    return a.index == b.index && a.state == b.state && a.gateway == b.gateway
            && a.connectionId == b.connectionId && a.connectedSince == b.connectedSince
            && a.requestsServed == b.requestsServed && a.reconnects == b.reconnects
            && a.currentRequest == b.currentRequest && a.lastError == b.lastError
            && a.nextRetry == b.nextRetry;
}

QString timeText(const QDateTime &time)
{
    if (!time.isValid()) {
        return {};
    }
    return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
}

} // namespace

StreamTableModel::StreamTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void StreamTableModel::setStatuses(const QList<StreamStatus> &statuses)
{
    const int oldCount = int(m_statuses.size());
    const int newCount = int(statuses.size());
    if (newCount < oldCount) {
        beginRemoveRows({}, newCount, oldCount - 1);
        m_statuses.resize(newCount);
        endRemoveRows();
    }
    for (int row = 0; row < qMin(oldCount, newCount); ++row) {
        if (!sameStatus(m_statuses.at(row), statuses.at(row))) {
            m_statuses[row] = statuses.at(row);
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
    if (newCount > oldCount) {
        beginInsertRows({}, oldCount, newCount - 1);
        m_statuses.append(statuses.mid(oldCount));
        endInsertRows();
    }
}

int StreamTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_statuses.size());
}

int StreamTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString StreamTableModel::stateText(StreamStatus::State state)
{
    switch (state) {
    case StreamStatus::State::Stopped:
        return tr("Stopped");
    case StreamStatus::State::Connecting:
        return tr("Connecting");
    case StreamStatus::State::Idle:
        return tr("Connected, idle");
    case StreamStatus::State::Busy:
        return tr("Connected, serving");
    case StreamStatus::State::Draining:
        return tr("Finishing request");
    case StreamStatus::State::WaitingToReconnect:
        return tr("Waiting to reconnect");
    case StreamStatus::State::Rejected:
        return tr("Token rejected");
    }
    return {};
}

QVariant StreamTableModel::displayValue(const StreamStatus &status, int column) const
{
    switch (column) {
    case StreamColumn:
        return QString::number(status.index + 1);
    case StateColumn:
        return stateText(status.state);
    case ConnectedSinceColumn:
        return status.isConnected() ? timeText(status.connectedSince) : QString();
    case GatewayColumn:
        return status.gateway;
    case RequestsColumn:
        return QLocale().toString(status.requestsServed);
    case CurrentRequestColumn:
        return status.currentRequest;
    case LastErrorColumn:
        return status.lastError;
    case NextRetryColumn:
        return status.state == StreamStatus::State::WaitingToReconnect
                ? timeText(status.nextRetry)
                : QString();
    default:
        return {};
    }
}

QVariant StreamTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const StreamStatus &status = m_statuses.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(status, index.column());
    case Qt::ToolTipRole:
        if (index.column() == LastErrorColumn || index.column() == CurrentRequestColumn) {
            return displayValue(status, index.column());
        }
        if (index.column() == StateColumn && !status.connectionId.isEmpty()) {
            return tr("Connection %1, %n reconnect(s)", nullptr, status.reconnects)
                    .arg(status.connectionId);
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case StreamColumn:
            return status.index;
        case StateColumn:
            return int(status.state);
        case ConnectedSinceColumn:
            return status.connectedSince;
        case RequestsColumn:
            return status.requestsServed;
        case NextRetryColumn:
            return status.nextRetry;
        default:
            return displayValue(status, index.column());
        }
    case StateRole:
        return int(status.state);
    default:
        return {};
    }
}

QVariant StreamTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case StreamColumn:
        return tr("Stream");
    case StateColumn:
        return tr("State");
    case ConnectedSinceColumn:
        return tr("Connected since");
    case GatewayColumn:
        return tr("Gateway");
    case RequestsColumn:
        return tr("Requests served");
    case CurrentRequestColumn:
        return tr("Request in flight");
    case LastErrorColumn:
        return tr("Last error");
    case NextRetryColumn:
        return tr("Next retry");
    default:
        return {};
    }
}
