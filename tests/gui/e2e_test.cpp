// End to end: the real MainWindow and Session download a file from a real nginx.
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QAbstractButton>
#include <QAction>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using maria2::DownloadState;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;

namespace {

DownloadState stateOf(const DownloadsModel& model, maria2::DownloadId id) {
    const int row = model.rowOf(id);
    if (row < 0)
        return DownloadState::Removed;
    return DownloadState(model.index(row, 0).data(DownloadsModel::StateRole).toInt());
}

} // namespace

TEST(GuiEndToEnd, DownloadsAFileThroughTheWindowsSession) {
    maria2::test::NginxServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();

    const QString fileName = QStringLiteral("two-mib.bin");
    const auto expectedSha = maria2::test::writeRandomFile(
        QString(server.docRoot() + QLatin1Char('/') + fileName), 2 * 1024 * 1024, 42);
    ASSERT_FALSE(expectedSha.isEmpty());

    QTemporaryDir target;
    ASSERT_TRUE(target.isValid());
    maria2::Config config = maria2::ConfigLoader::defaults();
    config.download.directory = target.path().toStdString();
    config.logging.toFile = false;
    config.logging.level = "off";
    config.performance.downloadSpeedLimit = 0; // full speed: no limit to wait for

    maria2::Session session(config);
    MainWindow window(&session);
    window.show();
    DownloadsModel* model = window.model();

    maria2::DownloadRequest request;
    request.url = QString(server.httpUrl(QLatin1Char('/') + fileName)).toStdString();
    request.directory = target.path().toStdString();
    const maria2::DownloadId id = session.add(request);
    ASSERT_NE(id, 0u);
    // downloadAdded reaches the table straight away.
    EXPECT_GE(model->rowOf(id), 0);
    EXPECT_EQ(window.proxy()->rowCount(), 1);

    const bool settled = maria2::test::waitFor(
        [&] {
            const DownloadState s = stateOf(*model, id);
            return s == DownloadState::Completed || s == DownloadState::Failed;
        },
        60000);
    ASSERT_TRUE(settled) << "still " << maria2::toString(stateOf(*model, id));
    const int row = model->rowOf(id);
    ASSERT_GE(row, 0);
    const QString status = model->index(row, DownloadsModel::Status).data().toString();
    ASSERT_EQ(stateOf(*model, id), DownloadState::Completed) << status.toStdString();
    EXPECT_TRUE(status.contains(QStringLiteral("completed"), Qt::CaseInsensitive))
        << status.toStdString();
    EXPECT_EQ(
        model->index(row, DownloadsModel::Progress).data(DownloadsModel::RawValueRole).toInt(),
        1000);

    const QString path = model->index(row, 0).data(DownloadsModel::FilePathRole).toString();
    ASSERT_FALSE(path.isEmpty());
    EXPECT_EQ(maria2::test::sha256OfFile(path).toStdString(), expectedSha.toStdString());
    EXPECT_EQ(model->totals().completed, 1);

    // The status bar counted it, from the batches rather than per row.
    bool counted = false;
    for (const QLabel* label : window.statusBar()->findChildren<QLabel*>())
        counted = counted || label->text().contains(QStringLiteral("1 completed"));
    EXPECT_TRUE(counted);

    // Selecting the finished row enables Remove and Open Folder, not Start or Pause.
    window.view()->selectRow(0);
    const auto action = [&window](const char* name) {
        return window.findChild<QAction*>(QLatin1String(name));
    };
    ASSERT_NE(action("actionRemove"), nullptr);
    EXPECT_TRUE(action("actionRemove")->isEnabled());
    EXPECT_TRUE(action("actionOpenFolder")->isEnabled());
    EXPECT_FALSE(action("actionPause")->isEnabled());
    EXPECT_FALSE(action("actionStart")->isEnabled());

    // Removing a completed download asks nothing and keeps the file.
    window.removeSelected();
    EXPECT_TRUE(maria2::test::waitFor([&] { return model->rowOf(id) < 0; }, 10000));
    EXPECT_TRUE(QFileInfo::exists(path));

    session.shutdown();
}

