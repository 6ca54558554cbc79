#include "health/prometheustext.h"

#include <QTest>
#include <cmath>
#include <limits>

class TestPrometheusText final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatValue_data();
    void formatValue();
    void escapeLabelValue_data();
    void escapeLabelValue();
    void counterFamily();
    void gaugeWithoutLabels();
    void histogramBucketsCumulative();
    void histogramValueOnBound();
    void helpEscaped();
};

void TestPrometheusText::formatValue_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("zero") << 0.0 << QByteArray("0");
    QTest::newRow("integer") << 42.0 << QByteArray("42");
    QTest::newRow("negative integer") << -7.0 << QByteArray("-7");
    QTest::newRow("fraction") << 0.025 << QByteArray("0.025");
    QTest::newRow("large integer") << 1.0e12 << QByteArray("1000000000000");
    QTest::newRow("positive infinity") << std::numeric_limits<double>::infinity()
                                       << QByteArray("+Inf");
    QTest::newRow("negative infinity") << -std::numeric_limits<double>::infinity()
                                       << QByteArray("-Inf");
    QTest::newRow("not a number") << std::nan("") << QByteArray("NaN");
}

void TestPrometheusText::formatValue()
{
    QFETCH(double, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(PrometheusText::formatValue(value), expected);
}

void TestPrometheusText::escapeLabelValue_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QStringLiteral("branches-list") << QByteArray("branches-list");
    QTest::newRow("quote") << QStringLiteral("a\"b") << QByteArray("a\\\"b");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QByteArray("a\\\\b");
    QTest::newRow("line feed") << QStringLiteral("a\nb") << QByteArray("a\\nb");
    QTest::newRow("utf-8") << QStringLiteral("pool-\u00e4") << QByteArray("pool-\xc3\xa4");
    QTest::newRow("empty") << QString() << QByteArray();
}

void TestPrometheusText::escapeLabelValue()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(PrometheusText::escapeLabelValue(value), expected);
}

void TestPrometheusText::counterFamily()
{
    LabeledCounter counter;
    counter.increment({ QStringLiteral("allow"), QStringLiteral("branches-list") });
    counter.increment({ QStringLiteral("allow"), QStringLiteral("branches-list") }, 2);
    counter.increment({ QStringLiteral("deny"), QStringLiteral("none") });
    QCOMPARE(counter.value({ QStringLiteral("allow"), QStringLiteral("branches-list") }), 3.0);
    QCOMPARE(counter.value({ QStringLiteral("deny"), QStringLiteral("other") }), 0.0);

    PrometheusText text;
    text.addCounter(QStringLiteral("requests_total"), QStringLiteral("Requests."),
                    { QStringLiteral("decision"), QStringLiteral("rule") }, counter);
    QCOMPARE(text.text(),
             QByteArray("# HELP requests_total Requests.\n"
                        "# TYPE requests_total counter\n"
                        "requests_total{decision=\"allow\",rule=\"branches-list\"} 3\n"
                        "requests_total{decision=\"deny\",rule=\"none\"} 1\n"));
}

void TestPrometheusText::gaugeWithoutLabels()
{
    PrometheusText text;
    text.addGauge(QStringLiteral("ready"), QStringLiteral("Readiness."), 1);
    QCOMPARE(text.text(), QByteArray("# HELP ready Readiness.\n# TYPE ready gauge\nready 1\n"));
}

void TestPrometheusText::histogramBucketsCumulative()
{
    LabeledHistogram histogram({ 0.1, 1, 10 });
    histogram.observe({ QStringLiteral("demo") }, 0.05);
    histogram.observe({ QStringLiteral("demo") }, 0.5);
    histogram.observe({ QStringLiteral("demo") }, 0.7);
    histogram.observe({ QStringLiteral("demo") }, 60);

    PrometheusText text;
    text.addHistogram(QStringLiteral("duration_seconds"), QStringLiteral("Duration."),
                      { QStringLiteral("pool") }, histogram);
    const QByteArray expected = "# HELP duration_seconds Duration.\n"
                                "# TYPE duration_seconds histogram\n"
                                "duration_seconds_bucket{pool=\"demo\",le=\"0.1\"} 1\n"
                                "duration_seconds_bucket{pool=\"demo\",le=\"1\"} 3\n"
                                "duration_seconds_bucket{pool=\"demo\",le=\"10\"} 3\n"
                                "duration_seconds_bucket{pool=\"demo\",le=\"+Inf\"} 4\n"
                                "duration_seconds_sum{pool=\"demo\"} 61.25\n"
                                "duration_seconds_count{pool=\"demo\"} 4\n";
    QCOMPARE(text.text(), expected);
}

void TestPrometheusText::histogramValueOnBound()
{
    // Buckets are "less than or equal": a value on a bound counts in that bucket.
    LabeledHistogram histogram({ 1, 2 });
    histogram.observe({}, 1);
    const auto series = histogram.series().value({});
    QCOMPARE(series.bucketCounts.size(), 2);
    QCOMPARE(series.bucketCounts.at(0), quint64(1));
    QCOMPARE(series.bucketCounts.at(1), quint64(0));
    QCOMPARE(series.count, quint64(1));
}

void TestPrometheusText::helpEscaped()
{
    PrometheusText text;
    text.addGauge(QStringLiteral("g"), QStringLiteral("line\\one\nline two"), 0);
    QVERIFY(text.text().startsWith("# HELP g line\\\\one\\nline two\n"));
}

QTEST_GUILESS_MAIN(TestPrometheusText)
#include "tst_prometheustext.moc"
