#include "accesslogfilterproxy.h"

#include "accesslogmodel.h"

AccessLogFilterProxy::AccessLogFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(AccessLogModel::SortRole);
}

void AccessLogFilterProxy::setDecision(std::optional<AccessRecord::Decision> decision)
{
    m_decision = decision;
    refilter();
}

void AccessLogFilterProxy::setProject(const QString &project)
{
    m_project = project.trimmed();
    refilter();
}

void AccessLogFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed();
    refilter();
}

void AccessLogFilterProxy::refilter()
{
    // invalidateFilter() emits one rowsRemoved per gap, which a view handles in linear time
    // each; on 100,000 scattered rows that takes minutes. invalidate() rebuilds the mapping
    // with a single layout change.
    invalidate();
}

bool AccessLogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_decision && index.data(AccessLogModel::DecisionRole).toInt() != int(*m_decision)) {
        return false;
    }
    if (!m_project.isEmpty()
        && !index.data(AccessLogModel::ProjectRole).toString().contains(m_project,
                                                                        Qt::CaseInsensitive)) {
        return false;
    }
    if (!m_text.isEmpty()
        && !index.data(AccessLogModel::SearchTextRole).toString().contains(m_text,
                                                                           Qt::CaseInsensitive)) {
        return false;
    }
    return true;
}
