#pragma once

#include <QWidget>

class DesktopAgent;
class QLabel;
class QTableView;
class StreamTableModel;

// The Connections tab: one row per tunnel stream and the agent's metadata tags, refreshed in
// batches from the agent.
class ConnectionsPage final : public QWidget
{
    Q_OBJECT

public:
    explicit ConnectionsPage(DesktopAgent *agent, QWidget *parent = nullptr);

    StreamTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

    // Reads the agent's statuses and tags into the table.
    void refresh();

private:
    DesktopAgent *m_agent;
    StreamTableModel *m_model;
    QTableView *m_table;
    QLabel *m_summary;
    QLabel *m_tags;
};
