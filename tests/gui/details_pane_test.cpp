// The details pane as a person sees it: fed DownloadDetails and snapshots directly (no session),
// then once with a real Session against a real nginx. The segment map is checked pixel by pixel.
#include "DetailsLog.h"
#include "DetailsPane.h"
#include "DownloadsModel.h"
#include "SegmentMap.h"
#include "core/log/Log.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QApplication>
#include <QFont>
#include <QImage>
#include <QLabel>
#include <QPalette>
#include <QScrollBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using maria2::ConnectionDetail;
using maria2::DownloadDetails;
using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::EngineScoreDetail;
using maria2::gui::DetailsLog;
using maria2::gui::DetailsPane;
using maria2::gui::DownloadsModel;
using maria2::gui::SegmentMap;

namespace {

constexpr std::int64_t MiB = 1024 * 1024;

ConnectionDetail connection(int number, std::int64_t start, std::int64_t end, std::int64_t at,
                            double speed) {
    ConnectionDetail c;
    c.number = number;
    c.rangeStart = start;
    c.rangeEnd = end;
    c.position = at;
    c.speedBytesPerSec = speed;
    c.remote = "127.0.0.1:8080";
    return c;
}

EngineScoreDetail score(const std::string& engine, double value, bool eligible,
                        std::vector<std::pair<std::string, double>> parts, std::string note) {
    EngineScoreDetail s;
    s.engine = engine;
    s.score = value;
    s.eligible = eligible;
    s.parts = std::move(parts);
    s.note = std::move(note);
    return s;
}

// 100 MiB, 30 MiB + 10 MiB done, three connections: one writing, one held by the speed limit
// and an endgame duplicate racing the first one's tail.
DownloadDetails sampleDetails(maria2::DownloadId id) {
    DownloadDetails d;
    d.id = id;
    d.totalBytes = 100 * MiB;
    d.doneRanges = {{0, 30 * MiB}, {50 * MiB, 60 * MiB}};
    d.connections.push_back(connection(1, 30 * MiB, 50 * MiB, 40 * MiB, 1.5 * MiB));
    d.connections.push_back(connection(3, 45 * MiB, 50 * MiB, 47 * MiB, 256 * 1024));
    d.connections.back().racing = true;
    d.connections.push_back(connection(2, 60 * MiB, 100 * MiB, 60 * MiB, 512 * 1024));
    d.connections.back().paused = true;
    d.engine = "segmented";
    d.route = "segmented 0.82 [multiplex 0.41]";
    d.routeReason = "big file, host caps each connection";
    d.scores.push_back(
        score("segmented", 0.82, true, {{"fit", 0.55}, {"load", -0.05}}, "ranges supported"));
    d.scores.push_back(score("multiplex", 0.41, true, {{"fit", 0.3}, {"load", 0.11}}, ""));
    d.scores.push_back(score("ftp", 0, false, {{"fit", 0}}, "not an FTP URL"));
    d.logLines = {"10:00:00 info start", "10:00:01 info connection 1: GET bytes 0-"};
    return d;
}

DownloadSnapshot sampleSnapshot(maria2::DownloadId id) {
    DownloadSnapshot s;
    s.id = id;
    s.state = DownloadState::Downloading;
    s.url = "https://example.com/files/ubuntu.iso";
    s.fileName = "ubuntu.iso";
    s.totalBytes = 100 * MiB;
    s.doneBytes = 40 * MiB;
    s.speedBytesPerSec = 2 * MiB;
    s.etaSeconds = 30;
    s.connections = 3;
    return s;
}

QString cell(const QTreeWidget* list, int row, int column) {
    return list->topLevelItem(row)->text(column);
}

QStringList logLines(const DetailsLog* log) {
    return log->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(45, 45, 45));
    p.setColor(QPalette::WindowText, QColor(220, 220, 220));
    p.setColor(QPalette::Base, QColor(30, 30, 30));
    p.setColor(QPalette::AlternateBase, QColor(40, 40, 40));
    p.setColor(QPalette::Text, QColor(230, 230, 230));
    p.setColor(QPalette::Highlight, QColor(42, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(80, 80, 80));
    p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
    return p;
}

// The map painted into an image at the given device pixel ratio; pixels are device pixels.
QImage render(QWidget& widget, qreal dpr) {
    QImage image((QSizeF(widget.size()) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::magenta);
    widget.render(&image);
    return image;
}

// The device x of byte `byte` on the map's bar (its middle row is y).
int deviceX(const SegmentMap& map, std::int64_t byte, qreal dpr) {
    const QRectF bar = map.barRect();
    return int((bar.left() + double(byte) / double(map.totalBytes()) * bar.width()) * dpr);
}

} // namespace

TEST(DetailsPaneTest, NothingSelectedShowsAHintAndAsksNothing) {
    DetailsPane pane(nullptr);
    pane.show();
    EXPECT_TRUE(pane.showsHint());
    EXPECT_TRUE(pane.headerText().contains(QStringLiteral("Select a download")))
        << pane.headerText().toStdString();
    EXPECT_FALSE(pane.isPolling());

    pane.showDownload(7);
    EXPECT_FALSE(pane.showsHint());
    EXPECT_EQ(pane.currentId(), 7u);
    EXPECT_TRUE(pane.isPolling());
    pane.hide(); // nobody looks: no questions
    EXPECT_FALSE(pane.isPolling());
    pane.show();
    EXPECT_TRUE(pane.isPolling());

    // A finished download is asked once, not twice a second.
    DownloadSnapshot done = sampleSnapshot(7);
    done.state = DownloadState::Completed;
    pane.setSnapshot(done);
    EXPECT_FALSE(pane.isPolling());
    done.state = DownloadState::Downloading; // restarted
    pane.setSnapshot(done);
    EXPECT_TRUE(pane.isPolling());

    pane.showDownload(0);
    EXPECT_TRUE(pane.showsHint());
    EXPECT_FALSE(pane.isPolling());
}

TEST(DetailsPaneTest, HeaderShowsNameUrlAndState) {
    DetailsPane pane(nullptr);
    pane.resize(700, 400);
    pane.show();
    pane.showDownload(7);
    pane.setSnapshot(sampleSnapshot(7));
    const QString header = pane.headerText();
    EXPECT_TRUE(header.contains(QStringLiteral("ubuntu.iso"))) << header.toStdString();
    EXPECT_TRUE(header.contains(QStringLiteral("https://example.com/files/ubuntu.iso")));
    EXPECT_TRUE(header.contains(DownloadsModel::stateName(DownloadState::Downloading)));
    EXPECT_TRUE(header.contains(QStringLiteral("40.0 MiB of 100.0 MiB (40.0%)")))
        << header.toStdString();
    EXPECT_TRUE(header.contains(DownloadsModel::formatSpeed(2 * MiB)));

    // The name falls back to the URL's file name until the server names the file.
    DownloadSnapshot unnamed = sampleSnapshot(7);
    unnamed.fileName.clear();
    unnamed.url = "https://example.com/get/archive.tar.zst";
    unnamed.totalBytes = -1;
    pane.setSnapshot(unnamed);
    EXPECT_TRUE(pane.headerText().startsWith(QStringLiteral("archive.tar.zst\n")))
        << pane.headerText().toStdString();
    EXPECT_TRUE(pane.headerText().contains(QStringLiteral("of unknown size")));
}

TEST(DetailsPaneTest, ConnectionRowsShowRangeProgressSpeedAndFlags) {
    DetailsPane pane(nullptr);
    pane.showDownload(7);
    pane.setDetails(sampleDetails(7));

    const QTreeWidget* list = pane.connectionList();
    ASSERT_EQ(list->topLevelItemCount(), 3);
    // In the order given (by range start), numbered as in the log.
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnNumber), QStringLiteral("1"));
    EXPECT_EQ(cell(list, 1, DetailsPane::ConnNumber), QStringLiteral("3"));
    EXPECT_EQ(cell(list, 2, DetailsPane::ConnNumber), QStringLiteral("2"));

    EXPECT_EQ(cell(list, 0, DetailsPane::ConnRange), QStringLiteral("30.0 MiB \u2013 50.0 MiB"));
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnProgress),
              QStringLiteral("10.0 MiB of 20.0 MiB (50.0%)"));
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnSpeed), DownloadsModel::formatSpeed(1.5 * MiB));
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnRemote), QStringLiteral("127.0.0.1:8080"));
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnState), QStringLiteral("writing"));
    EXPECT_EQ(cell(list, 1, DetailsPane::ConnState), QStringLiteral("racing"));
    EXPECT_EQ(cell(list, 2, DetailsPane::ConnState), QStringLiteral("held by speed limit"));
    EXPECT_EQ(cell(list, 2, DetailsPane::ConnProgress), QStringLiteral("0 B of 40.0 MiB (0.0%)"));

    // A range to the end of a file of unknown size.
    DownloadDetails open = sampleDetails(7);
    open.totalBytes = -1;
    open.connections = {connection(1, 0, -1, 5 * MiB, 0)};
    pane.setDetails(open);
    ASSERT_EQ(list->topLevelItemCount(), 1);
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnRange), QStringLiteral("0 B \u2013 end"));
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnProgress), QStringLiteral("5.0 MiB"));
}

