// The access-log ring buffer model and its filter proxy, under QAbstractItemModelTester.

#include "accesslogfilterproxy.h"
#include "accesslogmodel.h"
#include "log/accesslog.h"
#include "recordfactory.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

class TestAccessLogModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ringBufferBounds_data();
    void ringBufferBounds();
    void unboundedKeepsAll();
    void followBatchesRecords();
    void sortsByRawValue();
    void filters_data();
    void filters();
    void clearEmpties();
};

void TestAccessLogModel::ringBufferBounds_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QList<int>>("batches");
    QTest::addColumn<int>("expectedRows");
    QTest::addColumn<int>("expectedFirst");

    QTest::newRow("under capacity") << 10 << QList<int>{ 3, 4 } << 7 << 0;
    QTest::newRow("exactly full") << 10 << QList<int>{ 10 } << 10 << 0;
    QTest::newRow("wraps once") << 10 << QList<int>{ 6, 7 } << 10 << 3;
    QTest::newRow("batch larger than capacity") << 10 << QList<int>{ 2, 25 } << 10 << 17;
    QTest::newRow("many single appends") << 7 << QList<int>{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }
                                         << 7 << 4;
}

void TestAccessLogModel::ringBufferBounds()
{
    QFETCH(int, capacity);
    QFETCH(QList<int>, batches);
    QFETCH(int, expectedRows);
    QFETCH(int, expectedFirst);

    AccessLogModel model(capacity);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int next = 0;
    for (int size : batches) {
        QList<AccessRecord> batch;
        for (int i = 0; i < size; ++i) {
            batch.append(makeRecord(next++));
        }
        model.append(batch);
    }
    QCOMPARE(model.rowCount(), expectedRows);
    QCOMPARE(model.droppedCount(), qint64(next - expectedRows));
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.record(row).requestId, makeRecord(expectedFirst + row).requestId);
    }
    QCOMPARE(model.index(0, AccessLogModel::MethodColumn).data().toString(),
             makeRecord(expectedFirst).method);
}

void TestAccessLogModel::unboundedKeepsAll()
{
    AccessLogModel model(0);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<AccessRecord> batch;
    for (int i = 0; i < 25000; ++i) {
        batch.append(makeRecord(i));
    }
    model.append(batch);
    QCOMPARE(model.rowCount(), 25000);
    QCOMPARE(model.record(24999).requestId, QStringLiteral("c1-24999"));
    QCOMPARE(model.droppedCount(), qint64(0));
}

void TestAccessLogModel::followBatchesRecords()
{
    AccessLog log;
    AccessLogModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.follow(&log, 50);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 30; ++i) {
        log.append(makeRecord(i));
    }
    QCOMPARE(model.rowCount(), 0);
    QTRY_COMPARE(model.rowCount(), 30);
    QCOMPARE(inserted.size(), 1);
}

void TestAccessLogModel::sortsByRawValue()
{
    AccessLogModel model(0);
    AccessLogFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AccessRecord small = makeRecord(1);
    small.bytesOut = 900;
    AccessRecord large = makeRecord(2);
    large.bytesOut = 10 * 1024 * 1024;
    AccessRecord medium = makeRecord(3);
    medium.bytesOut = 2048;
    model.append(QList<AccessRecord>{ large, small, medium });
    proxy.sort(AccessLogModel::BytesColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(AccessLogModel::SortRole).toDateTime(), small.time);
    QCOMPARE(proxy.index(1, 0).data(AccessLogModel::SortRole).toDateTime(), medium.time);
    QCOMPARE(proxy.index(2, 0).data(AccessLogModel::SortRole).toDateTime(), large.time);
}

void TestAccessLogModel::filters_data()
{
    QTest::addColumn<int>("decision"); // -1 any, else AccessRecord::Decision
    QTest::addColumn<QString>("project");
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("expectedRows");

    // 100 records: even ones allowed, projects acme/app0 … acme/app4 in turn.
    QTest::newRow("no filter") << -1 << QString() << QString() << 100;
    QTest::newRow("allowed") << int(AccessRecord::Decision::Allow) << QString() << QString() << 50;
    QTest::newRow("denied") << int(AccessRecord::Decision::Deny) << QString() << QString() << 50;
    QTest::newRow("project") << -1 << QStringLiteral("acme/app3") << QString() << 20;
    QTest::newRow("project ignores case") << -1 << QStringLiteral("ACME/APP3") << QString() << 20;
    QTest::newRow("denied in project") << int(AccessRecord::Decision::Deny)
                                       << QStringLiteral("acme/app3") << QString() << 10;
    QTest::newRow("text in request id") << -1 << QString() << QStringLiteral("c1-42") << 1;
    QTest::newRow("text in reason") << -1 << QString() << QStringLiteral("does not match") << 50;
    QTest::newRow("text in purpose") << -1 << QString() << QStringLiteral("purpose 7") << 11;
    QTest::newRow("text matches nothing") << -1 << QString() << QStringLiteral("zzz") << 0;
}

void TestAccessLogModel::filters()
{
    QFETCH(int, decision);
    QFETCH(QString, project);
    QFETCH(QString, text);
    QFETCH(int, expectedRows);

    AccessLogModel model(0);
    AccessLogFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<AccessRecord> records;
    for (int i = 0; i < 100; ++i) {
        records.append(makeRecord(i));
    }
    model.append(records);
    proxy.setDecision(decision < 0 ? std::nullopt
                                   : std::optional(AccessRecord::Decision(decision)));
    proxy.setProject(project);
    proxy.setText(text);
    QCOMPARE(proxy.rowCount(), expectedRows);
}

void TestAccessLogModel::clearEmpties()
{
    AccessLogModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append(makeRecord(1));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    model.append(makeRecord(2));
    QCOMPARE(model.record(0).requestId, QStringLiteral("c1-2"));
}

QTEST_MAIN(TestAccessLogModel)
#include "tst_accesslogmodel.moc"
