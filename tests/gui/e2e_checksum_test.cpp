// End to end against a real nginx: checksums given in the add dialog, and a download whose link
// expires and continues after Change URL, all through the real MainWindow and Session.
#include "AddUrlsDialog.h"
#include "ChangeUrlDialog.h"
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadState;
using maria2::gui::AddUrlsDialog;
using maria2::gui::ChangeUrlDialog;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;

namespace {

class GuiEndToEndChecks : public ::testing::Test {
protected:
    void SetUp() override {
        QString error;
        ASSERT_TRUE(m_server.start(&error)) << error.toStdString();
        ASSERT_TRUE(m_target.isValid());
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_target.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        config.performance.downloadSpeedLimit = 0; // full speed: no limit to wait for
        m_session = std::make_unique<maria2::Session>(config);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_window->show();
    }
    void TearDown() override {
        if (m_session)
            m_session->shutdown();
        m_window.reset();
    }

    DownloadsModel* model() const { return m_window->model(); }
    DownloadState stateOf(maria2::DownloadId id) const {
        const int row = model()->rowOf(id);
        return row < 0 ? DownloadState::Removed : model()->snapshotAt(row).state;
    }
    QString statusOf(maria2::DownloadId id) const {
        const int row = model()->rowOf(id);
        return row < 0 ? QString() : model()->index(row, DownloadsModel::Status).data().toString();
    }
    bool waitForState(maria2::DownloadId id, std::initializer_list<DownloadState> states,
                      int timeoutMs = 60000) const {
        return maria2::test::waitFor(
            [&] {
                const DownloadState s = stateOf(id);
                return std::find(states.begin(), states.end(), s) != states.end();
            },
            timeoutMs);
    }
    QAction* action(const char* name) const {
        return m_window->findChild<QAction*>(QLatin1String(name));
    }
    void selectOnly(maria2::DownloadId id) {
        m_window->view()->clearSelection();
        QSortFilterProxyModel* proxy = m_window->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row) {
            if (proxy->index(row, 0).data(DownloadsModel::IdRole).toULongLong() == id)
                m_window->view()->selectRow(row);
        }
    }
    // Adds url through the window's own add dialog, with the given checksum.
    maria2::DownloadId addThroughDialog(const QString& url, const QString& checksum) {
        m_window->showAddDialog({url});
        AddUrlsDialog* dialog = nullptr;
        for (AddUrlsDialog* d : m_window->findChildren<AddUrlsDialog*>())
            if (d->isVisible())
                dialog = d;
        if (!dialog)
            return 0;
        dialog->setChecksum(checksum);
        if (!dialog->isInputValid())
            return 0;
        const int before = model()->rowCount();
        dialog->accept();
        if (model()->rowCount() != before + 1)
            return 0;
        return model()->snapshotAt(before).id;
    }

