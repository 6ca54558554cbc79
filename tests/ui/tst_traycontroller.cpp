// The tray controller: state mapping, the window fallback without a tray, an icon once a tray
// appears, and rate-limited notices for denied requests.

#include "agent/agentservice.h"
#include "credentialstore.h"
#include "desktopagent.h"
#include "desktopsettings.h"
#include "icons.h"
#include "log/accesslog.h"
#include "mainwindow.h"
#include "recordfactory.h"
#include "traycontroller.h"

#include <QMenu>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>

class TestTrayController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void stateFor_data();
    void stateFor();
    void noTrayShowsWindowThenIcon();
    void deniedNoticesRateLimited();
    void iconsSharpAtDoubleScale_data();
    void iconsSharpAtDoubleScale();

private:
    QTemporaryDir m_config;
};

void TestTrayController::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("VCS_AGENT_CONFIG_DIR", QFile::encodeName(m_config.path()));
}

void TestTrayController::stateFor_data()
{
    QTest::addColumn<bool>("running");
    QTest::addColumn<int>("connected");
    QTest::addColumn<int>("streams");
    QTest::addColumn<int>("expected");

    QTest::newRow("all") << true << 4 << 4 << int(Icons::TrayState::AllConnected);
    QTest::newRow("some") << true << 1 << 4 << int(Icons::TrayState::SomeConnected);
    QTest::newRow("none") << true << 0 << 4 << int(Icons::TrayState::NoneConnected);
    QTest::newRow("paused") << false << 4 << 4 << int(Icons::TrayState::Stopped);
    QTest::newRow("no streams") << true << 0 << 0 << int(Icons::TrayState::Stopped);
}

void TestTrayController::stateFor()
{
    QFETCH(bool, running);
    QFETCH(int, connected);
    QFETCH(int, streams);
    QFETCH(int, expected);

    QCOMPARE(int(TrayController::stateFor(running, connected, streams)), expected);
}

void TestTrayController::noTrayShowsWindowThenIcon()
{
    DesktopSettings settings;
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("unused"));
    DesktopAgent agent({ QStringLiteral("vcs-agent") }, QProcessEnvironment(), &settings, &store);
    MainWindow window(&agent);
    bool trayAvailable = false;
    TrayController tray(&agent, &window, [&trayAvailable] { return trayAvailable; });
    tray.start();
    QVERIFY(window.isVisible());
    QVERIFY(!tray.isIconVisible());
    QCOMPARE(tray.trayState(), Icons::TrayState::Stopped);
    QVERIFY(tray.toolTip().contains(QStringLiteral("stopped")));
    QCOMPARE(tray.menu()->actions().size(), 4);

    // A tray that appears later gets the icon without a restart.
    trayAvailable = true;
    QTRY_VERIFY_WITH_TIMEOUT(tray.isIconVisible(), TrayController::trayPollIntervalMs * 3);
}

void TestTrayController::deniedNoticesRateLimited()
{
    DesktopSettings settings;
    CredentialStore store(QStringLiteral("vcs-agent-test"), QStringLiteral("unused"));
    DesktopAgent agent({ QStringLiteral("vcs-agent") }, QProcessEnvironment(), &settings, &store);
    MainWindow window(&agent);
    TrayController tray(&agent, &window, [] { return false; });
    for (int i = 1; i < 40; i += 2) {
        agent.accessLog()->append(makeRecord(i)); // odd records are denied
    }
    QCOMPARE(agent.deniedCount(), qint64(20));
    QCOMPARE(tray.notifications().size(), 1);
    QVERIFY(tray.notifications().at(0).contains(QStringLiteral("/api/v4/projects/acme%2Fapp1")));
}

void TestTrayController::iconsSharpAtDoubleScale_data()
{
    QTest::addColumn<int>("state");

    QTest::newRow("all") << int(Icons::TrayState::AllConnected);
    QTest::newRow("some") << int(Icons::TrayState::SomeConnected);
    QTest::newRow("none") << int(Icons::TrayState::NoneConnected);
    QTest::newRow("stopped") << int(Icons::TrayState::Stopped);
}

void TestTrayController::iconsSharpAtDoubleScale()
{
    QFETCH(int, state);

    const QIcon icon = Icons::trayIcon(Icons::TrayState(state));
    QVERIFY(!icon.isNull());
    // A 22 px panel at 200 % asks for 44 device pixels; a pixmap rendered at that size exists.
    const QPixmap pixmap = icon.pixmap(QSize(22, 22), 2.0);
    QCOMPARE(pixmap.size(), QSize(44, 44));
    QVERIFY(icon.availableSizes().contains(QSize(44, 44)));

    // On a dark panel the white ring keeps the outline visible: pixels near the edge are light.
    QImage onDark(44, 44, QImage::Format_ARGB32);
    onDark.fill(QColor(0x20, 0x20, 0x20));
    QPainter painter(&onDark);
    painter.drawPixmap(0, 0, icon.pixmap(QSize(44, 44)));
    painter.end();
    int lightPixels = 0;
    for (int x = 0; x < 44; ++x) {
        lightPixels += qGray(onDark.pixel(x, 22)) > 200 ? 1 : 0;
    }
    QVERIFY2(lightPixels >= 2, qPrintable(QString::number(lightPixels)));
}

QTEST_MAIN(TestTrayController)
#include "tst_traycontroller.moc"
