// The access-log view: filter widgets, the detail pane, copy and export of the shown records.

#include "accesslogfilterproxy.h"
#include "accesslogmodel.h"
#include "accesslogview.h"
#include "recordexport.h"
#include "recordfactory.h"

#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

class TestAccessLogView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void filterWidgets_data();
    void filterWidgets();
    void detailPaneShowsRecord();
    void copySelection();
    void exportJsonLinesRoundTrips();
    void exportCsvEscapes();

private:
    AccessLogModel *m_model = nullptr;
    AccessLogView *m_view = nullptr;
};

void TestAccessLogView::init()
{
    m_model = new AccessLogModel(0);
    m_view = new AccessLogView(m_model);
    QList<AccessRecord> records;
    for (int i = 0; i < 40; ++i) {
        records.append(makeRecord(i));
    }
    m_model->append(records);
    m_view->show();
}

void TestAccessLogView::cleanup()
{
    delete m_view;
    delete m_model;
}

void TestAccessLogView::filterWidgets_data()
{
    QTest::addColumn<int>("decisionIndex"); // 0 all, 1 allowed, 2 denied
    QTest::addColumn<QString>("project");
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("expectedRows");

    QTest::newRow("all") << 0 << QString() << QString() << 40;
    QTest::newRow("denied") << 2 << QString() << QString() << 20;
    QTest::newRow("allowed in project") << 1 << QStringLiteral("acme/app2") << QString() << 4;
    QTest::newRow("typed text") << 0 << QString() << QStringLiteral("POST") << 14;
}

void TestAccessLogView::filterWidgets()
{
    QFETCH(int, decisionIndex);
    QFETCH(QString, project);
    QFETCH(QString, text);
    QFETCH(int, expectedRows);

    m_view->decisionFilter()->setCurrentIndex(decisionIndex);
    m_view->projectFilter()->setCurrentText(project);
    QTest::keyClicks(m_view->textFilter(), text);
    QCOMPARE(m_view->proxy()->rowCount(), expectedRows);
    QCOMPARE(m_view->shownRecords().size(), expectedRows);
}

void TestAccessLogView::detailPaneShowsRecord()
{
    m_view->table()->selectRow(5);
    const QString details = m_view->detailPane()->toPlainText();
    QVERIFY2(details.contains(QStringLiteral("c1-5")), qPrintable(details));
    QVERIFY(details.contains(QStringLiteral("project does not match the allowed projects")));
    QVERIFY(details.contains(QStringLiteral("Lists branches to pick a tracked one")));
}

void TestAccessLogView::copySelection()
{
    m_view->table()->selectRow(3);
    m_view->copySelection();
    const QString copied = QApplication::clipboard()->text();
    QVERIFY2(copied.contains(QStringLiteral("id=c1-3")), qPrintable(copied));
    QCOMPARE(copied.count(QLatin1Char('\n')), 1);
}

void TestAccessLogView::exportJsonLinesRoundTrips()
{
    m_view->decisionFilter()->setCurrentIndex(2);
    QTemporaryDir dir;
    const QString fileName = dir.filePath(QStringLiteral("denied.jsonl"));
    QString error;
    QVERIFY2(RecordExport::writeFile(fileName, m_view->shownRecords(), &error), qPrintable(error));
    QFile file(fileName);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 20);
    for (const QByteArray &line : lines) {
        const auto record = AccessRecord::fromJson(QJsonDocument::fromJson(line).object(), &error);
        QVERIFY2(record, qPrintable(error));
        QCOMPARE(record->decision, AccessRecord::Decision::Deny);
    }
}

void TestAccessLogView::exportCsvEscapes()
{
    AccessRecord record = makeRecord(2);
    record.description = QStringLiteral("=HYPERLINK(\"http://x\")");
    record.reason = QStringLiteral("a, \"quoted\"\nreason");
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    RecordExport::writeCsv(&buffer, { record });
    const QList<QByteArray> lines = buffer.data().split('\n');
    QVERIFY(lines.at(0).startsWith("time,stream,request_id,method,target"));
    const QByteArray data = buffer.data();
    QVERIFY2(data.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), data.constData());
    QVERIFY2(data.contains("\"a, \"\"quoted\"\"\nreason\""), data.constData());
    QCOMPARE(RecordExport::formatForFileName(QStringLiteral("x.CSV")), RecordExport::Format::Csv);
    QCOMPARE(RecordExport::formatForFileName(QStringLiteral("x.jsonl")),
             RecordExport::Format::JsonLines);
}

QTEST_MAIN(TestAccessLogView)
#include "tst_accesslogview.moc"