TEST(DetailsPaneTest, ConnectionRowsAreUpdatedInPlace) {
    DetailsPane pane(nullptr);
    pane.showDownload(7);
    pane.setDetails(sampleDetails(7));
    QTreeWidget* list = pane.connectionList();
    QTreeWidgetItem* first = list->topLevelItem(0);
    first->setSelected(true);

    // Connection 1 moved on, the racing duplicate finished, connection 4 opened.
    DownloadDetails next = sampleDetails(7);
    next.connections.erase(next.connections.begin() + 1);
    next.connections[0].position = 45 * MiB;
    next.connections.push_back(connection(4, 80 * MiB, 100 * MiB, 81 * MiB, 100));
    pane.setDetails(next);

    ASSERT_EQ(list->topLevelItemCount(), 3);
    EXPECT_EQ(list->topLevelItem(0), first) << "the row was replaced, not updated";
    EXPECT_TRUE(first->isSelected());
    EXPECT_EQ(cell(list, 0, DetailsPane::ConnProgress),
              QStringLiteral("15.0 MiB of 20.0 MiB (75.0%)"));
    EXPECT_EQ(cell(list, 1, DetailsPane::ConnNumber), QStringLiteral("2"));
    EXPECT_EQ(cell(list, 2, DetailsPane::ConnNumber), QStringLiteral("4"));

    pane.setDetails([] {
        DownloadDetails none = sampleDetails(7);
        none.connections.clear();
        return none;
    }());
    EXPECT_EQ(list->topLevelItemCount(), 0);
}

