// MainWindow's speed limit menu, per-download limit, queue moves and status bar, with a real
// Session: the choices must reach the session, and the session's signals the window.
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "SpeedLimitDialog.h"
#include "SpeedLimitEdit.h"
#include "SpeedLimitMenu.h"
#include "StatusPanel.h"
#include "TrayIcon.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;
using maria2::gui::SpeedLimitDialog;
using maria2::gui::SpeedLimitMenu;

namespace {

constexpr qint64 MiB = 1024 * 1024;

class SpeedQueueTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_target.isValid());
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_target.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        config.performance.downloadSpeedLimit = 10 * MiB; // the seed's default, a preset
        m_session = std::make_unique<maria2::Session>(config);
        m_window = std::make_unique<MainWindow>(m_session.get());
    }
    void TearDown() override {
        m_window.reset();
        if (m_session)
            m_session->shutdown();
    }

    QAction* action(const char* name) const {
        return m_window->findChild<QAction*>(QLatin1String(name));
    }
    // A paused download of the session (nothing listens on port 9, and it never starts).
    DownloadId addPaused(int n) {
        maria2::DownloadRequest request;
        request.url = "http://127.0.0.1:9/file" + std::to_string(n) + ".bin";
        request.startPaused = true;
        return m_session->add(request);
    }
    // The ids in the order the view shows them.
    QList<DownloadId> shown() const {
        QList<DownloadId> ids;
        QSortFilterProxyModel* proxy = m_window->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row)
            ids.append(proxy->index(row, 0).data(DownloadsModel::IdRole).toULongLong());
        return ids;
    }
    void select(const QList<DownloadId>& ids) {
        m_window->view()->clearSelection();
        QSortFilterProxyModel* proxy = m_window->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row) {
            if (ids.contains(proxy->index(row, 0).data(DownloadsModel::IdRole).toULongLong()))
                m_window->view()->selectionModel()->select(
                    proxy->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    }
    template <typename T> T* openDialog(const char* name) const {
        for (T* dialog : m_window->findChildren<T*>(QLatin1String(name)))
            if (dialog->isVisible())
                return dialog;
        return nullptr;
    }

    QTemporaryDir m_target;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(SpeedQueueTest, SpeedLimitPresetsCallThroughToTheSession) {
    SpeedLimitMenu* menu = m_window->speedLimitMenu();
    ASSERT_NE(menu, nullptr);
    // In the menu bar and as the toolbar's drop-down.
    EXPECT_TRUE(m_window->menuBar()->actions().contains(menu->menuAction()));
    auto* button = m_window->findChild<QToolButton*>(QStringLiteral("speedLimitButton"));
    ASSERT_NE(button, nullptr);
    EXPECT_EQ(button->menu(), menu);

    // The config's limit is checked at start; every preset is offered.
    EXPECT_EQ(m_session->speedLimit(), 10 * MiB);
    EXPECT_EQ(menu->checkedAction(), menu->presetAction(10 * MiB));
    for (qint64 preset : {512 * 1024LL, MiB, 2 * MiB, 5 * MiB, 10 * MiB, 20 * MiB, 50 * MiB})
        ASSERT_NE(menu->presetAction(preset), nullptr) << preset;
    EXPECT_EQ(menu->presetAction(512 * 1024)->text(), QStringLiteral("512 KiB/s"));
    EXPECT_EQ(menu->presetAction(2 * MiB)->text(), QStringLiteral("2 MiB/s"));

    QSignalSpy changed(m_session.get(), &maria2::Session::speedLimitChanged);
    menu->presetAction(2 * MiB)->trigger();
    EXPECT_EQ(m_session->speedLimit(), 2 * MiB);
    EXPECT_EQ(menu->checkedAction(), menu->presetAction(2 * MiB));
    EXPECT_GE(changed.size(), 1);
    // The status bar shows the limit in force.
    EXPECT_TRUE(m_window->statusPanel()->limitLabel()->text().contains(QStringLiteral("2 MiB/s")))
        << m_window->statusPanel()->limitLabel()->text().toStdString();

    menu->unlimitedAction()->trigger();
    EXPECT_EQ(m_session->speedLimit(), 0);
    EXPECT_EQ(menu->checkedAction(), menu->unlimitedAction());
    EXPECT_EQ(m_window->statusPanel()->limitLabel()->text(), QStringLiteral("No speed limit"));

    // Set elsewhere (the tray, a script): the menu follows.
    m_session->setSpeedLimit(5 * MiB);
    EXPECT_EQ(menu->checkedAction(), menu->presetAction(5 * MiB));
}

TEST_F(SpeedQueueTest, CustomSpeedLimitAsksWithoutBlocking) {
    SpeedLimitMenu* menu = m_window->speedLimitMenu();
    menu->customAction()->trigger(); // returns at once: the dialog is open, nothing changed yet
    auto* dialog = openDialog<SpeedLimitDialog>("speedLimitDialog");
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(m_session->speedLimit(), 10 * MiB);
    EXPECT_EQ(menu->checkedAction(), menu->presetAction(10 * MiB)); // until OK
    EXPECT_EQ(dialog->bytesPerSecond(), 10 * MiB);                  // pre-filled

    dialog->edit()->unitBox()->setCurrentIndex(1); // MiB/s
    dialog->edit()->spinBox()->setValue(3.5);
    dialog->accept();
    EXPECT_EQ(m_session->speedLimit(), 3 * MiB + MiB / 2);
    EXPECT_EQ(menu->checkedAction(), menu->customAction());
    EXPECT_TRUE(menu->customAction()->text().contains(QStringLiteral("3.5 MiB/s")))
        << menu->customAction()->text().toStdString();

    // Cancel keeps what was there.
    menu->customAction()->trigger();
    dialog = openDialog<SpeedLimitDialog>("speedLimitDialog");
    ASSERT_NE(dialog, nullptr);
    dialog->edit()->spinBox()->setValue(1);
    dialog->reject();
    EXPECT_EQ(m_session->speedLimit(), 3 * MiB + MiB / 2);
}

TEST_F(SpeedQueueTest, MoveActionsReorderTheTable) {
    const DownloadId a = addPaused(1), b = addPaused(2), c = addPaused(3), d = addPaused(4);
    ASSERT_EQ(shown(), (QList<DownloadId>{a, b, c, d}));
    QSignalSpy reset(m_window->model(), &QAbstractItemModel::modelReset);
    QSignalSpy moved(m_window->model(), &QAbstractItemModel::rowsMoved);

    EXPECT_FALSE(action("actionMoveUp")->isEnabled()); // nothing selected
    select({c});
    ASSERT_TRUE(action("actionMoveUp")->isEnabled());
    action("actionMoveUp")->trigger();
    EXPECT_EQ(m_session->queueOrder(), (QList<DownloadId>{a, c, b, d}));
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, b, d}));
    EXPECT_GE(moved.size(), 1);

    select({d});
    action("actionMoveTop")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{d, a, c, b}));
    action("actionMoveBottom")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, b, d}));

    // Two rows move as a block and keep their order.
    select({a, c});
    action("actionMoveDown")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{b, a, c, d}));
    action("actionMoveBottom")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{b, d, a, c}));
    action("actionMoveTop")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, b, d}));
    // The selection followed the rows.
    EXPECT_EQ(m_window->view()->selectionModel()->selectedRows().size(), 2);

    // The shortcuts, from the table: Ctrl+Down, Ctrl+End, Ctrl+Home, Ctrl+Up.
    m_window->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow();
    m_window->view()->setFocus();
    select({b});
    QTest::keyClick(m_window->view(), Qt::Key_Down, Qt::ControlModifier);
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, d, b}));
    QTest::keyClick(m_window->view(), Qt::Key_Home, Qt::ControlModifier);
    EXPECT_EQ(shown(), (QList<DownloadId>{b, a, c, d}));
    QTest::keyClick(m_window->view(), Qt::Key_End, Qt::ControlModifier);
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, d, b}));
    QTest::keyClick(m_window->view(), Qt::Key_Up, Qt::ControlModifier);
    EXPECT_EQ(shown(), (QList<DownloadId>{a, c, b, d}));

    // Sorted by a column, a move first shows the queue order again.
    m_window->view()->sortByColumn(DownloadsModel::Name, Qt::DescendingOrder);
    EXPECT_EQ(shown(), (QList<DownloadId>{d, c, b, a})); // file4 .. file1
    select({b});
    action("actionMoveUp")->trigger();
    EXPECT_EQ(shown(), (QList<DownloadId>{a, b, c, d}));
    EXPECT_EQ(m_window->view()->horizontalHeader()->sortIndicatorSection(), -1);
    EXPECT_EQ(reset.size(), 0);
}

