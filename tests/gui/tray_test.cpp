// The tray: its menu reaches the session (pause all, resume all, the configured speed presets),
// Show/Hide toggles the window, the tooltip has the speed and counts; close-to-tray on and off;
// the notifications for finished and failed downloads, batched. The offscreen platform has no
// tray, so the tray is built directly or the window is told to assume one.
#include "AddUrlsDialog.h"
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "Notifier.h"
#include "SpeedLimitMenu.h"
#include "TrayIcon.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QMenu>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;
using maria2::gui::Notifier;
using maria2::gui::TrayIcon;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * 1024;

DownloadSnapshot ended(DownloadId id, DownloadState state, const std::string& name,
                       const std::string& why = {}) {
    DownloadSnapshot s;
    s.id = id;
    s.state = state;
    s.url = "http://example.com/" + name;
    s.fileName = name;
    s.errorMessage = why;
    return s;
}

class TrayTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = maria2::ConfigLoader::defaults();
        m_config.download.directory = m_dir.path().toStdString();
        m_config.logging.toFile = false;
        m_config.logging.level = "off";
        m_config.ui.speedLimitPresets = "3M, 256K, 12M"; // ascending once parsed
        // Downloads to a closed port keep retrying (never "failed") while a test looks.
        m_config.retry.maxTries = 1000;
        m_config.retry.initialDelayMs = 10000;
    }
    void TearDown() override {
        TrayIcon::assumeAvailableForTesting(false);
        m_window.reset();
        if (m_session)
            m_session->shutdown();
    }
    void start(bool assumeTray) {
        TrayIcon::assumeAvailableForTesting(assumeTray);
        m_session = std::make_unique<maria2::Session>(m_config);
        m_window = std::make_unique<MainWindow>(m_session.get());
    }
    DownloadId addPaused(const std::string& name) {
        maria2::DownloadRequest request;
        request.url = "http://127.0.0.1:9/" + name; // nothing listens: it never completes
        request.startPaused = true;
        return m_session->add(request);
    }
    bool allIn(DownloadState state) const {
        for (const DownloadSnapshot& s : m_session->downloads())
            if (s.state != state)
                return false;
        return true;
    }

    QTemporaryDir m_dir;
    maria2::Config m_config;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(TrayTest, MenuActionsReachTheSession) {
    start(false);
    EXPECT_EQ(m_window->trayIcon(), nullptr); // no tray here: the window makes none
    TrayIcon tray(m_session.get(), m_window.get());
    const QList<QAction*> actions = tray.menu()->actions();
    for (QAction* action :
         {tray.showHideAction(), tray.addFromClipboardAction(), tray.pauseAllAction(),
          tray.resumeAllAction(), tray.quitAction(), tray.speedLimitMenu()->menuAction()})
        EXPECT_TRUE(actions.contains(action)) << action->text().toStdString();
    EXPECT_EQ(tray.icon()->contextMenu(), tray.menu());

    // Resume all, pause all: the session's downloads follow.
    addPaused("a.bin");
    addPaused("b.bin");
    ASSERT_TRUE(allIn(DownloadState::Paused));
    // The window feeds its tray the table's totals (as MainWindow does for its own tray).
    const auto feedTotals = [&] {
        tray.showTotals(m_window->model()->totals());
    };
    feedTotals();
    ASSERT_TRUE(tray.resumeAllAction()->isEnabled()); // two paused: something to resume
    tray.resumeAllAction()->trigger();
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            for (const DownloadSnapshot& s : m_session->downloads())
                if (s.state == DownloadState::Paused)
                    return false;
            return true;
        },
        10000));
    feedTotals();
    ASSERT_TRUE(tray.pauseAllAction()->isEnabled());
    tray.pauseAllAction()->trigger();
    EXPECT_TRUE(maria2::test::waitFor([&] { return allIn(DownloadState::Paused); }, 10000));

    // The presets are the config's, Unlimited first.
    maria2::gui::SpeedLimitMenu* speed = tray.speedLimitMenu();
    EXPECT_EQ(speed->presets(), (QList<qint64>{256 * KiB, 3 * MiB, 12 * MiB}));
    ASSERT_NE(speed->presetAction(3 * MiB), nullptr);
    EXPECT_EQ(speed->presetAction(3 * MiB)->text(), QStringLiteral("3 MiB/s"));
    EXPECT_EQ(speed->presetAction(10 * MiB), nullptr); // not configured
    speed->presetAction(3 * MiB)->trigger();
    EXPECT_EQ(m_session->speedLimit(), 3 * MiB);
    // The window's menu has the same entries and follows.
    EXPECT_EQ(m_window->speedLimitMenu()->presets(), speed->presets());
    EXPECT_EQ(m_window->speedLimitMenu()->checkedAction(),
              m_window->speedLimitMenu()->presetAction(3 * MiB));
    speed->unlimitedAction()->trigger();
    EXPECT_EQ(m_session->speedLimit(), 0);
    EXPECT_EQ(speed->checkedAction(), speed->unlimitedAction());

    // Nonsense in a hand-made config falls back to the defaults.
    EXPECT_EQ(maria2::gui::SpeedLimitMenu::presetsFrom("fast, faster").size(), 7);
}

