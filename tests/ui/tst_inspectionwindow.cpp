// The log inspection window: a large JSON-lines file loads in the background with progress,
// malformed lines are counted with their line numbers, and the filters work on the result.

#include "accesslogfilterproxy.h"
#include "accesslogmodel.h"
#include "accesslogview.h"
#include "inspectionwindow.h"
#include "recordexport.h"
#include "recordfactory.h"

#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestInspectionWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void largeFileWithProgress();
    void malformedLinesReported();
    void missingFileReported();
    void reopenCancelsLoad();

private:
    QString writeLog(const QString &name, int records, const QList<int> &malformedAt);

    QTemporaryDir m_dir;
    QString m_largeFile;
};

void TestInspectionWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_largeFile = writeLog(QStringLiteral("large.jsonl"), 200000, {});
}

QString TestInspectionWindow::writeLog(const QString &name, int records,
                                       const QList<int> &malformedAt)
{
    const QString fileName = m_dir.filePath(name);
    QFile file(fileName);
    if (!file.open(QIODevice::WriteOnly)) {
        return {};
    }
    int line = 0;
    for (int i = 0; i < records; ++i) {
        ++line;
        if (malformedAt.contains(line)) {
            file.write(line % 2 == 0 ? "{\"time\": \"yesterday\"}\n" : "not json at all\n");
            ++line;
        }
        file.write(QJsonDocument(makeRecord(i).toJson()).toJson(QJsonDocument::Compact));
        file.write("\n");
    }
    return fileName;
}

void TestInspectionWindow::largeFileWithProgress()
{
    InspectionWindow window(nullptr);
    window.show();
    QSignalSpy finished(&window, &InspectionWindow::loadFinished);
    QList<int> progressValues;
    connect(window.progressBar(), &QProgressBar::valueChanged, this,
            [&progressValues](int value) { progressValues.append(value); });
    window.open(m_largeFile);
    QVERIFY(window.isLoading());
    QVERIFY(window.progressBar()->isVisible());
    // The event loop keeps running while the file loads: the window is not frozen.
    QVERIFY(finished.wait(120000));
    QCOMPARE(window.model()->rowCount(), 200000);
    QCOMPARE(window.malformedCount(), qint64(0));
    QVERIFY(!window.isLoading());
    QVERIFY(progressValues.size() > 2);
    QCOMPARE(progressValues.last(), 1000);
    QVERIFY(std::is_sorted(progressValues.begin(), progressValues.end()));
    QVERIFY(window.statusLabel()->text().contains(QStringLiteral("200000")));

    window.view()->decisionFilter()->setCurrentIndex(2);
    QCOMPARE(window.view()->proxy()->rowCount(), 100000);
}

void TestInspectionWindow::malformedLinesReported()
{
    const QString fileName = writeLog(QStringLiteral("broken.jsonl"), 50, { 3, 10, 40 });
    InspectionWindow window(nullptr);
    QSignalSpy finished(&window, &InspectionWindow::loadFinished);
    window.open(fileName);
    QVERIFY(finished.wait(30000));
    QCOMPARE(window.model()->rowCount(), 50);
    QCOMPARE(window.malformedCount(), qint64(3));
    QCOMPARE(window.malformedLines(), (QList<qint64>{ 3, 10, 40 }));
    auto *label = window.findChild<QLabel *>(QStringLiteral("malformedLines"));
    QVERIFY(label->text().contains(QStringLiteral("line 40")));
}

void TestInspectionWindow::missingFileReported()
{
    InspectionWindow window(nullptr);
    QSignalSpy finished(&window, &InspectionWindow::loadFinished);
    window.open(m_dir.filePath(QStringLiteral("absent.jsonl")));
    QVERIFY(finished.wait(10000));
    QCOMPARE(window.model()->rowCount(), 0);
    QVERIFY(window.statusLabel()->text().contains(QStringLiteral("absent.jsonl")));
}

void TestInspectionWindow::reopenCancelsLoad()
{
    const QString small = writeLog(QStringLiteral("small.jsonl"), 10, {});
    InspectionWindow window(nullptr);
    QSignalSpy finished(&window, &InspectionWindow::loadFinished);
    window.open(m_largeFile);
    window.open(small);
    QTRY_VERIFY_WITH_TIMEOUT(!window.isLoading(), 30000);
    QCOMPARE(window.model()->rowCount(), 10);
    QCOMPARE(window.fileName(), small);
}

QTEST_MAIN(TestInspectionWindow)
#include "tst_inspectionwindow.moc"