TEST_F(SpeedQueueTest, PerDownloadSpeedLimitFromTheContextMenu) {
    const DownloadId a = addPaused(1), b = addPaused(2);
    QAction* limit = action("actionDownloadSpeedLimit");
    ASSERT_NE(limit, nullptr);
    EXPECT_TRUE(m_window->view()->actions().contains(limit)); // in the context menu
    EXPECT_FALSE(limit->isEnabled());
    select({a, b});
    ASSERT_TRUE(limit->isEnabled());
    limit->trigger();
    auto* dialog = openDialog<SpeedLimitDialog>("downloadSpeedLimitDialog");
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(dialog->bytesPerSecond(), 0);        // none yet
    dialog->edit()->unitBox()->setCurrentIndex(0); // KiB/s
    dialog->edit()->spinBox()->setValue(256);
    dialog->accept();
    EXPECT_EQ(m_session->download(a).maxSpeed, 256 * 1024);
    EXPECT_EQ(m_session->download(b).maxSpeed, 256 * 1024);
    // The row says so at once.
    const int row = m_window->model()->rowOf(a);
    EXPECT_EQ(m_window->model()->snapshotAt(row).maxSpeed, 256 * 1024);
}

TEST_F(SpeedQueueTest, StatusBarShowsMetricsGovernorAndLimit) {
    maria2::gui::StatusPanel* panel = m_window->statusPanel();
    ASSERT_NE(panel, nullptr);
    EXPECT_FALSE(panel->governorLabel()->isVisibleTo(m_window->statusBar()));

    maria2::MetricsSnapshot m;
    m.atUnixMs = 1700000000000;
    m.totalSpeedBytesPerSec = 3 * MiB;
    m.active = 2;
    m.queued = 1;
    m.systemCpuPercent = 86;
    m.memoryUsedPercent = 40;
    m.speedLimit = 2 * MiB;
    m.throttled = true;
    m.governorMessage = "throttled: CPU 86% > 70%; now 2 downloads, 4 connections each";
    emit m_session->metricsUpdated(m); // as the session does once per sample
    EXPECT_TRUE(panel->governorLabel()->isVisibleTo(m_window->statusBar()));
    EXPECT_EQ(panel->governorLabel()->text(), QStringLiteral("Throttled: CPU 86% > 70%"));
    EXPECT_TRUE(panel->governorLabel()->toolTip().contains(QStringLiteral("4 connections each")));
    EXPECT_EQ(panel->limitLabel()->text(), QStringLiteral("Limit: 2 MiB/s"));
    // Lower than the person's 10 MiB/s: the tooltip says why.
    EXPECT_TRUE(panel->limitLabel()->toolTip().contains(QStringLiteral("10 MiB/s")))
        << panel->limitLabel()->toolTip().toStdString();
    const QString text = panel->text();
    EXPECT_TRUE(text.contains(QStringLiteral("active"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("queued"))) << text.toStdString();

    // A partial restore keeps the cause; the full one hides it.
    emit m_session->governorAction(QStringLiteral("restored: CPU 50% < 60%; now 3 downloads"),
                                   true);
    EXPECT_EQ(panel->governorLabel()->text(), QStringLiteral("Throttled: CPU 86% > 70%"));
    emit m_session->governorAction(QStringLiteral("restored: CPU 40% < 60%; back to 5 downloads"),
                                   false);
    EXPECT_FALSE(panel->governorLabel()->isVisibleTo(m_window->statusBar()));

    emit m_session->speedLimitChanged(0);
    EXPECT_EQ(panel->limitLabel()->text(), QStringLiteral("No speed limit"));
    EXPECT_EQ(maria2::gui::StatusPanel::throttledText(QStringLiteral("paused downloads on /x")),
              QStringLiteral("Throttled"));
}

TEST_F(SpeedQueueTest, AddedRequestsKeepTheirSpeedLimit) {
    maria2::DownloadRequest request;
    request.url = "http://127.0.0.1:9/limited.bin";
    request.startPaused = true;
    request.maxSpeed = 512 * 1024; // what the add dialog's field gives
    m_window->addRequests({request});
    ASSERT_EQ(m_window->model()->rowCount(), 1);
    const DownloadId id = m_window->model()->snapshotAt(0).id;
    EXPECT_EQ(m_session->download(id).maxSpeed, 512 * 1024);
}

TEST_F(SpeedQueueTest, TrayMenuHasTheSpeedLimitsAndTheBasics) {
    // Built directly: the offscreen platform has no system tray, so the window makes none.
    EXPECT_EQ(m_window->trayIcon() == nullptr, !QSystemTrayIcon::isSystemTrayAvailable());
    maria2::gui::TrayIcon tray(m_session.get(), m_window.get());
    const QList<QAction*> actions = tray.menu()->actions();
    EXPECT_TRUE(actions.contains(tray.speedLimitMenu()->menuAction()));
    EXPECT_TRUE(actions.contains(tray.pauseAllAction()));
    EXPECT_TRUE(actions.contains(tray.resumeAllAction()));
    EXPECT_TRUE(actions.contains(tray.quitAction()));
    EXPECT_EQ(tray.icon()->contextMenu(), tray.menu());

    // Its speed menu and the window's agree, whichever is used.
    tray.speedLimitMenu()->presetAction(20 * MiB)->trigger();
    EXPECT_EQ(m_session->speedLimit(), 20 * MiB);
    EXPECT_EQ(m_window->speedLimitMenu()->checkedAction(),
              m_window->speedLimitMenu()->presetAction(20 * MiB));

    auto* show = tray.menu()->findChild<QAction*>(QStringLiteral("trayShow"));
    ASSERT_NE(show, nullptr);
    m_window->hide();
    show->trigger();
    EXPECT_TRUE(m_window->isVisible());

    maria2::MetricsSnapshot m;
    m.totalSpeedBytesPerSec = 2 * MiB;
    m.active = 1;
    tray.showMetrics(m);
    EXPECT_TRUE(tray.icon()->toolTip().contains(QStringLiteral("2.0 MiB/s")))
        << tray.icon()->toolTip().toStdString();
}