TEST_F(TrayTest, ShowHideToggleAndTooltip) {
    start(false);
    TrayIcon tray(m_session.get(), m_window.get());
    m_window->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    emit tray.menu()->aboutToShow();
    EXPECT_EQ(tray.showHideAction()->text(), QStringLiteral("&Hide MAria2"));
    tray.showHideAction()->trigger();
    EXPECT_FALSE(m_window->isVisible());
    emit tray.menu()->aboutToShow();
    EXPECT_EQ(tray.showHideAction()->text(), QStringLiteral("&Show MAria2"));
    // A left click on the icon toggles too.
    emit tray.icon()->activated(QSystemTrayIcon::Trigger);
    EXPECT_TRUE(m_window->isVisible());
    emit tray.icon()->activated(QSystemTrayIcon::Trigger);
    EXPECT_FALSE(m_window->isVisible());

    DownloadsModel::Totals totals;
    totals.speedBytesPerSec = 2.5 * MiB;
    totals.active = 2;
    totals.queued = 1;
    totals.paused = 2;
    totals.completed = 7;
    tray.showTotals(totals);
    const QString tip = tray.icon()->toolTip();
    EXPECT_TRUE(tip.contains(QStringLiteral("2.5 MiB/s"))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("2 active, 3 queued, 7 finished")))
        << tip.toStdString();
    EXPECT_TRUE(tray.pauseAllAction()->isEnabled());

    maria2::MetricsSnapshot m;
    m.throttled = true;
    m.governorMessage = "throttled: CPU 91% > 70%";
    tray.showMetrics(m);
    EXPECT_TRUE(tray.icon()->toolTip().contains(QStringLiteral("CPU 91%")));
}

TEST_F(TrayTest, CloseKeepsRunningInTheTrayOnlyWhenThereIsOneAndItIsWanted) {
    EXPECT_TRUE(TrayIcon::closeKeepsRunning(true, true));
    EXPECT_FALSE(TrayIcon::closeKeepsRunning(true, false));
    EXPECT_FALSE(TrayIcon::closeKeepsRunning(false, true));
    EXPECT_FALSE(TrayIcon::closeKeepsRunning(false, false));

    // A tray and CloseToTray (the default): closing hides, and says so the first time only.
    ASSERT_TRUE(m_config.ui.closeToTray);
    start(true);
    TrayIcon* tray = m_window->trayIcon();
    ASSERT_NE(tray, nullptr);
    ASSERT_TRUE(tray->isShown());
    QSignalSpy messages(tray, &TrayIcon::messageShown);
    m_window->show();
    EXPECT_FALSE(m_window->close());
    EXPECT_FALSE(m_window->isVisible());
    ASSERT_EQ(messages.size(), 1);
    EXPECT_EQ(tray->lastMessageTitle(), QStringLiteral("MAria2 is still running"));
    m_window->show();
    EXPECT_FALSE(m_window->close());
    EXPECT_EQ(messages.size(), 1);

    // Quit from the tray closes for real.
    m_window->show();
    tray->quitAction()->trigger();
    EXPECT_FALSE(m_window->isVisible());
    EXPECT_EQ(messages.size(), 1);
}

TEST_F(TrayTest, CloseQuitsWithoutATrayOrWhenTheOptionIsOff) {
    start(false); // no tray
    m_window->show();
    EXPECT_TRUE(m_window->close());

    m_config.ui.closeToTray = false;
    m_window.reset();
    m_session->shutdown();
    start(true);
    ASSERT_NE(m_window->trayIcon(), nullptr);
    m_window->show();
    EXPECT_TRUE(m_window->close());
}

TEST_F(TrayTest, TrayAddsFromTheClipboardAndOffersCopiedLinks) {
    start(true);
    TrayIcon* tray = m_window->trayIcon();
    ASSERT_NE(tray, nullptr);
    QGuiApplication::clipboard()->setText(QStringLiteral("https://example.com/from-tray.iso"));
    tray->addFromClipboardAction()->trigger();
    ASSERT_NE(m_window->openAddDialog(), nullptr);
    EXPECT_EQ(m_window->openAddDialog()->urls(),
              QStringList{QStringLiteral("https://example.com/from-tray.iso")});
    m_window->openAddDialog()->reject();

    // Hidden in the tray, copied links are offered as a message; a click adds them.
    tray->offerUrls({QStringLiteral("https://example.com/offered.iso")});
    EXPECT_EQ(tray->lastMessageTitle(), QStringLiteral("A link was copied"));
    EXPECT_EQ(m_window->openAddDialog(), nullptr);
    emit tray->icon()->messageClicked();
    ASSERT_NE(m_window->openAddDialog(), nullptr);
    EXPECT_EQ(m_window->openAddDialog()->urls(),
              QStringList{QStringLiteral("https://example.com/offered.iso")});
    QGuiApplication::clipboard()->clear();
}

