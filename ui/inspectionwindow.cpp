#include "inspectionwindow.h"

#include "accesslogmodel.h"
#include "accesslogview.h"
#include "desktopsettings.h"
#include "icons.h"
#include "logloader.h"

#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QThread>
#include <QVBoxLayout>

InspectionWindow::InspectionWindow(DesktopSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_model(new AccessLogModel(0, this))
    , m_view(new AccessLogView(m_model, this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_malformed(new QLabel(this))
{
    setWindowTitle(tr("Access Log Inspection"));
    setWindowIcon(Icons::appIcon());
    m_progress->setObjectName(QStringLiteral("loadProgress"));
    m_progress->setRange(0, 1000);
    m_progress->hide();
    m_status->setObjectName(QStringLiteral("loadStatus"));
    m_malformed->setObjectName(QStringLiteral("malformedLines"));
    m_malformed->setWordWrap(true);
    m_malformed->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_malformed->setStyleSheet(QStringLiteral("color: #9a6700;"));
    m_malformed->hide();

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_progress);
    layout->addLayout(statusRow);
    layout->addWidget(m_malformed);
    layout->addWidget(m_view, 1);
    setCentralWidget(central);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *openAction = file->addAction(tr("&Open…"));
    openAction->setShortcut(QKeySequence::Open);
    connect(openAction, &QAction::triggered, this, [this] {
        const QString fileName = QFileDialog::getOpenFileName(
                this, tr("Open Access Log"), QString(),
                tr("Access logs (*.jsonl *.json *.log);;All files (*)"));
        if (!fileName.isEmpty()) {
            open(fileName);
        }
    });
    QAction *closeAction = file->addAction(tr("&Close"));
    closeAction->setShortcut(QKeySequence::Close);
    connect(closeAction, &QAction::triggered, this, &QWidget::close);

    if (m_settings) {
        m_view->restoreHeaderState(m_settings->value(SettingKeys::inspectionHeader));
    }
    resize(1100, 640);
}

InspectionWindow::~InspectionWindow()
{
    stopLoading();
}

void InspectionWindow::open(const QString &fileName)
{
    stopLoading();
    m_model->clear();
    m_fileName = fileName;
    m_malformedCount = 0;
    m_malformedLines.clear();
    m_malformedDetails.clear();
    m_malformed->hide();
    m_loading = true;
    setWindowTitle(tr("%1 – Access Log Inspection").arg(QFileInfo(fileName).fileName()));
    m_progress->setValue(0);
    m_progress->show();
    updateStatus();

    m_thread = new QThread(this);
    auto *loader = new LogLoader(fileName);
    m_loader = loader;
    loader->moveToThread(m_thread);
    connect(m_thread, &QThread::started, loader, &LogLoader::run);
    connect(m_thread, &QThread::finished, loader, &QObject::deleteLater);
    // Signals of a cancelled load may still be queued; the generation drops them.
    const quint64 generation = ++m_generation;
    connect(loader, &LogLoader::batchLoaded, this,
            [this, generation](const QList<AccessRecord> &records) {
                if (generation == m_generation) {
                    m_model->append(records);
                    updateStatus();
                }
            });
    connect(loader, &LogLoader::progressed, this, [this, generation](qint64 done, qint64 total) {
        if (generation == m_generation) {
            m_progress->setValue(total > 0 ? int(done * 1000 / total) : 1000);
        }
    });
    connect(loader, &LogLoader::malformedLine, this,
            [this, generation](qint64 lineNumber, const QString &error) {
                if (generation == m_generation) {
                    handleMalformedLine(lineNumber, error);
                }
            });
    connect(loader, &LogLoader::finished, this,
            [this, generation](qint64 records, qint64 malformed, const QString &error) {
                if (generation == m_generation) {
                    handleFinished(records, malformed, error);
                }
            });
    m_thread->start();
}

bool InspectionWindow::isLoading() const
{
    return m_loading;
}

void InspectionWindow::stopLoading()
{
    if (!m_thread) {
        return;
    }
    ++m_generation;
    if (m_loader) {
        m_loader->cancel();
    }
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_loading = false;
}

void InspectionWindow::handleMalformedLine(qint64 lineNumber, const QString &error)
{
    ++m_malformedCount;
    if (m_malformedLines.size() < maxListedMalformedLines) {
        m_malformedLines.append(lineNumber);
        m_malformedDetails.append(tr("line %1: %2").arg(QString::number(lineNumber), error));
    }
    QString text = tr("%n malformed line(s) skipped: ", nullptr, int(m_malformedCount))
            + m_malformedDetails.join(QStringLiteral("; "));
    if (m_malformedCount > m_malformedLines.size()) {
        text += tr("; and %n more", nullptr, int(m_malformedCount - m_malformedLines.size()));
    }
    m_malformed->setText(text);
    m_malformed->show();
}

void InspectionWindow::handleFinished(qint64 recordCount, qint64 malformedCount,
                                      const QString &error)
{
    Q_UNUSED(recordCount)
    Q_UNUSED(malformedCount)
    m_loading = false;
    m_progress->hide();
    if (m_thread) {
        m_thread->quit();
    }
    if (!error.isEmpty()) {
        m_status->setText(tr("Cannot open %1: %2").arg(m_fileName, error));
    } else {
        updateStatus();
    }
    Q_EMIT loadFinished();
}

void InspectionWindow::updateStatus()
{
    const QString records = QString::number(m_model->rowCount());
    m_status->setText(m_loading ? tr("Loading %1: %2 records so far…").arg(m_fileName, records)
                                : tr("%1: %2 records").arg(m_fileName, records));
}

void InspectionWindow::closeEvent(QCloseEvent *event)
{
    stopLoading();
    if (m_settings) {
        m_settings->setValue(SettingKeys::inspectionHeader, m_view->headerState());
        m_settings->sync();
    }
    event->accept();
}
