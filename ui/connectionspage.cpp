#include "connectionspage.h"

#include "desktopagent.h"
#include "streamtablemodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

ConnectionsPage::ConnectionsPage(DesktopAgent *agent, QWidget *parent)
    : QWidget(parent)
    , m_agent(agent)
    , m_model(new StreamTableModel(this))
    , m_table(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_tags(new QLabel(this))
{
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(StreamTableModel::SortRole);
    m_table->setObjectName(QStringLiteral("connectionsTable"));
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(StreamTableModel::StreamColumn, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    // A few rows only, so sizing to contents stays cheap.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(StreamTableModel::LastErrorColumn,
                                                      QHeaderView::Stretch);
    m_tags->setObjectName(QStringLiteral("tagsLabel"));
    m_tags->setWordWrap(true);
    m_tags->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setObjectName(QStringLiteral("connectionsSummary"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_tags);

    connect(m_agent, &DesktopAgent::statusesChanged, this, &ConnectionsPage::refresh);
    connect(m_agent, &DesktopAgent::stateChanged, this, &ConnectionsPage::refresh);
    refresh();
}

void ConnectionsPage::refresh()
{
    m_model->setStatuses(m_agent->statuses());
    m_summary->setText(tr("%1 of %2 streams connected, %3 requests served, %4 denied")
                               .arg(QString::number(m_agent->connectedCount()),
                                    QString::number(m_agent->streamCount()),
                                    QString::number(m_agent->requestCount()),
                                    QString::number(m_agent->deniedCount())));
    QStringList tags;
    for (const auto &tag : m_agent->tags()) {
        tags.append(tag.first + QLatin1Char('=') + tag.second);
    }
    m_tags->setText(tags.isEmpty() ? tr("Metadata tags: none")
                                   : tr("Metadata tags: %1").arg(tags.join(QStringLiteral(", "))));
}
