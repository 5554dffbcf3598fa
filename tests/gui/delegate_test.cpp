// ProgressDelegate smoke test: paint a cell into an image and look at the pixels.
#include "DownloadsModel.h"
#include "ProgressDelegate.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QStyleOptionViewItem>
#include <gtest/gtest.h>

using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsModel;
using maria2::gui::ProgressDelegate;

namespace {

constexpr QSize cellSize(220, 26);

QImage paintCell(const QModelIndex& index) {
    ProgressDelegate delegate;
    QImage image(cellSize, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QStyleOptionViewItem option;
    option.rect = QRect(QPoint(0, 0), cellSize);
    option.state = QStyle::State_Enabled | QStyle::State_Active;
    option.palette = QApplication::palette();
    option.font = QApplication::font();
    option.fontMetrics = QFontMetrics(option.font);
    QPainter painter(&image);
    delegate.paint(&painter, option, index);
    painter.end();
    return image;
}

int differingPixels(const QImage& a, const QImage& b) {
    int n = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            n += a.pixel(x, y) != b.pixel(x, y) ? 1 : 0;
    return n;
}

DownloadSnapshot row(maria2::DownloadId id, DownloadState state, std::int64_t done) {
    DownloadSnapshot s;
    s.id = id;
    s.state = state;
    s.url = "http://example.com/x.iso";
    s.totalBytes = 1000;
    s.doneBytes = done;
    return s;
}

} // namespace

TEST(ProgressDelegateTest, PaintsAHalfFullBar) {
    DownloadsModel model;
    model.addDownload(row(1, DownloadState::Downloading, 500));
    model.addDownload(row(2, DownloadState::Downloading, 0));
    model.addDownload(row(3, DownloadState::Paused, 500));

    const QImage half = paintCell(model.index(0, DownloadsModel::Progress));
    const QImage empty = paintCell(model.index(1, DownloadsModel::Progress));
    const QImage paused = paintCell(model.index(2, DownloadsModel::Progress));

    QImage blank(cellSize, QImage::Format_ARGB32_Premultiplied);
    blank.fill(Qt::white);
    const int area = cellSize.width() * cellSize.height();
    EXPECT_GT(differingPixels(half, blank), area / 10) << "nothing was painted";
    // The filled part and the "50.0%" label make the 50% bar differ from the empty one.
    EXPECT_GT(differingPixels(half, empty), area / 20);
    // Paused uses the disabled look: not the same pixels as the running bar.
    EXPECT_GT(differingPixels(half, paused), 0);

    // The left quarter is filled at 50%, the right quarter is not: they must differ in color.
    const QRgb left = half.pixel(cellSize.width() / 4, cellSize.height() / 2);
    const QRgb right = half.pixel(cellSize.width() * 7 / 8, cellSize.height() / 2);
    EXPECT_NE(left, right);
}

TEST(ProgressDelegateTest, OtherColumnsFallBackToTheStyledDelegate) {
    DownloadsModel model;
    model.addDownload(row(1, DownloadState::Downloading, 500));
    // Name's raw value is a string: the delegate paints it as plain text without crashing.
    const QImage name = paintCell(model.index(0, DownloadsModel::Name));
    EXPECT_FALSE(name.isNull());
}

TEST(ProgressDelegateTest, AttentionStatesLookStoppedAndVerifyingIsFull) {
    DownloadsModel model;
    model.addDownload(row(1, DownloadState::Downloading, 500));
    model.addDownload(row(2, DownloadState::LinkExpired, 500));
    model.addDownload(row(3, DownloadState::FileChanged, 500));
    model.addDownload(row(4, DownloadState::Paused, 500));
    model.addDownload(row(5, DownloadState::Verifying, 990));
    model.addDownload(row(6, DownloadState::Completed, 1000));
    model.addDownload(row(7, DownloadState::Stalled, 500));

    const auto cell = [&model](int r) {
        return paintCell(model.index(r, DownloadsModel::Progress));
    };
    const QImage running = cell(0);
    // Waiting for a person: the same disabled look as Paused, not the running one.
    EXPECT_GT(differingPixels(running, cell(1)), 0);
    EXPECT_EQ(differingPixels(cell(1), cell(3)), 0);
    EXPECT_EQ(differingPixels(cell(2), cell(3)), 0);
    // Verifying paints the full 100% bar a completed download has.
    EXPECT_EQ(differingPixels(cell(4), cell(5)), 0);
    // Stalled is still live: it looks like a running bar.
    EXPECT_EQ(differingPixels(running, cell(6)), 0);
}
