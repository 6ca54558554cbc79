#pragma once

#include "log/accessrecord.h"

#include <QWidget>

class AccessLogFilterProxy;
class AccessLogModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

// An access-log table with filters by decision, project and text, a detail pane for the
// selected record, copy, and export of the shown rows. The main window and the log inspection
// window both use it.
class AccessLogView final : public QWidget
{
    Q_OBJECT

public:
    explicit AccessLogView(AccessLogModel *model, QWidget *parent = nullptr);

    AccessLogFilterProxy *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QComboBox *decisionFilter() const { return m_decision; }
    QComboBox *projectFilter() const { return m_project; }
    QLineEdit *textFilter() const { return m_text; }
    QPlainTextEdit *detailPane() const { return m_details; }

    // The records the filters let through, in the order shown.
    QList<AccessRecord> shownRecords() const;
    // The selected records, in the order shown.
    QList<AccessRecord> selectedRecords() const;

    // Copies the selected records, one text line each, to the clipboard.
    void copySelection();
    // Asks for a file name and writes the shown records as JSON lines or CSV.
    void exportShown();

    QByteArray headerState() const;
    void restoreHeaderState(const QByteArray &state);

Q_SIGNALS:
    void recordCountChanged();

private:
    void buildFilterBar();
    void updateDetails();
    void updateProjectChoices();
    void updateCount();

    AccessLogModel *m_model;
    AccessLogFilterProxy *m_proxy;
    QTableView *m_table;
    QComboBox *m_decision;
    QComboBox *m_project;
    QLineEdit *m_text;
    QLabel *m_count;
    QPlainTextEdit *m_details;
    QPushButton *m_copy;
    QPushButton *m_export;
};