TEST_F(TrayTest, NotificationTextsForFinishedAndFailed) {
    using Msg = Notifier::Message;
    const Msg none = Notifier::compose({}, {});
    EXPECT_TRUE(none.title.isEmpty());

    const Msg one = Notifier::compose({ended(1, DownloadState::Completed, "a.iso")}, {});
    EXPECT_EQ(one.title, QStringLiteral("Download finished"));
    EXPECT_EQ(one.text, QStringLiteral("a.iso"));
    EXPECT_FALSE(one.failure);

    QList<DownloadSnapshot> five;
    for (int i = 1; i <= 5; ++i)
        five.append(ended(DownloadId(i), DownloadState::Completed, "f" + std::to_string(i)));
    const Msg batch = Notifier::compose(five, {});
    EXPECT_EQ(batch.title, QStringLiteral("5 downloads finished"));
    EXPECT_EQ(batch.text, QStringLiteral("f1, f2, f3 and 2 more"));

    const Msg failed =
        Notifier::compose({}, {ended(9, DownloadState::Failed, "b.zip", "HTTP 404 Not Found")});
    EXPECT_EQ(failed.title, QStringLiteral("Download failed"));
    EXPECT_EQ(failed.text, QStringLiteral("b.zip: HTTP 404 Not Found")); // says why
    EXPECT_TRUE(failed.failure);

    const Msg mixed =
        Notifier::compose(five.mid(0, 2), {ended(9, DownloadState::Failed, "b.zip", "disk full")});
    EXPECT_EQ(mixed.title, QStringLiteral("2 downloads finished, 1 failed"));
    EXPECT_TRUE(mixed.text.contains(QStringLiteral("f1, f2")));
    EXPECT_TRUE(mixed.text.contains(QStringLiteral("b.zip (disk full)")));
    EXPECT_TRUE(mixed.failure);
}

TEST_F(TrayTest, NotifierBatchesWhatEndsTogetherAndTheTrayShowsIt) {
    start(true);
    Notifier* notifier = m_window->notifier();
    ASSERT_NE(notifier, nullptr);
    notifier->setBatchDelay(50);
    QSignalSpy notified(notifier, &Notifier::notify);

    // Five finish within a moment (one of them reported twice), as the session reports them.
    for (int i = 1; i <= 5; ++i)
        emit m_session->downloadStateChanged(
            ended(DownloadId(100 + i), DownloadState::Downloading, "x" + std::to_string(i)));
    for (int i = 1; i <= 5; ++i)
        emit m_session->downloadStateChanged(
            ended(DownloadId(100 + i), DownloadState::Completed, "x" + std::to_string(i)));
    emit m_session->downloadStateChanged(ended(105, DownloadState::Completed, "x5"));
    ASSERT_TRUE(notified.wait(5000));
    ASSERT_EQ(notified.size(), 1);
    EXPECT_EQ(notified.first().at(0).toString(), QStringLiteral("5 downloads finished"));
    EXPECT_EQ(m_window->trayIcon()->lastMessageTitle(), QStringLiteral("5 downloads finished"));

    // A failure says why.
    emit m_session->downloadStateChanged(ended(200, DownloadState::Downloading, "bad.bin"));
    emit m_session->downloadStateChanged(
        ended(200, DownloadState::Failed, "bad.bin", "HTTP 403 Forbidden"));
    ASSERT_TRUE(notified.wait(5000));
    EXPECT_EQ(notified.last().at(1).toString(), QStringLiteral("bad.bin: HTTP 403 Forbidden"));
    EXPECT_TRUE(notified.last().at(2).toBool());
}

TEST_F(TrayTest, NoNotificationsWhenTurnedOff) {
    m_config.ui.notifications = false;
    start(true);
    Notifier* notifier = m_window->notifier();
    QSignalSpy notified(notifier, &Notifier::notify);
    emit m_session->downloadStateChanged(ended(1, DownloadState::Downloading, "a"));
    emit m_session->downloadStateChanged(ended(1, DownloadState::Completed, "a"));
    EXPECT_FALSE(notifier->hasPending());
    notifier->flush();
    EXPECT_EQ(notified.size(), 0);
}
