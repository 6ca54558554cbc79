#include "log/logthrottle.h"

#include <QTest>

class tst_LogThrottle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneMessagePerInterval();
};

void tst_LogThrottle::oneMessagePerInterval()
{
    LogThrottle throttle(200);
    QVERIFY(throttle.allow());
    QCOMPARE(throttle.suppressedSuffix(), QString());
    for (int i = 0; i < 5; ++i) {
        QVERIFY(!throttle.allow());
    }
    // The next message after the interval reports the five held back, and only once.
    QTest::qWait(250);
    QVERIFY(throttle.allow());
    QCOMPARE(throttle.suppressedSuffix(), QStringLiteral(" (and 5 more since the last such message)"));
    QTest::qWait(250);
    QVERIFY(throttle.allow());
    QCOMPARE(throttle.suppressedSuffix(), QString());
}

QTEST_GUILESS_MAIN(tst_LogThrottle)
#include "tst_logthrottle.moc"
