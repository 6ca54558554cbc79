#pragma once

#include "log/accessrecord.h"

#include <QSortFilterProxyModel>
#include <optional>

// Filters access-log rows by decision, project and free text, and sorts them by raw values.
class AccessLogFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit AccessLogFilterProxy(QObject *parent = nullptr);

    // Rows with this decision only; nothing shows both.
    void setDecision(std::optional<AccessRecord::Decision> decision);
    // Rows whose project contains `project`, ignoring case; empty shows all.
    void setProject(const QString &project);
    // Rows where any text field contains `text`, ignoring case; empty shows all.
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void refilter();

    std::optional<AccessRecord::Decision> m_decision;
    QString m_project;
    QString m_text;
};
