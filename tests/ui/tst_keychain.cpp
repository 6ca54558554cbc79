// Round trips through a real Secret Service (gnome-keyring in a private D-Bus session, started by
// run-with-keyring.sh): tokens of every length come back byte-identical, chunked or not.

#include "credentialstore.h"

#include <QSignalSpy>
#include <QTest>

class TestKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void shorterOverwriteDropsChunks();
    void removeDeletesEverything();

private:
    CredentialResult read(CredentialStore &store);
    CredentialResult write(CredentialStore &store, const QString &secret);
    CredentialResult remove(CredentialStore &store);
};

namespace {

QString tokenOfLength(int length)
{
    QString token;
    token.reserve(length);
    for (int i = 0; i < length; ++i) {
        token.append(QLatin1Char("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"[(i * 7) % 64]));
    }
    return token;
}

} // namespace

void TestKeychain::initTestCase()
{
    QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
             "run this test through run-with-keyring.sh inside dbus-run-session");
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("probe"));
    const CredentialResult result = write(store, QStringLiteral("probe"));
    QVERIFY2(result.isOk(), qPrintable(result.message));
}

CredentialResult TestKeychain::read(CredentialStore &store)
{
    QSignalSpy spy(&store, &CredentialStore::readFinished);
    store.read();
    if (!spy.wait(20000)) {
        return {};
    }
    return spy.at(0).at(0).value<CredentialResult>();
}

CredentialResult TestKeychain::write(CredentialStore &store, const QString &secret)
{
    QSignalSpy spy(&store, &CredentialStore::writeFinished);
    store.write(secret);
    if (!spy.wait(20000)) {
        return {};
    }
    return spy.at(0).at(0).value<CredentialResult>();
}

CredentialResult TestKeychain::remove(CredentialStore &store)
{
    QSignalSpy spy(&store, &CredentialStore::removeFinished);
    store.remove();
    if (!spy.wait(20000)) {
        return {};
    }
    return spy.at(0).at(0).value<CredentialResult>();
}

void TestKeychain::roundTrip_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("maxChunkLength");

    QTest::newRow("1279 with Windows limit") << 1279 << 1280;
    QTest::newRow("1300 with Windows limit") << 1300 << 1280;
    QTest::newRow("3000 with Windows limit") << 3000 << 1280;
    QTest::newRow("1300 forced into 100-char chunks") << 1300 << 100;
    QTest::newRow("short token") << 40 << 1280;
}

void TestKeychain::roundTrip()
{
    QFETCH(int, length);
    QFETCH(int, maxChunkLength);

    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("round-trip"));
    store.setMaxChunkLength(maxChunkLength);
    store.setMaxChunks(32);
    const QString token = tokenOfLength(length);
    const CredentialResult written = write(store, token);
    QVERIFY2(written.isOk(), qPrintable(written.message));

    CredentialStore reader(QStringLiteral("vcs-agent-test"), QStringLiteral("round-trip"));
    const CredentialResult result = read(reader);
    QVERIFY2(result.isOk(), qPrintable(result.message));
    QCOMPARE(result.secret.size(), token.size());
    QCOMPARE(result.secret.toUtf8(), token.toUtf8());
}

void TestKeychain::shorterOverwriteDropsChunks()
{
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("overwrite"));
    store.setMaxChunkLength(100);
    QVERIFY(write(store, tokenOfLength(950)).isOk());
    QVERIFY(write(store, tokenOfLength(30)).isOk());
    QCOMPARE(read(store).secret, tokenOfLength(30));

    // A leftover part of the longer token would still be readable under its own key.
    CredentialStore part(QStringLiteral("vcs-agent-test"), QStringLiteral("overwrite/part-5"));
    QCOMPARE(read(part).status, CredentialResult::Status::NotFound);
}

void TestKeychain::removeDeletesEverything()
{
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("remove"));
    store.setMaxChunkLength(100);
    QVERIFY(write(store, tokenOfLength(450)).isOk());
    QVERIFY(remove(store).isOk());
    QCOMPARE(read(store).status, CredentialResult::Status::NotFound);
    CredentialStore part(QStringLiteral("vcs-agent-test"), QStringLiteral("remove/part-1"));
    QCOMPARE(read(part).status, CredentialResult::Status::NotFound);
    QVERIFY(remove(store).isOk());
}

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
