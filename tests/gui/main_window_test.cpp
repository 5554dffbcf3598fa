// MainWindow's Change URL action: enabled for one unfinished download, its dialog validates the
// link, and accepting it hands the new URL to the session and resumes the download.
#include "ChangeUrlDialog.h"
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::ChangeUrlDialog;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;

namespace {

class MainWindowTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_target.isValid());
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_target.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        m_session = std::make_unique<maria2::Session>(config);
        m_window = std::make_unique<MainWindow>(m_session.get());
    }
    void TearDown() override {
        m_window.reset();
        if (m_session)
            m_session->shutdown();
    }

    // The Change URL dialog on screen (a closed one may linger until its deferred delete).
    ChangeUrlDialog* openDialog() const {
        for (ChangeUrlDialog* dialog : m_window->findChildren<ChangeUrlDialog*>())
            if (dialog->isVisible())
                return dialog;
        return nullptr;
    }
    QAction* action(const char* name) const {
        return m_window->findChild<QAction*>(QLatin1String(name));
    }
    // A row the session does not know about: enough for the actions, which read the table.
    void addRow(maria2::DownloadId id, DownloadState state) {
        DownloadSnapshot s;
        s.id = id;
        s.state = state;
        s.url = "http://example.com/file" + std::to_string(id) + ".bin";
        s.fileName = "file" + std::to_string(id) + ".bin";
        s.totalBytes = 1000;
        s.doneBytes = 400;
        m_window->model()->updateDownload(s);
    }
    void selectOnly(maria2::DownloadId id) {
        m_window->view()->clearSelection();
        QSortFilterProxyModel* proxy = m_window->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row) {
            if (proxy->index(row, 0).data(DownloadsModel::IdRole).toULongLong() == id)
                m_window->view()->selectionModel()->select(
                    proxy->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    }

    QTemporaryDir m_target;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(MainWindowTest, ChangeUrlIsEnabledForOneUnfinishedDownload) {
    QAction* changeUrl = action("actionChangeUrl");
    ASSERT_NE(changeUrl, nullptr);
    EXPECT_FALSE(changeUrl->isEnabled()); // nothing selected

    // In the Downloads menu and in the table's context menu.
    bool inMenu = false;
    for (QAction* menu : m_window->menuBar()->actions())
        if (menu->menu() && menu->menu()->actions().contains(changeUrl))
            inMenu = true;
    EXPECT_TRUE(inMenu);
    EXPECT_TRUE(m_window->view()->actions().contains(changeUrl));

    const QList<QPair<DownloadState, bool>> cases = {
        {DownloadState::LinkExpired, true}, {DownloadState::FileChanged, true},
        {DownloadState::Failed, true},      {DownloadState::Paused, true},
        {DownloadState::Queued, true},      {DownloadState::Downloading, true},
        {DownloadState::Stalled, true},     {DownloadState::Retrying, true},
        {DownloadState::Verifying, false},  {DownloadState::Completed, false},
    };
    maria2::DownloadId id = 100;
    for (const auto& [state, enabled] : cases) {
        addRow(++id, state);
        selectOnly(id);
        EXPECT_EQ(changeUrl->isEnabled(), enabled) << maria2::toString(state);
    }

    // Link expired and file changed may be resumed; stalled may be paused.
    addRow(++id, DownloadState::LinkExpired);
    selectOnly(id);
    EXPECT_TRUE(action("actionStart")->isEnabled());
    EXPECT_FALSE(action("actionPause")->isEnabled());
    addRow(++id, DownloadState::Stalled);
    selectOnly(id);
    EXPECT_TRUE(action("actionPause")->isEnabled());

    // A state change of the selected row updates the action at once.
    addRow(id, DownloadState::Completed);
    EXPECT_FALSE(changeUrl->isEnabled());

    // Two rows selected: not for a batch.
    addRow(++id, DownloadState::LinkExpired);
    selectOnly(id);
    m_window->view()->selectionModel()->select(
        m_window->proxy()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    EXPECT_EQ(m_window->view()->selectionModel()->selectedRows().size(), 2);
    EXPECT_FALSE(changeUrl->isEnabled());

    // The status bar counts the rows that wait for a person (two cases and two more rows).
    EXPECT_EQ(m_window->model()->totals().attention, 4);
    bool counted = false;
    for (const QLabel* label : m_window->statusBar()->findChildren<QLabel*>())
        counted = counted || label->text().contains(QStringLiteral("4 awaiting action"));
    EXPECT_TRUE(counted);
}

TEST_F(MainWindowTest, ChangeUrlDialogValidatesAndChangesTheSessionsUrl) {
    // A real download of the session, added paused so it stays put.
    maria2::DownloadRequest request;
    request.url = "http://127.0.0.1:9/old/file.bin";
    request.startPaused = true;
    const maria2::DownloadId id = m_session->add(request);
    selectOnly(id);
    QAction* changeUrl = action("actionChangeUrl");
    ASSERT_TRUE(changeUrl->isEnabled());

    // Double-clicking a row whose link expired asks for a new one; other rows do not.
    addRow(900, DownloadState::LinkExpired);
    const int expiredRow =
        m_window->proxy()
            ->mapFromSource(m_window->model()->index(m_window->model()->rowOf(900), 0))
            .row();
    emit m_window->view()->doubleClicked(m_window->proxy()->index(expiredRow, 0));
    ChangeUrlDialog* asked = openDialog();
    ASSERT_NE(asked, nullptr);
    EXPECT_EQ(asked->url(), QStringLiteral("http://example.com/file900.bin"));
    asked->reject();
    EXPECT_EQ(openDialog(), nullptr);
    selectOnly(id);

    // Cancel changes nothing.
    changeUrl->trigger();
    ChangeUrlDialog* dialog = openDialog();
    ASSERT_NE(dialog, nullptr);
    dialog->setUrl(QStringLiteral("http://127.0.0.1:9/other.bin"));
    dialog->reject();
    EXPECT_EQ(m_session->download(id).url, request.url);
    EXPECT_EQ(m_session->download(id).state, DownloadState::Paused);

    changeUrl->trigger();
    dialog = openDialog();
    ASSERT_NE(dialog, nullptr);
    auto* edit = dialog->findChild<QLineEdit*>(QStringLiteral("urlEdit"));
    ASSERT_NE(edit, nullptr);
    EXPECT_EQ(edit->text(), QString::fromStdString(request.url)); // pre-filled
    QPushButton* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    EXPECT_TRUE(ok->isEnabled());
    EXPECT_FALSE(dialog->isChanged());

    edit->setText(QStringLiteral("file:///etc/passwd"));
    EXPECT_FALSE(ok->isEnabled());
    EXPECT_TRUE(dialog->problemText().contains(QStringLiteral("http, https, ftp or ftps")))
        << dialog->problemText().toStdString();
    edit->clear();
    EXPECT_FALSE(ok->isEnabled());
    EXPECT_FALSE(dialog->problemText().isEmpty());

    const QString fresh = QStringLiteral("http://127.0.0.1:9/fresh/file.bin?token=2");
    edit->setText(QStringLiteral("  ") + fresh);
    EXPECT_TRUE(ok->isEnabled());
    EXPECT_TRUE(dialog->problemText().isEmpty());
    ok->click();

    // The session has the new URL and the download was resumed (queued or further along).
    EXPECT_EQ(QString::fromStdString(m_session->download(id).url), fresh);
    EXPECT_TRUE(maria2::test::waitFor(
        [&] {
            const int row = m_window->model()->rowOf(id);
            return row >= 0 && m_window->model()->snapshotAt(row).state != DownloadState::Paused;
        },
        10000));
}
