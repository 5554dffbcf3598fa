// Screenshots of the real window under Xvfb, as build artifacts: the main window with downloads
// running from a real nginx, and its details pane. Not compared pixel by pixel; the test checks
// that what was saved shows a window (not a blank or single-colour image).
// Runs only when MARIA2_SCREENSHOT_DIR is set (the ctest "gui_screenshots_under_xvfb" sets it
// and runs this binary under xvfb-run with the xcb platform); the offscreen run skips it.
#include "DetailsPane.h"
#include "DownloadsModel.h"
#include "MainWindow.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QItemSelectionModel>
#include <QPixmap>
#include <QScreen>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QWindow>
#include <gtest/gtest.h>

using maria2::DownloadState;
using maria2::gui::DownloadsModel;
using maria2::gui::MainWindow;

namespace {

// What the screen shows of the widget (under Xvfb: the X server's pixels), else its rendering.
QImage shoot(QWidget& widget) {
    QPixmap shot;
    if (QGuiApplication::platformName() == QLatin1String("xcb") &&
        widget.window()->windowHandle()) {
        const QPoint at = widget.mapTo(widget.window(), QPoint(0, 0));
        shot = widget.screen()->grabWindow(widget.window()->winId(), at.x(), at.y(), widget.width(),
                                           widget.height());
    }
    if (shot.isNull()) {
        shot = widget.grab();
    }
    return shot.toImage();
}

// Distinct colours in a sparse grid: a real window has text, icons and bars.
int distinctColours(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) {
            colours.insert(image.pixel(x, y));
        }
    }
    return int(colours.size());
}

} // namespace

TEST(Screenshots, MainWindowWithDownloadsRunningAndItsDetailsPane) {
    const QString outDir = qEnvironmentVariable("MARIA2_SCREENSHOT_DIR");
    if (outDir.isEmpty()) {
        GTEST_SKIP() << "MARIA2_SCREENSHOT_DIR is not set (the Xvfb ctest sets it)";
    }
    ASSERT_TRUE(QDir().mkpath(outDir));

    maria2::test::NginxServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    const QStringList names{QStringLiteral("ubuntu-24.04-desktop-amd64.iso"),
                            QStringLiteral("holiday-photos.zip"), QStringLiteral("talk.mkv"),
                            QStringLiteral("dataset.tar.gz")};
    for (int i = 0; i < names.size(); ++i) {
        ASSERT_FALSE(maria2::test::writeRandomFile(server.docRoot() + QLatin1Char('/') + names[i],
                                                   (48 + 8 * i) * 1024 * 1024, 7 + i)
                         .isEmpty());
    }

    QTemporaryDir target;
    ASSERT_TRUE(target.isValid());
    maria2::Config config = maria2::ConfigLoader::defaults();
    config.download.directory = target.path().toStdString();
    config.logging.toFile = false;
    config.logging.level = "off";
    // Slow enough that every download is still running when the picture is taken.
    config.performance.downloadSpeedLimit = 3 * 1024 * 1024;
    config.performance.maxConcurrentDownloads = 3; // the fourth one waits in the queue
    config.performance.cpuUsagePercent = 100;
    config.performance.memoryUsagePercent = 100;
    config.queue.retries = 0;

    maria2::Session session(config);
    MainWindow window(&session);
    window.resize(1180, 720);
    window.show();
    QList<maria2::DownloadId> ids;
    for (const QString& name : names) {
        maria2::DownloadRequest request;
        request.url = QString(server.httpUrl(QLatin1Char('/') + name)).toStdString();
        request.directory = target.path().toStdString();
        ids.append(session.add(request));
    }
    DownloadsModel* model = window.model();
    const auto downloading = [&](maria2::DownloadId id) {
        const int row = model->rowOf(id);
        return row >= 0 && model->snapshotAt(row).state == DownloadState::Downloading &&
               model->snapshotAt(row).doneBytes > 512 * 1024;
    };
    ASSERT_TRUE(maria2::test::waitFor(
        [&] { return downloading(ids[0]) && downloading(ids[1]) && downloading(ids[2]); }, 60000));

    // Select the first download: the details pane shows its segments and connections.
    const QModelIndex first = window.proxy()->mapFromSource(model->index(model->rowOf(ids[0]), 0));
    window.view()->selectionModel()->select(first, QItemSelectionModel::ClearAndSelect |
                                                       QItemSelectionModel::Rows);
    window.view()->setCurrentIndex(first);
    maria2::gui::DetailsPane* pane = window.detailsPane();
    ASSERT_NE(pane, nullptr);
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            return pane->currentId() == ids[0] && pane->connectionList()->topLevelItemCount() > 1;
        },
        30000));
    // Let the chart collect a few samples and the window settle on screen.
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            return window.windowHandle() != nullptr && window.windowHandle()->isExposed() &&
                   session.metrics().atUnixMs > 0;
        },
        15000));

    const QImage main = shoot(window);
    const QImage details = shoot(*pane);
    const QString mainPath = outDir + QStringLiteral("/main-window.png");
    const QString detailsPath = outDir + QStringLiteral("/details-pane.png");
    ASSERT_TRUE(main.save(mainPath, "PNG")) << mainPath.toStdString();
    ASSERT_TRUE(details.save(detailsPath, "PNG")) << detailsPath.toStdString();
    EXPECT_GE(main.width(), 800);
    EXPECT_GT(distinctColours(main), 20) << "the main window screenshot looks blank";
    EXPECT_GT(distinctColours(details), 10) << "the details pane screenshot looks blank";
    // What was saved reads back as the same picture.
    EXPECT_EQ(QImage(mainPath).size(), main.size());
    session.shutdown();
}