TEST(DetailsPaneTest, EngineScoresShowTheirPartsAndTheChosenOneIsBold) {
    DetailsPane pane(nullptr);
    pane.showDownload(7);
    pane.setDetails(sampleDetails(7));

    const QString engine = pane.engineText();
    EXPECT_TRUE(engine.contains(QStringLiteral("segmented")));
    EXPECT_TRUE(engine.contains(QStringLiteral("big file, host caps each connection")))
        << engine.toStdString();
    EXPECT_TRUE(engine.contains(QStringLiteral("segmented 0.82 [multiplex 0.41]")));

    const QTreeWidget* scores = pane.scoreList();
    ASSERT_EQ(scores->topLevelItemCount(), 3);
    EXPECT_EQ(cell(scores, 0, DetailsPane::ScoreEngine), QStringLiteral("segmented"));
    EXPECT_EQ(cell(scores, 0, DetailsPane::ScoreValue), QStringLiteral("0.82"));
    EXPECT_EQ(cell(scores, 0, DetailsPane::ScoreParts), QStringLiteral("fit 0.55, load -0.05"));
    EXPECT_EQ(cell(scores, 0, DetailsPane::ScoreNote), QStringLiteral("ranges supported"));
    EXPECT_EQ(cell(scores, 1, DetailsPane::ScoreParts), QStringLiteral("fit 0.30, load 0.11"));
    EXPECT_TRUE(cell(scores, 2, DetailsPane::ScoreValue).contains(QStringLiteral("not eligible")));

    EXPECT_TRUE(scores->topLevelItem(0)->font(DetailsPane::ScoreEngine).bold());
    EXPECT_TRUE(scores->topLevelItem(0)->font(DetailsPane::ScoreParts).bold());
    EXPECT_FALSE(scores->topLevelItem(1)->font(DetailsPane::ScoreEngine).bold());

    // An unchanged answer leaves the rows alone (no flicker, selection kept).
    QTreeWidgetItem* before = scores->topLevelItem(1);
    pane.setDetails(sampleDetails(7));
    EXPECT_EQ(scores->topLevelItem(1), before);
}

