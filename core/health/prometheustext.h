#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>

using MetricLabels = QList<QPair<QString, QString>>;

// A counter family: one monotonically increasing value per combination of label values.
class LabeledCounter
{
public:
    void increment(const QStringList &labelValues, double amount = 1);
    double value(const QStringList &labelValues) const;
    const QMap<QStringList, double> &values() const { return m_values; }

private:
    QMap<QStringList, double> m_values;
};

// A histogram family with fixed upper bounds, one set of buckets per combination of label values.
class LabeledHistogram
{
public:
    explicit LabeledHistogram(QList<double> upperBounds);

    void observe(const QStringList &labelValues, double value);

    struct Series
    {
        QList<quint64> bucketCounts; // not cumulative, one per upper bound
        quint64 count = 0;
        double sum = 0;
    };

    const QList<double> &upperBounds() const { return m_upperBounds; }
    const QMap<QStringList, Series> &series() const { return m_series; }

private:
    QList<double> m_upperBounds;
    QMap<QStringList, Series> m_series;
};

// A writer of the Prometheus text exposition format, version 0.0.4: HELP and TYPE lines for each
// family followed by its samples, with label values and help text escaped as the format requires.
class PrometheusText
{
public:
    static constexpr const char *contentType = "text/plain; version=0.0.4; charset=utf-8";

    void addGauge(const QString &name, const QString &help, const QStringList &labelNames,
                  const QMap<QStringList, double> &values);
    void addGauge(const QString &name, const QString &help, double value);
    void addCounter(const QString &name, const QString &help, const QStringList &labelNames,
                    const LabeledCounter &counter);
    void addCounter(const QString &name, const QString &help, double value);
    void addHistogram(const QString &name, const QString &help, const QStringList &labelNames,
                      const LabeledHistogram &histogram);

    QByteArray text() const { return m_text; }

    // Formats a sample value: integers without a fraction, +Inf, -Inf and NaN as spelled by
    // the format.
    static QByteArray formatValue(double value);
    static QByteArray escapeLabelValue(const QString &value);

private:
    void addHeader(const QString &name, const char *type, const QString &help);
    void addSample(const QString &name, const MetricLabels &labels, double value);

    QByteArray m_text;
};
