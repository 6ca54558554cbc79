// Replays request lines that real clients sent (git smart HTTP, python-gitlab), recorded by
// tests/data/filter/capture_clients.py against a local server: every one must be allowed.

#include "filter/requestfilter.h"
#include "testenvironment.h"

#include <QDir>
#include <QFile>
#include <QTest>

class TestClientCaptures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void capturedRequest_data();
    void capturedRequest();
};

void TestClientCaptures::capturedRequest_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");

    const QDir directory(TestEnvironment::dataFile(QStringLiteral("filter/captures")));
    const QStringList files = directory.entryList({QStringLiteral("*.txt")}, QDir::Files);
    QCOMPARE(files.size(), 2);
    for (const QString &name : files) {
        QFile file(directory.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        int line = 0;
        while (!file.atEnd()) {
            const QByteArray text = file.readLine().trimmed();
            ++line;
            if (text.isEmpty()) {
                continue;
            }
            const qsizetype space = text.indexOf(' ');
            QVERIFY(space > 0);
            QTest::addRow("%s:%d", qPrintable(name), line) << text.left(space) << text.mid(space + 1);
        }
    }
}

void TestClientCaptures::capturedRequest()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);

    QString error;
    const auto filter = RequestFilter::create(Vendor::GitLab, QStringLiteral("acme/.*"), &error);
    QVERIFY2(filter, qPrintable(error));
    const FilterDecision decision = filter->evaluate(method, target, {});
    QVERIFY2(decision.allowed, qPrintable(decision.reason));
    QVERIFY2(decision.project.startsWith(QLatin1String("acme/")), qPrintable(decision.project));
}

QTEST_GUILESS_MAIN(TestClientCaptures)
#include "tst_clientcaptures.moc"
