// The credential store without a keychain service: chunking, the length limit, and a lookup
// that ends quickly with a fix in its message when no Secret Service runs.

#include "agent/agentservice.h"
#include "credentialstore.h"
#include "desktopagent.h"
#include "desktopsettings.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestCredentialStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void splitIntoChunks_data();
    void splitIntoChunks();
    void splitKeepsSurrogatePairs();
    void chunkHeader_data();
    void chunkHeader();
    void writeRejectsTooLong();
    void readWithoutBackendEnds();
    void writeWithoutBackendStoresNothing();
    void agentWithoutTokenExplainsFix();

private:
    QTemporaryDir m_home;
};

void TestCredentialStore::initTestCase()
{
    QVERIFY(m_home.isValid());
    // No session bus and no display: QtKeychain finds no Secret Service. HOME points at a
    // private folder so that any plaintext fallback would show up in it.
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/vcs-agent-test-bus");
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    qputenv("HOME", QFile::encodeName(m_home.path()));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/data")));
    qputenv("VCS_AGENT_CONFIG_DIR", QFile::encodeName(m_home.path() + QStringLiteral("/agent")));
}

void TestCredentialStore::splitIntoChunks_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("maxChunkLength");
    QTest::addColumn<int>("expectedChunks");

    QTest::newRow("1279 fits one Windows entry") << 1279 << 1280 << 1;
    QTest::newRow("1280 fits one Windows entry") << 1280 << 1280 << 1;
    QTest::newRow("1300 needs two") << 1300 << 1280 << 2;
    QTest::newRow("3000 needs three") << 3000 << 1280 << 3;
    QTest::newRow("small limit") << 100 << 7 << 15;
    QTest::newRow("one character") << 1 << 1280 << 1;
}

void TestCredentialStore::splitIntoChunks()
{
    QFETCH(int, length);
    QFETCH(int, maxChunkLength);
    QFETCH(int, expectedChunks);

    QString secret;
    for (int i = 0; i < length; ++i) {
        secret.append(QLatin1Char("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="[i % 65]));
    }
    const QStringList chunks = CredentialStore::splitIntoChunks(secret, maxChunkLength);
    QCOMPARE(chunks.size(), expectedChunks);
    for (const QString &chunk : chunks) {
        QVERIFY(chunk.size() <= maxChunkLength);
        QVERIFY(!chunk.isEmpty());
    }
    QCOMPARE(chunks.join(QString()), secret);
}

void TestCredentialStore::splitKeepsSurrogatePairs()
{
    // U+1F600 is a surrogate pair in UTF-16; a cut between its halves would corrupt it.
    const QString face = QString::fromUtf8("\xF0\x9F\x98\x80");
    const QString secret = QStringLiteral("ab") + face + QStringLiteral("cd");
    const QStringList chunks = CredentialStore::splitIntoChunks(secret, 3);
    QCOMPARE(chunks.join(QString()), secret);
    for (const QString &chunk : chunks) {
        QVERIFY(!chunk.back().isHighSurrogate());
        QVERIFY(!chunk.front().isLowSurrogate());
    }
}

void TestCredentialStore::chunkHeader_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<int>("expectedCount"); // 0: not a header

    QTest::newRow("header") << CredentialStore::chunkHeader(3) << 3;
    QTest::newRow("base64 token") << QStringLiteral("eyJnYXRld2F5Ijoid3M6Ly8ifQ==") << 0;
    QTest::newRow("zero parts") << QStringLiteral("vcs-agent-chunks:0") << 0;
    QTest::newRow("not a number") << QStringLiteral("vcs-agent-chunks:x") << 0;
}

void TestCredentialStore::chunkHeader()
{
    QFETCH(QString, value);
    QFETCH(int, expectedCount);

    QCOMPARE(CredentialStore::parseChunkHeader(value).value_or(0), expectedCount);
}

void TestCredentialStore::writeRejectsTooLong()
{
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("too-long"));
    store.setMaxChunks(2);
    QSignalSpy finished(&store, &CredentialStore::writeFinished);
    store.write(QString(3000, QLatin1Char('A')));
    QVERIFY(finished.wait(5000) || finished.size() == 1);
    const auto result = finished.at(0).at(0).value<CredentialResult>();
    QCOMPARE(result.status, CredentialResult::Status::TooLong);
    QVERIFY2(result.message.contains(QStringLiteral("2560")), qPrintable(result.message));
    QVERIFY2(result.message.contains(QStringLiteral("3000")), qPrintable(result.message));
}

void TestCredentialStore::readWithoutBackendEnds()
{
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("absent"));
    store.setTimeout(3000);
    QSignalSpy finished(&store, &CredentialStore::readFinished);
    store.read();
    QVERIFY(finished.wait(10000) || finished.size() == 1);
    const auto result = finished.at(0).at(0).value<CredentialResult>();
    QVERIFY2(result.status == CredentialResult::Status::NoBackend
                     || result.status == CredentialResult::Status::TimedOut
                     || result.status == CredentialResult::Status::Failed,
             qPrintable(result.message));
    QVERIFY2(result.message.contains(QStringLiteral("--token-file")), qPrintable(result.message));
}

void TestCredentialStore::writeWithoutBackendStoresNothing()
{
    const QString secret = QStringLiteral("plaintext-canary-7f3a9c");
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("canary"));
    store.setTimeout(3000);
    QSignalSpy finished(&store, &CredentialStore::writeFinished);
    store.write(secret);
    QVERIFY(finished.wait(10000) || finished.size() == 1);
    const auto result = finished.at(0).at(0).value<CredentialResult>();
    QVERIFY(!result.isOk());
    QVERIFY(!result.message.isEmpty());

    QDirIterator files(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains(secret.toUtf8()), qPrintable(file.fileName()));
    }
}

void TestCredentialStore::agentWithoutTokenExplainsFix()
{
    DesktopSettings settings;
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("absent"));
    store.setTimeout(3000);
    const QStringList arguments{ QStringLiteral("vcs-agent"),
                                 QStringLiteral("--target-base-endpoint"),
                                 QStringLiteral("http://127.0.0.1:9"),
                                 QStringLiteral("--vendor"), QStringLiteral("gitlab") };
    QProcessEnvironment environment;
    DesktopAgent agent(arguments, environment, &settings, &store);
    QSignalSpy states(&agent, &DesktopAgent::stateChanged);
    QElapsedTimer clock;
    clock.start();
    agent.start();
    QCOMPARE(agent.state(), DesktopAgent::RunState::WaitingForToken);
    QTRY_COMPARE_WITH_TIMEOUT(agent.state(), DesktopAgent::RunState::Failed, 10000);
    QVERIFY2(agent.problem().contains(QStringLiteral("--token-file")),
             qPrintable(agent.problem()));
    QVERIFY(!agent.service()->isRunning());
}

QTEST_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
