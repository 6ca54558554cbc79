// Replays tests/data/filter/cases.jsonl: requests that broke filters of this kind elsewhere,
// each with the decision and project a correct filter returns.

#include "filter/requestfilter.h"
#include "testenvironment.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

class TestFilterCases : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replayCase_data();
    void replayCase();
};

void TestFilterCases::replayCase_data()
{
    QTest::addColumn<QJsonObject>("request");

    QFile file(TestEnvironment::dataFile(QStringLiteral("filter/cases.jsonl")));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    int count = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty()) {
            continue;
        }
        const QJsonObject request = QJsonDocument::fromJson(line).object();
        QVERIFY2(!request.isEmpty(), line.constData());
        QTest::newRow(qPrintable(request.value(QLatin1String("id")).toString())) << request;
        ++count;
    }
    QCOMPARE(count, 41);
}

void TestFilterCases::replayCase()
{
    QFETCH(QJsonObject, request);

    const std::optional<Vendor> vendor =
            vendorFromName(request.value(QLatin1String("vendor")).toString());
    QVERIFY(vendor);
    QString error;
    const auto filter = RequestFilter::create(
            *vendor, request.value(QLatin1String("allowed_projects")).toString(QStringLiteral(".*")),
            &error);
    QVERIFY2(filter, qPrintable(error));

    HttpHeaderList headers;
    const QJsonObject headerObject = request.value(QLatin1String("headers")).toObject();
    for (auto it = headerObject.begin(); it != headerObject.end(); ++it) {
        headers.append({it.key().toUtf8(), it.value().toString().toUtf8()});
    }
    FilterDecision decision =
            filter->evaluate(request.value(QLatin1String("method")).toString().toUtf8(),
                             request.value(QLatin1String("target")).toString().toUtf8(), headers);
    if (decision.needsBody) {
        decision = filter->evaluateBody(decision,
                                        request.value(QLatin1String("body")).toString().toUtf8());
    }

    const QJsonObject expect = request.value(QLatin1String("expect")).toObject();
    const bool expectAllowed = expect.value(QLatin1String("decision")).toString()
            == QLatin1String("allow");
    QVERIFY2(decision.allowed == expectAllowed, qPrintable(decision.reason));
    QVERIFY(!decision.reason.isEmpty());
    if (expect.contains(QLatin1String("project"))) {
        QCOMPARE(decision.project.toLower(),
                 expect.value(QLatin1String("project")).toString().toLower());
    }
}

QTEST_GUILESS_MAIN(TestFilterCases)
#include "tst_filtercases.moc"
