// Load held by one agent with 8 streams behind a real gateway: many requests of mixed sizes from
// 0 bytes to several MB, downloads and uploads, some denied. Every answer is checked against its
// own request by hash, the VCS must see each allowed request exactly once and no denied one, and
// the resident memory of the agent and the gateway must stay flat after a warm-up.
//
// VCS_SOAK_REQUESTS sets the number of requests (default 5000); tests/soak/run-soak.sh runs the
// long version.

#include "systemharness.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>
#include <QThread>
#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int streamCount = 8;
constexpr qint64 mebibyte = 1024 * 1024;
// Seeds of the large downloads: few, so localvcs serves them from its cache and the test hashes
// prefixes of streams it generated once.
const QList<QByteArray> largeSeeds = { "large-a", "large-b", "large-c", "large-d" };
constexpr qint64 largeMaximum = 5 * mebibyte;

enum class Kind { SmallDownload, MediumDownload, LargeDownload, Upload, LargeUpload, Denied };

struct PlannedRequest
{
    Kind kind = Kind::SmallDownload;
    qint64 size = 0;
    QByteArray seed;
};

// The mix: most requests are small, one in a hundred downloads several MB, one in ten is denied.
PlannedRequest plan(int index)
{
    QRandomGenerator random(quint32(index) * 2654435761u + 17u);
    const int roll = random.bounded(1000);
    PlannedRequest request;
    request.seed = "soak-" + QByteArray::number(index);
    if (roll < 440) {
        request.kind = Kind::SmallDownload;
        request.size = random.bounded(16 * 1024 + 1); // 0 bytes included
    } else if (roll < 540) {
        request.kind = Kind::MediumDownload;
        request.size = 16 * 1024 + random.bounded(240 * 1024);
    } else if (roll < 550) {
        request.kind = Kind::LargeDownload;
        request.size = mebibyte + random.bounded(int(largeMaximum - mebibyte) + 1);
        request.seed = largeSeeds.at(random.bounded(largeSeeds.size()));
    } else if (roll < 870) {
        request.kind = Kind::Upload;
        request.size = random.bounded(64 * 1024 + 1);
    } else if (roll < 900) {
        request.kind = Kind::LargeUpload;
        request.size = 256 * 1024 + random.bounded(int(2 * mebibyte));
    } else {
        request.kind = Kind::Denied;
    }
    return request;
}

QByteArray uploadBody(int index, qint64 size)
{
    QByteArray body(size, Qt::Uninitialized);
    QRandomGenerator random(quint32(index) ^ 0x5eed5eedu);
    random.fillRange(reinterpret_cast<quint32 *>(body.data()), int(size / 4));
    for (qint64 i = size - size % 4; i < size; ++i) {
        body[i] = char(random.bounded(256));
    }
    return body;
}

QByteArray sha256Hex(QByteArrayView data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

qint64 residentKib(qint64 processId)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(processId));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmRSS:")) {
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return -1;
}

struct RssSample
{
    double progress = 0;
    qint64 agentKib = 0;
    qint64 gatewayKib = 0;
};

// The largest sample whose progress lies in [from, to].
qint64 peak(const QList<RssSample> &samples, double from, double to, qint64 RssSample::*field)
{
    qint64 result = -1;
    for (const RssSample &sample : samples) {
        if (sample.progress >= from && sample.progress <= to) {
            result = qMax(result, sample.*field);
        }
    }
    return result;
}

} // namespace

class tst_Soak final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mixedLoadOverEightStreams();
};

