#pragma once

#include <QMainWindow>
#include <QPointer>

class AccessLogModel;
class AccessLogView;
class DesktopSettings;
class LogLoader;
class QLabel;
class QProgressBar;
class QThread;

// The log inspection window: opens an access-log file written by a service, loads it in the
// background with progress, and offers the same filters, details and export as the live view.
class InspectionWindow final : public QMainWindow
{
    Q_OBJECT

public:
    // Line numbers of malformed lines listed in the window; more are only counted.
    static constexpr int maxListedMalformedLines = 200;

    explicit InspectionWindow(DesktopSettings *settings, QWidget *parent = nullptr);
    ~InspectionWindow() override;

    // Starts loading `fileName`; a load in progress is cancelled first.
    void open(const QString &fileName);
    bool isLoading() const;

    AccessLogModel *model() const { return m_model; }
    AccessLogView *view() const { return m_view; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *statusLabel() const { return m_status; }
    qint64 malformedCount() const { return m_malformedCount; }
    const QList<qint64> &malformedLines() const { return m_malformedLines; }
    QString fileName() const { return m_fileName; }

Q_SIGNALS:
    void loadFinished();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void stopLoading();
    void handleMalformedLine(qint64 lineNumber, const QString &error);
    void handleFinished(qint64 recordCount, qint64 malformedCount, const QString &error);
    void updateStatus();

    DesktopSettings *m_settings;
    AccessLogModel *m_model;
    AccessLogView *m_view;
    QProgressBar *m_progress;
    QLabel *m_status;
    QLabel *m_malformed;
    QThread *m_thread = nullptr;
    QPointer<LogLoader> m_loader;
    QString m_fileName;
    qint64 m_malformedCount = 0;
    QList<qint64> m_malformedLines;
    QStringList m_malformedDetails;
    bool m_loading = false;
    quint64 m_generation = 0;
};