// Pause, resume and remove through the window's own actions, against a rate-limited server.
TEST(GuiEndToEnd, PauseResumeAndRemoveThroughTheActions) {
    maria2::test::NginxServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    const auto sha =
        maria2::test::writeRandomFile(server.docRoot() + QStringLiteral("/big.bin"), 3 << 20, 7);
    ASSERT_FALSE(sha.isEmpty());
    ASSERT_FALSE(
        maria2::test::writeRandomFile(server.docRoot() + QStringLiteral("/doomed.bin"), 8 << 20, 8)
            .isEmpty());

    QTemporaryDir target;
    ASSERT_TRUE(target.isValid());
    maria2::Config config = maria2::ConfigLoader::defaults();
    config.download.directory = target.path().toStdString();
    config.logging.toFile = false;
    config.logging.level = "off";
    config.performance.downloadSpeedLimit = 0; // full speed: no limit to wait for
    maria2::Session session(config);
    MainWindow window(&session);
    window.show();
    DownloadsModel* model = window.model();
    const auto action = [&window](const char* name) {
        return window.findChild<QAction*>(QLatin1String(name));
    };
    const auto selectOnly = [&](maria2::DownloadId id) {
        window.view()->clearSelection();
        for (int row = 0; row < window.proxy()->rowCount(); ++row) {
            if (window.proxy()->index(row, 0).data(DownloadsModel::IdRole).toULongLong() == id)
                window.view()->selectRow(row);
        }
    };
    const auto hasBytes = [&](maria2::DownloadId id) {
        const int row = model->rowOf(id);
        return row >= 0 && model->snapshotAt(row).doneBytes > 0;
    };

    // /slow/ is limited to 256 KiB/s per connection: a 3 MiB file takes a few seconds.
    maria2::DownloadRequest request;
    request.url = server.httpUrl(QStringLiteral("/slow/big.bin")).toStdString();
    const maria2::DownloadId id = session.add(request);
    ASSERT_TRUE(maria2::test::waitFor([&] { return hasBytes(id); }, 30000));

    selectOnly(id);
    ASSERT_TRUE(action("actionPause")->isEnabled());
    action("actionPause")->trigger();
    ASSERT_TRUE(
        maria2::test::waitFor([&] { return stateOf(*model, id) == DownloadState::Paused; }, 30000));
    EXPECT_FALSE(action("actionPause")->isEnabled());
    ASSERT_TRUE(action("actionStart")->isEnabled());

    action("actionStart")->trigger();
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            const DownloadState s = stateOf(*model, id);
            return s == DownloadState::Completed || s == DownloadState::Failed;
        },
        60000));
    ASSERT_EQ(stateOf(*model, id), DownloadState::Completed);
    const QString path =
        model->index(model->rowOf(id), 0).data(DownloadsModel::FilePathRole).toString();
    EXPECT_EQ(maria2::test::sha256OfFile(path).toStdString(), sha.toStdString());

    // Removing an unfinished download asks first; "delete" takes the partial file along.
    request.url = server.httpUrl(QStringLiteral("/slow/doomed.bin")).toStdString();
    const maria2::DownloadId doomed = session.add(request);
    ASSERT_TRUE(maria2::test::waitFor([&] { return hasBytes(doomed); }, 30000));
    const QString partial = target.filePath(QStringLiteral("doomed.bin.part"));
    selectOnly(doomed);
    window.removeSelected();
    auto* box = window.findChild<QMessageBox*>();
    ASSERT_NE(box, nullptr);
    EXPECT_GE(model->rowOf(doomed), 0); // nothing happens before the answer
    QAbstractButton* erase = nullptr;
    for (QAbstractButton* button : box->buttons())
        if (box->buttonRole(button) == QMessageBox::DestructiveRole)
            erase = button;
    ASSERT_NE(erase, nullptr);
    erase->click();
    EXPECT_TRUE(maria2::test::waitFor(
        [&] { return model->rowOf(doomed) < 0 && !QFileInfo::exists(partial); }, 30000))
        << "row " << model->rowOf(doomed) << ", partial file there: " << QFileInfo::exists(partial);
    EXPECT_TRUE(QFileInfo::exists(path)); // the finished one is untouched

    session.shutdown();
}