TEST(DetailsPaneTest, LogLinesAreAppendedOnlyOnce) {
    DetailsPane pane(nullptr);
    pane.showDownload(7);
    DownloadDetails d = sampleDetails(7);
    d.logLines = {"a", "b", "c"};
    pane.setDetails(d);
    pane.setDetails(d); // the same answer twice
    EXPECT_EQ(logLines(pane.logView()), (QStringList{"a", "b", "c"}));

    // The window slid on: b and c again, then new ones.
    d.logLines = {"b", "c", "d", "e"};
    pane.setDetails(d);
    EXPECT_EQ(logLines(pane.logView()), (QStringList{"a", "b", "c", "d", "e"}));
    EXPECT_EQ(pane.logView()->appendedCount(), 5);

    // A repeated line is a new line when the window says so.
    d.logLines = {"c", "d", "e", "e"};
    pane.setDetails(d);
    EXPECT_EQ(logLines(pane.logView()), (QStringList{"a", "b", "c", "d", "e", "e"}));

    // Another download starts from nothing.
    pane.showDownload(8);
    EXPECT_TRUE(pane.logView()->toPlainText().isEmpty());
    d.id = 8;
    d.logLines = {"x"};
    pane.setDetails(d);
    EXPECT_EQ(logLines(pane.logView()), QStringList{"x"});

    EXPECT_EQ(DetailsLog::overlap({"a", "b"}, {"z"}), 0u);
    EXPECT_EQ(DetailsLog::overlap({"a", "b", "c"}, {"b", "c", "d"}), 2u);
    EXPECT_EQ(DetailsLog::overlap({}, {"a"}), 0u);
}

TEST(DetailsPaneTest, LogFollowsTheEndUnlessThePersonScrolledUp) {
    DetailsPane pane(nullptr);
    pane.resize(600, 400);
    pane.show();
    pane.showDownload(7);
    pane.tabs()->setCurrentWidget(pane.logView());
    DownloadDetails d = sampleDetails(7);
    d.logLines.clear();
    for (int i = 0; i < 200; ++i)
        d.logLines.push_back("line " + std::to_string(i));
    pane.setDetails(d);
    QScrollBar* bar = pane.logView()->verticalScrollBar();
    ASSERT_GT(bar->maximum(), 0) << "the log should not fit: nothing to scroll";
    EXPECT_EQ(bar->value(), bar->maximum()) << "follows the end";

    bar->setValue(10); // the person scrolls up to read
    d.logLines.push_back("line 200");
    pane.setDetails(d);
    EXPECT_EQ(bar->value(), 10);
    EXPECT_TRUE(pane.logView()->toPlainText().endsWith(QStringLiteral("line 200")));

    bar->setValue(bar->maximum()); // back at the end: follows again
    d.logLines.push_back("line 201");
    pane.setDetails(d);
    EXPECT_EQ(bar->value(), bar->maximum());
}

TEST(DetailsPaneTest, AnswersForAnotherDownloadAreIgnored) {
    DetailsPane pane(nullptr);
    pane.showDownload(7);
    pane.setSnapshot(sampleSnapshot(7));
    const QString header = pane.headerText();

    pane.setDetails(sampleDetails(8));
    DownloadSnapshot other = sampleSnapshot(8);
    other.fileName = "other.bin";
    pane.setSnapshot(other);
    pane.setDetails(DownloadDetails{}); // an unknown download's answer: id 0

    EXPECT_EQ(pane.connectionList()->topLevelItemCount(), 0);
    EXPECT_EQ(pane.scoreList()->topLevelItemCount(), 0);
    EXPECT_TRUE(pane.logView()->toPlainText().isEmpty());
    EXPECT_EQ(pane.segmentMap()->totalBytes(), -1);
    EXPECT_EQ(pane.headerText(), header);

    pane.setDetails(sampleDetails(7));
    EXPECT_EQ(pane.connectionList()->topLevelItemCount(), 3);
    EXPECT_EQ(pane.segmentMap()->totalBytes(), 100 * MiB);
}

