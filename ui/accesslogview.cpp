#include "accesslogview.h"

#include "accesslogfilterproxy.h"
#include "accesslogmodel.h"
#include "recordexport.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

AccessLogView::AccessLogView(AccessLogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new AccessLogFilterProxy(this))
    , m_table(new QTableView(this))
    , m_decision(new QComboBox(this))
    , m_project(new QComboBox(this))
    , m_text(new QLineEdit(this))
    , m_count(new QLabel(this))
    , m_details(new QPlainTextEdit(this))
    , m_copy(new QPushButton(tr("&Copy"), this))
    , m_export(new QPushButton(tr("&Export…"), this))
{
    m_proxy->setSourceModel(m_model);
    m_table->setModel(m_proxy);
    m_table->setObjectName(QStringLiteral("accessLogTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(AccessLogModel::TargetColumn,
                                                      QHeaderView::Stretch);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    // Fixed widths from the font: sizing 10,000 rows to their contents would stall the view.
    const QFontMetrics metrics = m_table->fontMetrics();
    m_table->setColumnWidth(AccessLogModel::TimeColumn,
                            metrics.horizontalAdvance(QStringLiteral("0000-00-00 00:00:00.000")) + 16);
    m_table->setColumnWidth(AccessLogModel::MethodColumn,
                            metrics.horizontalAdvance(QStringLiteral("DELETE")) + 16);
    m_table->setColumnWidth(AccessLogModel::ReasonColumn,
                            metrics.horizontalAdvance(QLatin1Char('x')) * 30);
    m_details->setReadOnly(true);
    m_details->setObjectName(QStringLiteral("accessLogDetails"));
    m_details->setPlaceholderText(tr("Select a request to see all its fields."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    buildFilterBar();
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AccessLogView::updateDetails);
    connect(m_copy, &QPushButton::clicked, this, &AccessLogView::copySelection);
    connect(m_export, &QPushButton::clicked, this, &AccessLogView::exportShown);
    auto *copyShortcut = new QShortcut(QKeySequence::Copy, m_table);
    copyShortcut->setContext(Qt::WidgetShortcut);
    connect(copyShortcut, &QShortcut::activated, this, &AccessLogView::copySelection);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &AccessLogView::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &AccessLogView::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &AccessLogView::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &AccessLogView::updateCount);
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            &AccessLogView::updateProjectChoices);
    updateCount();
}

void AccessLogView::buildFilterBar()
{
    m_decision->setObjectName(QStringLiteral("decisionFilter"));
    m_decision->addItem(tr("All decisions"));
    m_decision->addItem(tr("Allowed"), int(AccessRecord::Decision::Allow));
    m_decision->addItem(tr("Denied"), int(AccessRecord::Decision::Deny));
    m_project->setObjectName(QStringLiteral("projectFilter"));
    m_project->setEditable(true);
    m_project->setInsertPolicy(QComboBox::NoInsert);
    m_project->setMinimumContentsLength(18);
    m_project->lineEdit()->setPlaceholderText(tr("Any project"));
    m_project->lineEdit()->setClearButtonEnabled(true);
    m_text->setObjectName(QStringLiteral("textFilter"));
    m_text->setPlaceholderText(tr("Search target, rule, reason, request ID…"));
    m_text->setClearButtonEnabled(true);

    auto *bar = new QHBoxLayout;
    auto *projectLabel = new QLabel(tr("&Project:"), this);
    projectLabel->setBuddy(m_project);
    auto *decisionLabel = new QLabel(tr("&Decision:"), this);
    decisionLabel->setBuddy(m_decision);
    bar->addWidget(decisionLabel);
    bar->addWidget(m_decision);
    bar->addWidget(projectLabel);
    bar->addWidget(m_project);
    bar->addWidget(m_text, 1);
    bar->addWidget(m_count);
    bar->addWidget(m_copy);
    bar->addWidget(m_export);
    static_cast<QVBoxLayout *>(layout())->addLayout(bar);

    connect(m_decision, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant value = m_decision->currentData();
        m_proxy->setDecision(value.isValid()
                                     ? std::optional(AccessRecord::Decision(value.toInt()))
                                     : std::nullopt);
        updateCount();
    });
    connect(m_project, &QComboBox::currentTextChanged, this, [this](const QString &text) {
        m_proxy->setProject(text);
        updateCount();
    });
    connect(m_text, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setText(text);
        updateCount();
    });
}

void AccessLogView::updateProjectChoices()
{
    // Keeps the list of projects seen so far; the typed text stays as it is.
    QSet<QString> known;
    for (int i = 0; i < m_project->count(); ++i) {
        known.insert(m_project->itemText(i));
    }
    const int rows = m_model->rowCount();
    const int first = qMax(0, rows - 500);
    QStringList added;
    for (int row = first; row < rows; ++row) {
        const QString project = m_model->record(row).project;
        if (!project.isEmpty() && !known.contains(project)) {
            known.insert(project);
            added.append(project);
        }
    }
    if (added.isEmpty() || m_project->count() > 1000) {
        return;
    }
    const QString typed = m_project->currentText();
    const QSignalBlocker blocker(m_project);
    m_project->addItems(added);
    m_project->setCurrentText(typed);
}

void AccessLogView::updateCount()
{
    m_count->setText(tr("%1 of %2 shown")
                             .arg(QString::number(m_proxy->rowCount()),
                                  QString::number(m_model->rowCount())));
    Q_EMIT recordCountChanged();
}

void AccessLogView::updateDetails()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_details->clear();
        return;
    }
    const QModelIndex source = m_proxy->mapToSource(rows.constFirst());
    const AccessRecord &record = m_model->record(source.row());
    m_details->setPlainText(RecordExport::detailText(record) + QLatin1Char('\n')
                            + QString::fromUtf8(QJsonDocument(record.toJson())
                                                        .toJson(QJsonDocument::Indented)));
}

QList<AccessRecord> AccessLogView::shownRecords() const
{
    QList<AccessRecord> records;
    records.reserve(m_proxy->rowCount());
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        records.append(m_model->record(m_proxy->mapToSource(m_proxy->index(row, 0)).row()));
    }
    return records;
}

QList<AccessRecord> AccessLogView::selectedRecords() const
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QList<AccessRecord> records;
    for (const QModelIndex &index : rows) {
        records.append(m_model->record(m_proxy->mapToSource(index).row()));
    }
    return records;
}

void AccessLogView::copySelection()
{
    QStringList lines;
    for (const AccessRecord &record : selectedRecords()) {
        lines.append(record.toText());
    }
    if (!lines.isEmpty()) {
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    }
}

void AccessLogView::exportShown()
{
    const QString fileName = QFileDialog::getSaveFileName(
            this, tr("Export Shown Requests"), QStringLiteral("access-log.jsonl"),
            tr("JSON lines (*.jsonl *.json);;CSV (*.csv)"));
    if (fileName.isEmpty()) {
        return;
    }
    QString error;
    if (!RecordExport::writeFile(fileName, shownRecords(), &error)) {
        QMessageBox::warning(this, tr("Export Failed"),
                             tr("Could not write %1: %2").arg(fileName, error));
    }
}

QByteArray AccessLogView::headerState() const
{
    return m_table->horizontalHeader()->saveState();
}

void AccessLogView::restoreHeaderState(const QByteArray &state)
{
    if (!state.isEmpty()) {
        m_table->horizontalHeader()->restoreState(state);
    }
}