    maria2::test::NginxServer m_server;
    QTemporaryDir m_target;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(GuiEndToEndChecks, CorrectChecksumCompletes) {
    const QString name = QStringLiteral("checked.bin");
    const QString sha =
        maria2::test::writeRandomFile(m_server.docRoot() + QLatin1Char('/') + name, 3 << 20, 11);
    ASSERT_FALSE(sha.isEmpty());

    const maria2::DownloadId id = addThroughDialog(m_server.httpUrl(QLatin1Char('/') + name),
                                                   QStringLiteral("sha-256=") + sha.toUpper());
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(waitForState(id, {DownloadState::Completed, DownloadState::Failed}))
        << "still " << maria2::toString(stateOf(id));
    ASSERT_EQ(stateOf(id), DownloadState::Completed) << statusOf(id).toStdString();

    const QString path = m_target.filePath(name);
    EXPECT_EQ(maria2::test::sha256OfFile(path).toStdString(), sha.toStdString());
    EXPECT_FALSE(QFileInfo::exists(path + QStringLiteral(".part")));
    const int row = model()->rowOf(id);
    EXPECT_EQ(model()->index(row, DownloadsModel::Progress).data().toString(),
              QStringLiteral("100.0%"));
}

TEST_F(GuiEndToEndChecks, WrongChecksumFailsAndKeepsThePartFile) {
    const QString name = QStringLiteral("tampered.bin");
    ASSERT_FALSE(
        maria2::test::writeRandomFile(m_server.docRoot() + QLatin1Char('/') + name, 1 << 20, 12)
            .isEmpty());
    // Well formed, but the digest of other bytes.
    const QString otherSha = maria2::test::writeRandomFile(
        m_server.docRoot() + QStringLiteral("/other.bin"), 1 << 20, 13);
    ASSERT_FALSE(otherSha.isEmpty());

    const maria2::DownloadId id =
        addThroughDialog(m_server.httpUrl(QLatin1Char('/') + name), otherSha);
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(waitForState(id, {DownloadState::Completed, DownloadState::Failed}))
        << "still " << maria2::toString(stateOf(id));
    ASSERT_EQ(stateOf(id), DownloadState::Failed) << statusOf(id).toStdString();

    const QString status = statusOf(id);
    EXPECT_TRUE(status.startsWith(QStringLiteral("Failed"))) << status.toStdString();
    EXPECT_TRUE(status.contains(QStringLiteral("mismatch"), Qt::CaseInsensitive))
        << status.toStdString();
    EXPECT_FALSE(QFileInfo::exists(m_target.filePath(name)));
    EXPECT_TRUE(QFileInfo::exists(m_target.filePath(name + QStringLiteral(".part"))));
    EXPECT_EQ(model()->totals().failed, 1);

    // A failed download may still be given another link (e.g. the right mirror).
    selectOnly(id);
    EXPECT_TRUE(action("actionChangeUrl")->isEnabled());
    EXPECT_TRUE(action("actionStart")->isEnabled());
}

TEST_F(GuiEndToEndChecks, ExpiredLinkContinuesAfterChangeUrl) {
    const qint64 size = 3 << 20;
    ASSERT_TRUE(QDir(m_server.docRoot()).mkpath(QStringLiteral("old")));
    ASSERT_TRUE(QDir(m_server.docRoot()).mkpath(QStringLiteral("new")));
    const QString oldFile = m_server.docRoot() + QStringLiteral("/old/movie.bin");
    const QString sha = maria2::test::writeRandomFile(oldFile, size, 21);
    ASSERT_FALSE(sha.isEmpty());

    // /slow/ is 256 KiB/s per connection: there is time to pause with part of it here.
    maria2::DownloadRequest request;
    request.url = m_server.httpUrl(QStringLiteral("/slow/old/movie.bin")).toStdString();
    const maria2::DownloadId id = m_session->add(request);
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            const int row = model()->rowOf(id);
            return row >= 0 && model()->snapshotAt(row).doneBytes >= 512 * 1024;
        },
        30000));
    selectOnly(id);
    action("actionPause")->trigger();
    ASSERT_TRUE(waitForState(id, {DownloadState::Paused}, 30000));
    const std::int64_t kept = model()->snapshotAt(model()->rowOf(id)).doneBytes;

    // The site moves the file: the old link now answers 404.
    ASSERT_TRUE(QFile::rename(oldFile, m_server.docRoot() + QStringLiteral("/new/movie.bin")));
    action("actionStart")->trigger();
    ASSERT_TRUE(waitForState(
        id, {DownloadState::LinkExpired, DownloadState::Failed, DownloadState::Completed}))
        << "still " << maria2::toString(stateOf(id));
    ASSERT_EQ(stateOf(id), DownloadState::LinkExpired) << statusOf(id).toStdString();
    EXPECT_TRUE(statusOf(id).contains(QStringLiteral("Change URL"))) << statusOf(id).toStdString();
    EXPECT_TRUE(QFileInfo::exists(m_target.filePath(QStringLiteral("movie.bin.part"))));
    EXPECT_EQ(model()->totals().attention, 1);

    // Change URL with the new link: it continues from the kept bytes and completes.
    m_server.clearAccessLog();
    selectOnly(id);
    ASSERT_TRUE(action("actionChangeUrl")->isEnabled());
    action("actionChangeUrl")->trigger();
    ChangeUrlDialog* dialog = nullptr;
    for (ChangeUrlDialog* d : m_window->findChildren<ChangeUrlDialog*>())
        if (d->isVisible())
            dialog = d;
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->url().endsWith(QStringLiteral("/slow/old/movie.bin")));
    dialog->setUrl(m_server.httpUrl(QStringLiteral("/new/movie.bin")));
    ASSERT_TRUE(dialog->isInputValid());
    dialog->accept();

    // The resume is asynchronous: first it leaves "link expired", then it settles.
    ASSERT_TRUE(
        maria2::test::waitFor([&] { return stateOf(id) != DownloadState::LinkExpired; }, 30000));
    ASSERT_TRUE(waitForState(id, {DownloadState::Completed, DownloadState::Failed,
                                  DownloadState::LinkExpired, DownloadState::FileChanged}))
        << "still " << maria2::toString(stateOf(id));
    ASSERT_EQ(stateOf(id), DownloadState::Completed) << statusOf(id).toStdString();
    const QString path = m_target.filePath(QStringLiteral("movie.bin"));
    EXPECT_EQ(maria2::test::sha256OfFile(path).toStdString(), sha.toStdString());

    // Only the missing bytes came from the new link.
    qint64 fromNewLink = 0;
    EXPECT_TRUE(maria2::test::waitFor(
        [&] {
            fromNewLink = 0;
            for (const auto& entry : m_server.accessLog())
                if (entry.uri == QStringLiteral("/new/movie.bin"))
                    fromNewLink += entry.bytesSent;
            return fromNewLink >= size - kept;
        },
        10000));
    EXPECT_LT(fromNewLink, size) << "the kept " << kept << " bytes were downloaded again";
}