TEST(SegmentMapTest, DoneRangesAreFilledAndTheRestIsNot) {
    SegmentMap map;
    map.resize(400, 24);
    DownloadDetails d;
    d.id = 1;
    d.totalBytes = 1000;
    d.doneRanges = {{0, 300}, {600, 700}};
    d.connections = {connection(1, 300, 600, 400, 10)};
    map.setDetails(d);
    EXPECT_EQ(map.doneBytes(), 400);
    EXPECT_DOUBLE_EQ(map.doneFraction(), 0.4);
    EXPECT_EQ(map.connectionCount(), 1);

    const QImage image = map.grab().toImage();
    const int y = image.height() / 2;
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 150, 1), y)).name(), map.doneColor().name());
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 650, 1), y)).name(), map.doneColor().name());
    EXPECT_NE(QColor(image.pixel(deviceX(map, 850, 1), y)).name(), map.doneColor().name());
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 850, 1), y)).name(), map.missingColor().name());
    // Inside the connection's range, before and after its write head.
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 500, 1), y)).name(), map.missingColor().name());
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 400, 1) + 1, y)).name(), map.headColor(false).name());

    // Everything done: the whole bar is filled.
    d.doneRanges = {{0, 1000}};
    d.connections.clear();
    map.setDetails(d);
    EXPECT_DOUBLE_EQ(map.doneFraction(), 1.0);
    const QImage full = map.grab().toImage();
    for (const std::int64_t byte : {5, 500, 990})
        EXPECT_EQ(QColor(full.pixel(deviceX(map, byte, 1), y)).name(), map.doneColor().name())
            << byte;
}

TEST(SegmentMapTest, CrispAtDevicePixelRatioTwoAndInADarkPalette) {
    SegmentMap map;
    map.setPalette(darkPalette());
    map.resize(300, 20);
    DownloadDetails d;
    d.totalBytes = 1000;
    d.doneRanges = {{0, 500}};
    d.connections = {connection(1, 500, 1000, 750, 10)};
    d.connections.push_back(connection(2, 900, 1000, 950, 10));
    d.connections.back().racing = true;
    map.setDetails(d);

    const QImage image = render(map, 2);
    ASSERT_EQ(image.width(), 600);
    const int y = image.height() / 2;
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 250, 2), y)).name(), QColor(42, 130, 218).name());
    const QColor empty(image.pixel(deviceX(map, 600, 2), y));
    EXPECT_EQ(empty, QColor(30, 30, 30)) << "the dark base, not a light default";
    // The done range ends where its byte says, to the device pixel.
    EXPECT_EQ(QColor(image.pixel(deviceX(map, 500, 2) - 2, y)).name(), QColor(42, 130, 218).name());
    EXPECT_NE(QColor(image.pixel(deviceX(map, 500, 2) + 3, y)).name(), QColor(42, 130, 218).name());
    // The racing duplicate is hatched: its range is not plain empty track everywhere.
    int hatched = 0;
    for (int x = deviceX(map, 900, 2) + 3; x < deviceX(map, 940, 2); ++x)
        for (int row = 4; row < image.height() - 4; ++row)
            hatched += image.pixel(x, row) != empty.rgb() ? 1 : 0;
    EXPECT_GT(hatched, 0);
}