void tst_Soak::mixedLoadOverEightStreams()
{
    const int total = qEnvironmentVariableIsSet("VCS_SOAK_REQUESTS")
            ? qEnvironmentVariableIntValue("VCS_SOAK_REQUESTS")
            : 5000;
    QVERIFY2(total >= 100, "VCS_SOAK_REQUESTS must be at least 100");

    SystemHarness harness;
    QVERIFY2(harness.startLocalVcs({ QStringLiteral("--make-repo"), QStringLiteral("acme/app"),
                                     QStringLiteral("--max-records"),
                                     QString::number(total + 1000) }),
             qPrintable(harness.lastError()));
    QVERIFY2(harness.startGateway(), qPrintable(harness.lastError()));
    const auto token = harness.createPool(QStringLiteral("soak"));
    QVERIFY2(token, qPrintable(harness.lastError()));
    QProcessEnvironment environment = harness.agentEnvironment(*token);
    environment.insert(QStringLiteral("SPACELIFT_VCS_AGENT_PARALLELISM"),
                       QString::number(streamCount));
    TestProcess *agent = harness.startAgentWithEnvironment(environment, {});
    QVERIFY2(harness.waitForStreams(agent, streamCount), qPrintable(harness.logTail()));
    const qint64 firstRecord = harness.localVcs().lastRequestId();

    QHash<QByteArray, QByteArray> largeStreams;
    for (const QByteArray &seed : largeSeeds) {
        largeStreams.insert(seed, generatedStream(seed, largeMaximum));
    }

    const QByteArray project = "/api/v4/projects/acme%2Fapp";
    std::atomic<int> next { 0 };
    std::atomic<int> done { 0 };
    std::atomic<qint64> bytesMoved { 0 };
    QMutex failureLock;
    QStringList failures;
    int failureCount = 0;
    const auto fail = [&](int index, const QString &what) {
        QMutexLocker locker(&failureLock);
        ++failureCount;
        if (failures.size() < 20) {
            failures.append(QStringLiteral("request %1: %2").arg(QString::number(index), what));
        }
    };

    const quint16 apiPort = harness.apiPort();
    const auto worker = [&] {
        for (int index = next++; index < total; index = next++) {
            const PlannedRequest planned = plan(index);
            const QByteArray description = "soak request " + QByteArray::number(index);
            const HttpHeaderList headers { { "X-VCS-Request-Description", description } };
            QByteArray method = "GET";
            QByteArray target;
            QByteArray body;
            QByteArray expectedHash;
            switch (planned.kind) {
            case Kind::SmallDownload:
            case Kind::MediumDownload:
            case Kind::LargeDownload:
                target = project + "/repository/archive?size=" + QByteArray::number(planned.size)
                        + "&seed=" + planned.seed + "&n=" + QByteArray::number(index);
                expectedHash = planned.kind == Kind::LargeDownload
                        ? sha256Hex(QByteArrayView(largeStreams.value(planned.seed)).first(planned.size))
                        : sha256Hex(generatedStream(planned.seed, planned.size));
                break;
            case Kind::Upload:
            case Kind::LargeUpload:
                method = "POST";
                target = project + "/statuses/" + QByteArray::number(index, 16).rightJustified(40, '0')
                        + "?state=success&name=" + planned.seed;
                body = uploadBody(index, planned.size);
                expectedHash = sha256Hex(body);
                break;
            case Kind::Denied:
                target = project + "/variables?n=" + QByteArray::number(index);
                break;
            }
            HttpHeaderList requestHeaders = headers;
            if (!body.isEmpty() || method == "POST") {
                requestHeaders.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/octet-stream")));
                requestHeaders.append(qMakePair(QByteArray("Content-Length"), QByteArray(QByteArray::number(body.size()))));
            }
            const RawHttpResponse response = RawHttpClient::send(
                    apiPort, harness.relayRequest(method, target, requestHeaders, body), 120000,
                    method);
            if (!response.complete) {
                fail(index, QStringLiteral("no complete answer: %1").arg(response.error));
            } else if (planned.kind == Kind::Denied) {
                if (response.status != 403) {
                    fail(index, QStringLiteral("denied request answered %1")
                                        .arg(response.status));
                }
            } else if (method == "GET") {
                if (response.status != 200 || response.body.size() != planned.size
                    || sha256Hex(response.body) != expectedHash) {
                    fail(index, QStringLiteral("download of %1 bytes got status %2, %3 bytes, "
                                               "hash %4")
                                        .arg(QString::number(planned.size),
                                             QString::number(response.status),
                                             QString::number(response.body.size()),
                                             QString::fromLatin1(sha256Hex(response.body))));
                }
            } else {
                const QJsonObject answer = response.json().object();
                if (response.status != 201
                    || answer.value(QStringLiteral("body_length")).toInteger() != planned.size
                    || answer.value(QStringLiteral("body_sha256")).toString().toLatin1() != expectedHash
                    || answer.value(QStringLiteral("name")).toString().toLatin1() != planned.seed) {
                    fail(index, QStringLiteral("upload of %1 bytes answered %2: %3")
                                        .arg(QString::number(planned.size),
                                             QString::number(response.status),
                                             QString::fromUtf8(response.body.left(300))));
                }
            }
            bytesMoved += response.body.size() + body.size();
            ++done;
        }
    };

    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> workers;
    for (int i = 0; i < streamCount; ++i) {
        workers.emplace_back(worker);
    }
    // Sample the resident memory of both processes at every 5 % of progress.
    QList<RssSample> samples;
    int nextStep = 1;
    while (done.load() < total) {
        const int finished = done.load();
        if (finished * 20 >= nextStep * total) {
            samples.append({ double(finished) / total, residentKib(agent->processId()),
                             residentKib(harness.gateway()->processId()) });
            nextStep = finished * 20 / total + 1;
        }
        if (!agent->isRunning() || !harness.gateway()->isRunning()) {
            break;
        }
        QThread::msleep(20);
    }
    for (std::thread &thread : workers) {
        thread.join();
    }
    samples.append({ 1.0, residentKib(agent->processId()),
                     residentKib(harness.gateway()->processId()) });
    const qint64 elapsedMs = timer.elapsed();

    QString rssText;
    for (const RssSample &sample : samples) {
        rssText += QStringLiteral("  %1 %: agent %2 KiB, gateway %3 KiB\n")
                           .arg(QString::number(qRound(sample.progress * 100)),
                                QString::number(sample.agentKib),
                                QString::number(sample.gatewayKib));
    }
    qInfo().noquote() << QStringLiteral("%1 requests, %2 MiB moved in %3 s (%4 requests/s)\n%5")
                                 .arg(QString::number(total),
                                      QString::number(bytesMoved.load() / mebibyte),
                                      QString::number(elapsedMs / 1000.0, 'f', 1),
                                      QString::number(total * 1000.0 / qMax<qint64>(elapsedMs, 1),
                                                      'f', 0),
                                      rssText);

    QVERIFY2(agent->isRunning(), qPrintable(harness.logTail()));
    QVERIFY2(harness.gateway()->isRunning(), qPrintable(harness.logTail()));
    QVERIFY2(failureCount == 0,
             qPrintable(QStringLiteral("%1 of %2 requests failed:\n%3\n%4")
                                .arg(QString::number(failureCount), QString::number(total),
                                     failures.join(QLatin1Char('\n')), harness.logTail())));

    // The VCS saw every allowed request once, in any order, and no denied one.
    QHash<QString, int> expectedTargets;
    for (int index = 0; index < total; ++index) {
        const PlannedRequest planned = plan(index);
        if (planned.kind == Kind::Denied) {
            continue;
        }
        const QByteArray key = planned.kind == Kind::Upload || planned.kind == Kind::LargeUpload
                ? QByteArray("name=" + planned.seed + '&')
                : QByteArray("&n=" + QByteArray::number(index) + '&');
        expectedTargets.insert(QString::fromLatin1(key), 0);
    }
    const QJsonArray records = harness.localVcs().requests(firstRecord);
    int upstreamRequests = 0;
    for (const QJsonValue &value : records) {
        const QString target = value.toObject().value(QStringLiteral("target")).toString();
        QVERIFY2(!target.contains(QLatin1String("/variables")),
                 qPrintable(QStringLiteral("a denied request reached the VCS: %1").arg(target)));
        const QString query = target.mid(target.indexOf(QLatin1Char('?')) + 1) + QLatin1Char('&');
        const QString key = query.startsWith(QLatin1String("state="))
                ? query.mid(query.indexOf(QLatin1String("name=")))
                : query.mid(query.indexOf(QLatin1String("&n=")));
        auto found = expectedTargets.find(key);
        QVERIFY2(found != expectedTargets.end(),
                 qPrintable(QStringLiteral("unexpected request at the VCS: %1").arg(target)));
        ++found.value();
        ++upstreamRequests;
    }
    for (auto it = expectedTargets.cbegin(); it != expectedTargets.cend(); ++it) {
        QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("the VCS saw %1 %2 times")
                                                     .arg(it.key(), QString::number(it.value()))));
    }
    QCOMPARE(upstreamRequests, expectedTargets.size());

    // Every request has one access-log record, and no stream was replaced under load.
    QCOMPARE(SystemHarness::accessRecords(agent).size(), total);
    QCOMPARE(agent->countOutput(QRegularExpression(QStringLiteral("reconnected")),
                                QProcess::StandardError),
             0);

    // Memory flat after warm-up: the late peak stays within a margin of the peak just after the
    // first fifth of the requests. In-flight bodies of several MB make single samples noisy, so
    // the margin is a quarter plus 32 MiB; a leak of a few KiB per request exceeds it.
    const qint64 margin = 32 * 1024;
    for (const auto field : { &RssSample::agentKib, &RssSample::gatewayKib }) {
        const char *name = field == &RssSample::agentKib ? "agent" : "gateway";
        const qint64 settled = peak(samples, 0.2, 0.45, field);
        const qint64 late = peak(samples, 0.75, 1.0, field);
        QVERIFY2(settled > 0 && late > 0, qPrintable(rssText));
        QVERIFY2(late <= settled + settled / 4 + margin,
                 qPrintable(QStringLiteral("%1 memory grew from %2 KiB to %3 KiB:\n%4")
                                    .arg(QLatin1String(name), QString::number(settled),
                                         QString::number(late), rssText)));
    }
}

QTEST_GUILESS_MAIN(tst_Soak)
#include "tst_soak.moc"
