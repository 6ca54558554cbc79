// The connections model: rows per stream, updates in place, under QAbstractItemModelTester.

#include "streamtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

StreamStatus makeStatus(int index, StreamStatus::State state)
{
    StreamStatus status;
    status.index = index;
    status.state = state;
    status.gateway = QStringLiteral("wss://gateway.example:443");
    status.connectionId = QStringLiteral("conn-%1").arg(index);
    status.connectedSince = QDateTime::fromMSecsSinceEpoch(1700000000000LL, Qt::UTC);
    status.requestsServed = index * 10;
    return status;
}

} // namespace

class TestStreamTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowCounts_data();
    void rowCounts();
    void changedRowOnly();
    void columnsShowStatus();
};

void TestStreamTableModel::rowCounts_data()
{
    QTest::addColumn<int>("before");
    QTest::addColumn<int>("after");

    QTest::newRow("grow from none") << 0 << 4;
    QTest::newRow("shrink") << 4 << 2;
    QTest::newRow("to none") << 3 << 0;
    QTest::newRow("same") << 4 << 4;
}

void TestStreamTableModel::rowCounts()
{
    QFETCH(int, before);
    QFETCH(int, after);

    StreamTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<StreamStatus> statuses;
    for (int i = 0; i < before; ++i) {
        statuses.append(makeStatus(i, StreamStatus::State::Idle));
    }
    model.setStatuses(statuses);
    QCOMPARE(model.rowCount(), before);
    statuses.clear();
    for (int i = 0; i < after; ++i) {
        statuses.append(makeStatus(i, StreamStatus::State::Connecting));
    }
    model.setStatuses(statuses);
    QCOMPARE(model.rowCount(), after);
    for (int row = 0; row < after; ++row) {
        QCOMPARE(model.index(row, StreamTableModel::StateColumn).data(StreamTableModel::StateRole)
                         .toInt(),
                 int(StreamStatus::State::Connecting));
    }
}

void TestStreamTableModel::changedRowOnly()
{
    StreamTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<StreamStatus> statuses{ makeStatus(0, StreamStatus::State::Idle),
                                  makeStatus(1, StreamStatus::State::Idle),
                                  makeStatus(2, StreamStatus::State::Idle) };
    model.setStatuses(statuses);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    statuses[1].state = StreamStatus::State::Busy;
    statuses[1].currentRequest = QStringLiteral("GET /api/v4/user");
    model.setStatuses(statuses);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    model.setStatuses(statuses);
    QCOMPARE(changed.size(), 1);
}

void TestStreamTableModel::columnsShowStatus()
{
    StreamTableModel model;
    StreamStatus waiting = makeStatus(2, StreamStatus::State::WaitingToReconnect);
    waiting.lastError = QStringLiteral("connection refused");
    waiting.nextRetry = QDateTime::currentDateTimeUtc().addSecs(5);
    model.setStatuses({ waiting });
    QCOMPARE(model.index(0, StreamTableModel::StreamColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(0, StreamTableModel::StateColumn).data().toString(),
             StreamTableModel::stateText(StreamStatus::State::WaitingToReconnect));
    QCOMPARE(model.index(0, StreamTableModel::LastErrorColumn).data().toString(),
             QStringLiteral("connection refused"));
    QVERIFY(!model.index(0, StreamTableModel::NextRetryColumn).data().toString().isEmpty());
    // A stream that is not connected shows no "connected since".
    QVERIFY(model.index(0, StreamTableModel::ConnectedSinceColumn).data().toString().isEmpty());
    QCOMPARE(model.index(0, StreamTableModel::RequestsColumn).data(StreamTableModel::SortRole)
                     .toLongLong(),
             qint64(20));
}

QTEST_MAIN(TestStreamTableModel)
#include "tst_streamtablemodel.moc"
