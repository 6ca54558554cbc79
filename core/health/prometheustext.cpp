#include "prometheustext.h"

#include <QLocale>
#include <cmath>

namespace {

MetricLabels zipLabels(const QStringList &names, const QStringList &values)
{
    MetricLabels labels;
    for (qsizetype i = 0; i < names.size(); ++i) {
        labels.append({ names.at(i), values.value(i) });
    }
    return labels;
}

} // namespace

void LabeledCounter::increment(const QStringList &labelValues, double amount)
{
    m_values[labelValues] += amount;
}

double LabeledCounter::value(const QStringList &labelValues) const
{
    return m_values.value(labelValues, 0);
}

LabeledHistogram::LabeledHistogram(QList<double> upperBounds)
    : m_upperBounds(std::move(upperBounds))
{
}

void LabeledHistogram::observe(const QStringList &labelValues, double value)
{
    Series &series = m_series[labelValues];
    if (series.bucketCounts.isEmpty()) {
        series.bucketCounts.fill(0, m_upperBounds.size());
    }
    for (qsizetype i = 0; i < m_upperBounds.size(); ++i) {
        if (value <= m_upperBounds.at(i)) {
            ++series.bucketCounts[i];
            break;
        }
    }
    ++series.count;
    series.sum += value;
}

QByteArray PrometheusText::formatValue(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return QByteArray::number(qint64(value));
    }
    return QString::number(value, 'g', QLocale::FloatingPointShortest).toLatin1();
}

QByteArray PrometheusText::escapeLabelValue(const QString &value)
{
    QByteArray escaped;
    const QByteArray utf8 = value.toUtf8();
    escaped.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '"') {
            escaped += "\\\"";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

void PrometheusText::addHeader(const QString &name, const char *type, const QString &help)
{
    // HELP text escapes only backslash and line feed.
    QString escapedHelp = help;
    escapedHelp.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escapedHelp.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    m_text += "# HELP " + name.toUtf8() + ' ' + escapedHelp.toUtf8() + '\n';
    m_text += "# TYPE " + name.toUtf8() + ' ' + type + '\n';
}

void PrometheusText::addSample(const QString &name, const MetricLabels &labels, double value)
{
    m_text += name.toUtf8();
    if (!labels.isEmpty()) {
        m_text += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i > 0) {
                m_text += ',';
            }
            m_text += labels.at(i).first.toUtf8() + "=\"" + escapeLabelValue(labels.at(i).second)
                    + '"';
        }
        m_text += '}';
    }
    m_text += ' ' + formatValue(value) + '\n';
}

void PrometheusText::addGauge(const QString &name, const QString &help,
                              const QStringList &labelNames, const QMap<QStringList, double> &values)
{
    addHeader(name, "gauge", help);
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        addSample(name, zipLabels(labelNames, it.key()), it.value());
    }
}

void PrometheusText::addGauge(const QString &name, const QString &help, double value)
{
    addHeader(name, "gauge", help);
    addSample(name, {}, value);
}

void PrometheusText::addCounter(const QString &name, const QString &help,
                                const QStringList &labelNames, const LabeledCounter &counter)
{
    addHeader(name, "counter", help);
    const auto &values = counter.values();
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        addSample(name, zipLabels(labelNames, it.key()), it.value());
    }
}

void PrometheusText::addCounter(const QString &name, const QString &help, double value)
{
    addHeader(name, "counter", help);
    addSample(name, {}, value);
}

void PrometheusText::addHistogram(const QString &name, const QString &help,
                                  const QStringList &labelNames, const LabeledHistogram &histogram)
{
    addHeader(name, "histogram", help);
    const QString bucketName = name + QStringLiteral("_bucket");
    const auto &allSeries = histogram.series();
    for (auto it = allSeries.cbegin(); it != allSeries.cend(); ++it) {
        const MetricLabels labels = zipLabels(labelNames, it.key());
        quint64 cumulative = 0;
        for (qsizetype i = 0; i < histogram.upperBounds().size(); ++i) {
            cumulative += it->bucketCounts.value(i);
            MetricLabels bucketLabels = labels;
            bucketLabels.append({ QStringLiteral("le"),
                                  QString::fromLatin1(formatValue(histogram.upperBounds().at(i))) });
            addSample(bucketName, bucketLabels, double(cumulative));
        }
        MetricLabels infLabels = labels;
        infLabels.append({ QStringLiteral("le"), QStringLiteral("+Inf") });
        addSample(bucketName, infLabels, double(it->count));
        addSample(name + QStringLiteral("_sum"), labels, it->sum);
        addSample(name + QStringLiteral("_count"), labels, double(it->count));
    }
}
