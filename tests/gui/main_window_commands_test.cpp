// MainWindow's layout, menus and shortcuts, the search box and side list, and its commands end to
// end with a real nginx: restart (asks, then downloads again into the same file) and remove with
// files (asks, naming how many, then deletes them).
#include "DownloadsFilter.h"
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "StatusFilterList.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAbstractButton>
#include <QAction>
#include <QFile>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::DownloadState;
using maria2::gui::DownloadsFilter;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;

namespace {

class MainWindowCommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_target.isValid());
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_target.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        config.performance.downloadSpeedLimit = 0;
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
    DownloadId addPaused(const std::string& name) {
        maria2::DownloadRequest request;
        request.url = "http://127.0.0.1:9/" + name;
        request.startPaused = true;
        return m_session->add(request);
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
    QMessageBox* question(const char* name) const {
        for (QMessageBox* box : m_window->findChildren<QMessageBox*>(QLatin1String(name)))
            if (box->isVisible())
                return box;
        return nullptr;
    }
    DownloadState state(DownloadId id) const { return m_session->download(id).state; }

    QTemporaryDir m_target;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(MainWindowCommandsTest, LayoutMenusAndShortcuts) {
    // The table sits in a vertical splitter, ready for a pane beneath it.
    ASSERT_NE(m_window->splitter(), nullptr);
    EXPECT_EQ(m_window->splitter()->orientation(), Qt::Vertical);
    EXPECT_EQ(m_window->splitter()->widget(0), m_window->view());
    const QList<QAction*> bar = m_window->menuBar()->actions();
    ASSERT_NE(m_window->viewMenu(), nullptr);
    EXPECT_TRUE(bar.contains(m_window->viewMenu()->menuAction()));
    ASSERT_NE(m_window->settingsAction(), nullptr);
    EXPECT_TRUE(m_window->toolsMenu()->actions().contains(m_window->settingsAction()));
    EXPECT_EQ(m_window->settingsAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+,")));
    QSignalSpy settings(m_window.get(), &MainWindow::settingsRequested);
    m_window->settingsAction()->trigger();
    EXPECT_EQ(settings.size(), 1);

    const QList<QPair<const char*, QKeySequence>> shortcuts = {
        {"actionRemove", QKeySequence(QKeySequence::Delete)},
        {"actionRemoveWithFiles", QKeySequence(Qt::SHIFT | Qt::Key_Delete)},
        {"actionAddFromClipboard", QKeySequence(QKeySequence::Paste)},
        {"actionAdd", QKeySequence(QStringLiteral("Ctrl+N"))},
        {"actionSelectAll", QKeySequence(QKeySequence::SelectAll)},
        {"actionOpenFile", QKeySequence(Qt::Key_Return)},
        {"actionFind", QKeySequence(QKeySequence::Find)},
        {"actionQuit", QKeySequence(QStringLiteral("Ctrl+Q"))},
        {"actionCopyUrl", QKeySequence(QKeySequence::Copy)},
    };
    for (const auto& [name, key] : shortcuts) {
        QAction* a = action(name);
        ASSERT_NE(a, nullptr) << name;
        EXPECT_EQ(a->shortcut(), key) << name;
        // Shown in a menu of the menu bar.
        bool inMenu = false;
        for (QAction* menu : bar)
            inMenu = inMenu || (menu->menu() && menu->menu()->actions().contains(a));
        EXPECT_TRUE(inMenu) << name;
    }
    // The context menu has the commands on the selection.
    for (const char* name :
         {"actionOpenFile", "actionOpenFolder", "actionCopyUrl", "actionStart", "actionPause",
          "actionRestart", "actionMoveUp", "actionMoveDown", "actionMoveTop", "actionMoveBottom",
          "actionRemove", "actionRemoveWithFiles", "actionChangeUrl"})
        EXPECT_TRUE(m_window->view()->actions().contains(action(name))) << name;
    // Nothing selected: nothing to do on a selection.
    for (const char* name :
         {"actionOpenFile", "actionCopyUrl", "actionRestart", "actionRemoveWithFiles"})
        EXPECT_FALSE(action(name)->isEnabled()) << name;
    // An Added column, sortable.
    EXPECT_EQ(m_window->proxy()->headerData(DownloadsModel::Added, Qt::Horizontal).toString(),
              QStringLiteral("Added"));
    EXPECT_TRUE(m_window->view()->isSortingEnabled());
}

TEST_F(MainWindowCommandsTest, SearchBoxAndSideListFilterTheTable) {
    const DownloadId a = addPaused("alpha.iso");
    const DownloadId b = addPaused("beta.zip");
    addPaused("gamma.iso");
    ASSERT_EQ(m_window->proxy()->rowCount(), 3);
    m_window->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow();

    // Ctrl+F goes to the search box; typing filters; Escape clears.
    m_window->view()->setFocus();
    QTest::keyClick(m_window->view(), Qt::Key_F, Qt::ControlModifier);
    QLineEdit* search = m_window->searchEdit();
    EXPECT_TRUE(search->hasFocus());
    QTest::keyClicks(search, QStringLiteral("ALPHA"));
    ASSERT_EQ(m_window->proxy()->rowCount(), 1);
    EXPECT_EQ(m_window->proxy()->index(0, 0).data(DownloadsModel::IdRole).toULongLong(), a);
    QTest::keyClick(search, Qt::Key_Escape);
    EXPECT_TRUE(search->text().isEmpty());
    EXPECT_EQ(m_window->proxy()->rowCount(), 3);

    // The side list counts and picks the status.
    maria2::gui::StatusFilterList* list = m_window->statusFilterList();
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(list->entryText(DownloadsFilter::Queued), QStringLiteral("Queued (3)"));
    EXPECT_EQ(list->entryText(DownloadsFilter::Completed), QStringLiteral("Completed (0)"));
    list->setCurrentGroup(DownloadsFilter::Completed);
    EXPECT_EQ(m_window->proxy()->rowCount(), 0);
    list->setCurrentGroup(DownloadsFilter::Queued);
    EXPECT_EQ(m_window->proxy()->rowCount(), 3);

    // Ctrl+A selects every row shown; Copy URL copies them all.
    action("actionSelectAll")->trigger();
    EXPECT_EQ(m_window->view()->selectionModel()->selectedRows().size(), 3);
    select({b});
    EXPECT_TRUE(action("actionCopyUrl")->isEnabled());
}

TEST_F(MainWindowCommandsTest, RestartAsksThenDownloadsAgainAndRemoveWithFilesDeletesThem) {
    maria2::test::NginxServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    const QString sha =
        maria2::test::writeRandomFile(server.docRoot() + "/again.bin", 512 * 1024 + 7, 17);
    ASSERT_FALSE(sha.isEmpty());

    maria2::DownloadRequest request;
    request.url = server.httpUrl(QStringLiteral("again.bin")).toStdString();
    m_window->addRequests({request});
    ASSERT_EQ(m_window->model()->rowCount(), 1);
    const DownloadId id = m_window->model()->snapshotAt(0).id;
    ASSERT_TRUE(maria2::test::waitFor([&] { return maria2::isFinal(state(id)); }, 30000));
    ASSERT_EQ(state(id), DownloadState::Completed);
    const QString path = QString::fromStdString(m_session->download(id).filePath);
    ASSERT_EQ(maria2::test::sha256OfFile(path), sha);
    select({id});
    ASSERT_TRUE(action("actionOpenFile")->isEnabled());

    // Spoil the file; Restart asks first (Cancel changes nothing).
    {
        QFile spoiled(path);
        ASSERT_TRUE(spoiled.open(QIODevice::WriteOnly | QIODevice::Truncate));
        spoiled.write("spoiled");
    }
    ASSERT_TRUE(action("actionRestart")->isEnabled());
    action("actionRestart")->trigger();
    QMessageBox* box = question("restartQuestion");
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->informativeText().contains(QStringLiteral("replaced")))
        << box->informativeText().toStdString();
    box->button(QMessageBox::Cancel)->click();
    EXPECT_EQ(state(id), DownloadState::Completed);

    action("actionRestart")->trigger();
    box = question("restartQuestion");
    ASSERT_NE(box, nullptr);
    box->findChild<QAbstractButton*>(QStringLiteral("restartButton"))->click();
    // The same row, downloaded again into the same file.
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            return state(id) == DownloadState::Completed && maria2::test::sha256OfFile(path) == sha;
        },
        30000))
        << maria2::toString(state(id)) << " " << m_session->download(id).filePath << " "
        << m_session->download(id).errorMessage;
    EXPECT_EQ(m_window->model()->rowCount(), 1);
    EXPECT_EQ(QString::fromStdString(m_session->download(id).filePath), path);

    // Remove with files: asks, naming one file; Cancel keeps everything.
    select({id});
    action("actionRemoveWithFiles")->trigger();
    box = question("removeWithFilesQuestion");
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->informativeText().contains(QStringLiteral("1 file")))
        << box->informativeText().toStdString();
    EXPECT_EQ(static_cast<QAbstractButton*>(box->defaultButton()),
              box->button(QMessageBox::Cancel));
    box->button(QMessageBox::Cancel)->click();
    EXPECT_TRUE(QFile::exists(path));
    EXPECT_EQ(m_window->model()->rowCount(), 1);

    action("actionRemoveWithFiles")->trigger();
    box = question("removeWithFilesQuestion");
    ASSERT_NE(box, nullptr);
    box->findChild<QAbstractButton*>(QStringLiteral("deleteFilesButton"))->click();
    EXPECT_TRUE(maria2::test::waitFor(
        [&] { return m_window->model()->rowCount() == 0 && !QFile::exists(path); }, 10000));
}