TEST(SegmentMapTest, UnknownSizeAndTheTooltip) {
    SegmentMap map;
    map.resize(400, 24);
    DownloadDetails d;
    d.totalBytes = -1;
    d.doneRanges = {{0, 3 * MiB}};
    map.setDetails(d);
    EXPECT_EQ(map.doneFraction(), -1);
    EXPECT_EQ(map.doneBytes(), 3 * MiB);
    EXPECT_FALSE(render(map, 2).isNull());
    EXPECT_TRUE(map.describeAt(200).contains(QStringLiteral("3.0 MiB")))
        << map.describeAt(200).toStdString();

    d.totalBytes = 1000 * 1024;
    d.doneRanges = {{0, 300 * 1024}};
    d.connections = {connection(5, 300 * 1024, 1000 * 1024, 400 * 1024, 10)};
    d.connections[0].racing = true;
    map.setDetails(d);
    const QRectF bar = map.barRect();
    const QString onDone = map.describeAt(bar.left() + bar.width() * 0.1);
    EXPECT_TRUE(onDone.contains(QStringLiteral("Done: 0 B \u2013 300.0 KiB")))
        << onDone.toStdString();
    const QString onConnection = map.describeAt(bar.left() + bar.width() * 0.5);
    EXPECT_TRUE(onConnection.contains(QStringLiteral("Missing: 300.0 KiB \u2013 1000.0 KiB")))
        << onConnection.toStdString();
    EXPECT_TRUE(onConnection.contains(QStringLiteral("Connection 5")));
    EXPECT_TRUE(onConnection.contains(QStringLiteral("100.0 KiB of 700.0 KiB written")));
    EXPECT_TRUE(onConnection.contains(QStringLiteral("racing")));
    EXPECT_TRUE(map.describeAt(-5).isEmpty());
}

// With a real Session: the pane asks while it is shown and fills in from detailsReady.
TEST(DetailsPaneSession, FillsFromRequestDetailsWhileADownloadRuns) {
    maria2::test::NginxServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    const std::int64_t size = 4 * MiB;
    const auto sha =
        maria2::test::writeRandomFile(server.docRoot() + QStringLiteral("/seg.bin"), size, 11);
    ASSERT_FALSE(sha.isEmpty());

    QTemporaryDir target;
    ASSERT_TRUE(target.isValid());
    maria2::Config config = maria2::ConfigLoader::defaults();
    config.download.directory = target.path().toStdString();
    config.logging.toFile = false;
    config.logging.level = "off";
    config.performance.downloadSpeedLimit = 0;
    // What the app does at start (app::initLogging): the per-download log book is one of the
    // logger's sinks, so the pane has log lines to show. No file, no console.
    maria2::log::init(maria2::log::LogSetup{});
    maria2::Session session(config);

    DetailsPane pane(&session);
    pane.resize(800, 500);
    pane.show();

    // /slow/ sends 256 KiB/s per connection: several seconds, with connections to see.
    maria2::DownloadRequest request;
    request.url = server.httpUrl(QStringLiteral("/slow/seg.bin")).toStdString();
    request.split = 4;
    const maria2::DownloadId id = session.add(request);
    ASSERT_NE(id, 0u);
    pane.showDownload(id);
    EXPECT_TRUE(pane.isPolling());

    // The first answers may come while one stream still learns the size: wait for both.
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            return pane.connectionList()->topLevelItemCount() > 0 &&
                   pane.segmentMap()->totalBytes() == size;
        },
        30000))
        << "no connection rows or size; header: " << pane.headerText().toStdString();
    EXPECT_FALSE(pane.engineText().trimmed().isEmpty());
    EXPECT_TRUE(pane.headerText().contains(QStringLiteral("seg.bin")));
    EXPECT_FALSE(cell(pane.connectionList(), 0, DetailsPane::ConnRemote).isEmpty());
    EXPECT_TRUE(maria2::test::waitFor([&] { return pane.logView()->appendedCount() > 0; }, 10000))
        << "no log lines";
    // For a person to look at (and the build's artifacts): MARIA2_SCREENSHOT_DIR=/some/dir.
    const QString shots = qEnvironmentVariable("MARIA2_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        for (int tab = 0; tab < pane.tabs()->count(); ++tab) {
            pane.tabs()->setCurrentIndex(tab);
            EXPECT_TRUE(
                pane.grab().save(QStringLiteral("%1/details-pane-%2.png").arg(shots).arg(tab)));
        }
    }

    // Finished: the map shows the whole file done, and the pane stops asking.
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            const DownloadState s = session.download(id).state;
            return s == DownloadState::Completed || s == DownloadState::Failed;
        },
        60000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed);
    EXPECT_TRUE(
        maria2::test::waitFor([&] { return pane.segmentMap()->doneFraction() == 1.0; }, 10000))
        << pane.segmentMap()->doneFraction();
    EXPECT_FALSE(pane.isPolling());
    EXPECT_EQ(pane.connectionList()->topLevelItemCount(), 0);
    session.shutdown();
}
