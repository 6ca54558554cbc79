// Compressed bodies through a real tunnel on 127.0.0.1: a gzip response reaches the platform as
// the VCS sent it, with its Content-Encoding, whether or not the platform asked for gzip; a
// gzip-encoded git-upload-pack request body reaches the VCS byte for byte with its header.

#include "systemharness.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

namespace {

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

// Runs gzip on `input`: compresses, or decompresses with `decompress`.
QByteArray gzip(const SystemHarness &harness, const QByteArray &input, bool decompress)
{
    const ProcessResult result = TestProcess::run(
            QStringLiteral("gzip"), { decompress ? QStringLiteral("-dc") : QStringLiteral("-c") },
            harness.clientEnvironment(), 60000, input);
    return result.finished && result.exitCode == 0 ? result.standardOutput : QByteArray();
}

QByteArray pktLine(const QByteArray &payload)
{
    return QByteArray::number(payload.size() + 4, 16).rightJustified(4, '0') + payload;
}

} // namespace

class tst_Compression final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void gzipAnswer_data();
    void gzipAnswer();
    void gzipUploadPackBody();

private:
    std::unique_ptr<SystemHarness> m_harness;
};

void tst_Compression::initTestCase()
{
    m_harness = std::make_unique<SystemHarness>();
    QVERIFY2(m_harness->startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app") }),
             qPrintable(m_harness->lastError()));
    QVERIFY2(m_harness->startGateway(), qPrintable(m_harness->lastError()));
    const auto token = m_harness->createPool(QStringLiteral("compressed"));
    QVERIFY2(token, qPrintable(m_harness->lastError()));
    TestProcess *agent = m_harness->startAgent(*token);
    QVERIFY2(m_harness->waitForStreams(agent, 4), qPrintable(m_harness->logTail()));
}

void tst_Compression::cleanupTestCase()
{
    m_harness.reset();
}

void tst_Compression::gzipAnswer_data()
{
    QTest::addColumn<QByteArray>("acceptEncoding");
    QTest::addColumn<int>("size");

    QTest::newRow("no Accept-Encoding") << QByteArray() << 200000;
    QTest::newRow("Accept-Encoding: gzip") << QByteArray("gzip") << 200000;
    QTest::newRow("Accept-Encoding: identity") << QByteArray("identity") << 3000;
    QTest::newRow("large, no Accept-Encoding") << QByteArray() << 8000000;
}

void tst_Compression::gzipAnswer()
{
    QFETCH(QByteArray, acceptEncoding);
    QFETCH(int, size);

    HttpHeaderList headers;
    if (!acceptEncoding.isEmpty()) {
        headers.append(qMakePair(QByteArray("Accept-Encoding"), QByteArray(acceptEncoding)));
    }
    const RawHttpResponse response = m_harness->relay(
            "GET",
            "/api/v4/projects/acme%2Fapp/repository/files/README.md/raw?respond=gzip&size="
                    + QByteArray::number(size),
            headers);
    QVERIFY2(response.complete, qPrintable(response.error));
    QCOMPARE(response.status, 200);
    // The bytes the VCS compressed, unchanged, and the header that says so.
    QCOMPARE(response.header("Content-Encoding"), QByteArray("gzip"));
    QCOMPARE(sha256Hex(response.body), response.header("X-Content-SHA256"));
    const QByteArray length = response.header("Content-Length");
    QVERIFY(length.isEmpty() || length.toLongLong() == response.body.size());
    const QByteArray plain = gzip(*m_harness, response.body, true);
    QCOMPARE(plain.size(), response.header("X-Uncompressed-Length").toLongLong());
    QCOMPARE(sha256Hex(plain), response.header("X-Uncompressed-SHA256"));

    // The VCS got the platform's Accept-Encoding as sent, or none.
    const QJsonArray records = m_harness->localVcs().requests(m_harness->localVcs().lastRequestId() - 1);
    QVERIFY(!records.isEmpty());
    QByteArray forwarded;
    for (const QJsonValue &header :
         records.last().toObject().value(QStringLiteral("headers")).toArray()) {
        if (header.toArray().at(0).toString().compare(QLatin1String("Accept-Encoding"),
                                                      Qt::CaseInsensitive) == 0) {
            forwarded = header.toArray().at(1).toString().toLatin1();
        }
    }
    QCOMPARE(forwarded, acceptEncoding);
}

void tst_Compression::gzipUploadPackBody()
{
    // A real upload-pack request: want the head of main, many haves the VCS does not know (so
    // the body is several MB even compressed), then done.
    const QJsonArray repositories = m_harness->localVcs().repositories();
    QByteArray head;
    for (const QJsonValue &value : repositories) {
        const QJsonObject repository = value.toObject();
        if (repository.value(QStringLiteral("path")).toString() == QLatin1String("acme/app")) {
            head = repository.value(QStringLiteral("head")).toString().toLatin1();
        }
    }
    QVERIFY2(head.size() == 40, QJsonDocument(repositories).toJson().constData());
    QByteArray request = pktLine("want " + head + " ofs-delta\n") + "0000";
    QRandomGenerator random(42);
    while (request.size() < 11 * 1024 * 1024) {
        QByteArray have(20, Qt::Uninitialized);
        for (char &byte : have) {
            byte = char(random.bounded(256));
        }
        request += pktLine("have " + have.toHex() + '\n');
    }
    request += pktLine("done\n");
    const QByteArray body = gzip(*m_harness, request, false);
    QVERIFY2(body.size() > 5 * 1024 * 1024, QByteArray::number(body.size()).constData());

    const qint64 before = m_harness->localVcs().lastRequestId();
    const RawHttpResponse response = m_harness->relay(
            "POST", "/acme/app.git/git-upload-pack",
            { { "Content-Type", "application/x-git-upload-pack-request" },
              { "Accept", "application/x-git-upload-pack-result" },
              { "Content-Encoding", "gzip" } },
            body, 120000);
    QVERIFY2(response.complete, qPrintable(response.error + m_harness->logTail()));
    QCOMPARE(response.status, 200);
    // git understood the decompressed request: it sends NAK and then the pack.
    QVERIFY2(response.body.startsWith("0008NAK\n"), response.body.left(200).constData());
    QVERIFY(response.body.contains("PACK"));

    const QJsonArray records = m_harness->localVcs().requests(before);
    QCOMPARE(records.size(), 1);
    const QJsonObject record = records.first().toObject();
    QCOMPARE(record.value(QStringLiteral("body_length")).toInteger(), body.size());
    QCOMPARE(record.value(QStringLiteral("body_sha256")).toString().toLatin1(), sha256Hex(body));
    QVERIFY(record.value(QStringLiteral("body_complete")).toBool());
    bool encodingForwarded = false;
    for (const QJsonValue &header : record.value(QStringLiteral("headers")).toArray()) {
        encodingForwarded = encodingForwarded
                || (header.toArray().at(0).toString().compare(QLatin1String("Content-Encoding"),
                                                              Qt::CaseInsensitive) == 0
                    && header.toArray().at(1).toString() == QLatin1String("gzip"));
    }
    QVERIFY(encodingForwarded);
}

QTEST_GUILESS_MAIN(tst_Compression)
#include "tst_compression.moc"
