// DownloadsModel: structure checked by QAbstractItemModelTester, change signals by QSignalSpy.
#include "DownloadsModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <algorithm>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsModel;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

DownloadSnapshot snapshot(maria2::DownloadId id, DownloadState state = DownloadState::Downloading,
                          std::int64_t total = 1000, std::int64_t done = 0) {
    DownloadSnapshot s;
    s.id = id;
    s.state = state;
    s.url = "http://example.com/file" + std::to_string(id) + ".bin";
    s.fileName = "file" + std::to_string(id) + ".bin";
    s.directory = "/tmp";
    s.filePath = "/tmp/" + s.fileName;
    s.totalBytes = total;
    s.doneBytes = done;
    return s;
}

struct Span {
    int firstRow, lastRow, firstColumn, lastColumn;
};

QList<Span> spans(const QSignalSpy& spy) {
    QList<Span> out;
    for (const QList<QVariant>& args : spy) {
        const auto tl = args.at(0).value<QModelIndex>();
        const auto br = args.at(1).value<QModelIndex>();
        out.append({tl.row(), br.row(), tl.column(), br.column()});
    }
    return out;
}

class ModelTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_model = std::make_unique<DownloadsModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    }
    void addRows(int count) {
        for (int i = 1; i <= count; ++i)
            m_model->addDownload(snapshot(maria2::DownloadId(i)));
    }
    QString text(int row, int column) const {
        return m_model->index(row, column).data(Qt::DisplayRole).toString();
    }

    std::unique_ptr<DownloadsModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

} // namespace

TEST_F(ModelTest, AddInsertsRowsInOrder) {
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    addRows(3);
    EXPECT_EQ(inserted.count(), 3);
    ASSERT_EQ(m_model->rowCount(), 3);
    EXPECT_EQ(m_model->columnCount(), DownloadsModel::ColumnCount);
    EXPECT_EQ(text(0, DownloadsModel::Name), QStringLiteral("file1.bin"));
    EXPECT_EQ(text(2, DownloadsModel::Name), QStringLiteral("file3.bin"));
    EXPECT_EQ(m_model->index(1, DownloadsModel::Status).data(DownloadsModel::IdRole).toULongLong(),
              2u);
    EXPECT_EQ(m_model->rowOf(3), 2);
    EXPECT_FALSE(m_model->index(0, DownloadsModel::Name).data(Qt::DecorationRole).isNull());
    EXPECT_EQ(m_model->headerData(DownloadsModel::Eta, Qt::Horizontal).toString(),
              QStringLiteral("ETA"));

    // A duplicate add is an update, not a second row.
    m_model->addDownload(snapshot(2, DownloadState::Paused));
    EXPECT_EQ(m_model->rowCount(), 3);
    EXPECT_EQ(text(1, DownloadsModel::Status), QStringLiteral("Paused"));
}

TEST_F(ModelTest, ProgressBatchSignalsOnlyChangedRowsAndColumns) {
    addRows(5);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy totals(m_model.get(), &DownloadsModel::totalsChanged);

    auto a = snapshot(2, DownloadState::Downloading, 1000, 400);
    a.speedBytesPerSec = 2048;
    a.etaSeconds = 3;
    auto b = snapshot(3, DownloadState::Downloading, 1000, 500);
    b.speedBytesPerSec = 1024;
    b.etaSeconds = 5;
    m_model->applyProgress({a, b});

    ASSERT_EQ(changed.count(), 1); // rows 1 and 2 are contiguous: one span
    const Span span = spans(changed).first();
    EXPECT_EQ(span.firstRow, 1);
    EXPECT_EQ(span.lastRow, 2);
    EXPECT_EQ(span.firstColumn, DownloadsModel::Progress);
    EXPECT_EQ(span.lastColumn, DownloadsModel::Eta);
    EXPECT_EQ(reset.count(), 0);
    EXPECT_EQ(totals.count(), 1);
    EXPECT_EQ(text(1, DownloadsModel::Progress), QStringLiteral("40.0%"));
    EXPECT_EQ(
        m_model->index(2, DownloadsModel::Progress).data(DownloadsModel::RawValueRole).toInt(),
        500);

    // Two separate rows: two spans, each a single row.
    changed.clear();
    auto c = snapshot(1, DownloadState::Downloading, 1000, 100);
    auto d = snapshot(5, DownloadState::Downloading, 1000, 100);
    m_model->applyProgress({d, c});
    const QList<Span> two = spans(changed);
    ASSERT_EQ(two.size(), 2);
    EXPECT_EQ(two.at(0).firstRow, 0);
    EXPECT_EQ(two.at(0).lastRow, 0);
    EXPECT_EQ(two.at(1).firstRow, 4);
    EXPECT_EQ(two.at(1).lastRow, 4);
    for (const Span& s : two) {
        EXPECT_EQ(s.firstColumn, DownloadsModel::Progress);
        EXPECT_EQ(s.lastColumn, DownloadsModel::Progress);
    }

    // Nothing new: no signal at all.
    changed.clear();
    m_model->applyProgress({c, d});
    EXPECT_EQ(changed.count(), 0);

    // Unknown ids are ignored rather than added.
    m_model->applyProgress({snapshot(99)});
    EXPECT_EQ(m_model->rowCount(), 5);
}

TEST_F(ModelTest, StateChangeUpdatesWholeRow) {
    addRows(3);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    auto failed = snapshot(2, DownloadState::Failed, 1000, 300);
    failed.errorMessage = "HTTP 404 Not Found";
    m_model->updateDownload(failed);

    ASSERT_EQ(changed.count(), 1);
    const Span span = spans(changed).first();
    EXPECT_EQ(span.firstRow, 1);
    EXPECT_EQ(span.lastRow, 1);
    EXPECT_EQ(span.firstColumn, 0);
    EXPECT_EQ(span.lastColumn, DownloadsModel::ColumnCount - 1);
    EXPECT_EQ(m_model->index(1, 0).data(DownloadsModel::StateRole).toInt(),
              int(DownloadState::Failed));
    EXPECT_EQ(text(1, DownloadsModel::Status), QStringLiteral("Failed: HTTP 404 Not Found"));
    EXPECT_TRUE(text(1, DownloadsModel::Speed).isEmpty());
    EXPECT_EQ(m_model->totals().failed, 1);

    auto retrying = snapshot(3, DownloadState::Retrying);
    retrying.attempt = 1;
    retrying.nextRetryInMs = 4500;
    m_model->updateDownload(retrying);
    EXPECT_TRUE(text(2, DownloadsModel::Status).startsWith(QStringLiteral("Retrying in 5s")))
        << text(2, DownloadsModel::Status).toStdString();
    EXPECT_TRUE(text(2, DownloadsModel::Status).contains(QStringLiteral("attempt 2")));

    auto done = snapshot(1, DownloadState::Completed, -1, 12345);
    m_model->updateDownload(done);
    EXPECT_EQ(text(0, DownloadsModel::Status), QStringLiteral("Completed"));
    EXPECT_EQ(
        m_model->index(0, DownloadsModel::Progress).data(DownloadsModel::RawValueRole).toInt(),
        1000);

    // An update for an id the model never saw adds it.
    m_model->updateDownload(snapshot(7, DownloadState::Queued));
    EXPECT_EQ(m_model->rowCount(), 4);
}

TEST_F(ModelTest, RemoveKeepsIdIndexConsistent) {
    addRows(4);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    m_model->removeDownload(2);
    ASSERT_EQ(removed.count(), 1);
    EXPECT_EQ(removed.first().at(1).toInt(), 1);
    EXPECT_EQ(m_model->rowCount(), 3);
    EXPECT_EQ(m_model->rowOf(2), -1);
    EXPECT_EQ(m_model->rowOf(3), 1);
    EXPECT_EQ(m_model->rowOf(4), 2);

    m_model->removeDownload(42); // unknown: nothing happens
    EXPECT_EQ(removed.count(), 1);

    // A stale progress batch for the removed id must not bring it back.
    m_model->applyProgress({snapshot(2, DownloadState::Downloading, 1000, 900)});
    EXPECT_EQ(m_model->rowCount(), 3);

    // A Removed state is a removal too.
    m_model->updateDownload(snapshot(4, DownloadState::Removed));
    EXPECT_EQ(m_model->rowCount(), 2);
    EXPECT_EQ(m_model->rowOf(4), -1);
}

TEST_F(ModelTest, ThousandRowsScatteredBatchNeverResets) {
    // The tester re-checks the whole model on every insert (quadratic): attach it after.
    m_tester.reset();
    addRows(1000);
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy aboutToReset(m_model.get(), &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy layout(m_model.get(), &QAbstractItemModel::layoutChanged);

    QList<DownloadSnapshot> batch;
    QSet<int> touched;
    for (int i = 0; i < 10; ++i) {
        const maria2::DownloadId id = 7 + 97 * i; // scattered, never adjacent
        auto s = snapshot(id, DownloadState::Downloading, 1000, 10 * (i + 1));
        s.speedBytesPerSec = 100.0 * (i + 1);
        batch.append(s);
        touched.insert(int(id) - 1);
    }
    m_model->applyProgress(batch);

    EXPECT_EQ(aboutToReset.count(), 0);
    EXPECT_EQ(reset.count(), 0);
    EXPECT_EQ(layout.count(), 0);
    EXPECT_GE(changed.count(), 1);
    EXPECT_LE(changed.count(), 10);
    for (const Span& s : spans(changed)) {
        for (int row = s.firstRow; row <= s.lastRow; ++row)
            EXPECT_TRUE(touched.contains(row)) << "row " << row << " was not in the batch";
        EXPECT_GE(s.firstColumn, int(DownloadsModel::Progress));
        EXPECT_LE(s.lastColumn, int(DownloadsModel::Eta));
    }

    // More than half the rows changed: one signal for the whole range.
    changed.clear();
    QList<DownloadSnapshot> big;
    for (int i = 1; i <= 1000; i += 1)
        if (i % 4 != 0)
            big.append(snapshot(maria2::DownloadId(i), DownloadState::Downloading, 1000, 777));
    m_model->applyProgress(big);
    EXPECT_EQ(changed.count(), 1);
    EXPECT_EQ(reset.count(), 0);
}

TEST_F(ModelTest, ProxySortsByRawValues) {
    auto small = snapshot(1, DownloadState::Downloading, 500, 250);          // 50.0%
    auto big = snapshot(2, DownloadState::Downloading, 10 * 1024 * 1024, 0); // 0.0%
    auto mid = snapshot(3, DownloadState::Downloading, 1024, 1000);          // 97.6%
    m_model->addDownload(small);
    m_model->addDownload(big);
    m_model->addDownload(mid);

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(m_model.get());
    proxy.setSortRole(DownloadsModel::RawValueRole);
    proxy.setDynamicSortFilter(true);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::Fatal);

    const auto idAt = [&proxy](int row) {
        return proxy.index(row, 0).data(DownloadsModel::IdRole).toULongLong();
    };
    // As text "1.0 KiB" < "10.0 MiB" < "500 B"; by raw bytes 500 < 1024 < 10 MiB.
    proxy.sort(DownloadsModel::Size, Qt::AscendingOrder);
    EXPECT_EQ(idAt(0), 1u);
    EXPECT_EQ(idAt(1), 3u);
    EXPECT_EQ(idAt(2), 2u);

    proxy.sort(DownloadsModel::Progress, Qt::DescendingOrder);
    EXPECT_EQ(idAt(0), 3u);
    EXPECT_EQ(idAt(1), 1u);
    EXPECT_EQ(idAt(2), 2u);

    // A progress batch re-sorts the proxy without resetting the source.
    big.doneBytes = big.totalBytes;
    m_model->applyProgress({big});
    EXPECT_EQ(idAt(0), 2u);
}

TEST_F(ModelTest, FormatsSizesSpeedsAndEtas) {
    EXPECT_EQ(DownloadsModel::formatSize(0), QStringLiteral("0 B"));
    EXPECT_EQ(DownloadsModel::formatSize(812), QStringLiteral("812 B"));
    EXPECT_EQ(DownloadsModel::formatSize(1024), QStringLiteral("1.0 KiB"));
    EXPECT_EQ(DownloadsModel::formatSize(12.3 * MiB), QStringLiteral("12.3 MiB"));
    EXPECT_EQ(DownloadsModel::formatSize(1024 * MiB - 1), QStringLiteral("1.0 GiB"));
    EXPECT_EQ(DownloadsModel::formatSpeed(1.2 * MiB), QStringLiteral("1.2 MiB/s"));
    EXPECT_EQ(DownloadsModel::formatEta(45), QStringLiteral("45s"));
    EXPECT_EQ(DownloadsModel::formatEta(65), QStringLiteral("1m 05s"));
    EXPECT_EQ(DownloadsModel::formatEta(7380), QStringLiteral("2h 03m"));
    EXPECT_EQ(DownloadsModel::formatEta(3 * 86400 + 4 * 3600), QStringLiteral("3d 04h"));

    auto s = snapshot(1, DownloadState::Downloading, std::int64_t(12.3 * MiB), std::int64_t(MiB));
    s.speedBytesPerSec = 1.2 * MiB;
    s.etaSeconds = 65;
    m_model->addDownload(s);
    EXPECT_EQ(text(0, DownloadsModel::Size), QStringLiteral("12.3 MiB"));
    EXPECT_EQ(text(0, DownloadsModel::Speed), QStringLiteral("1.2 MiB/s"));
    EXPECT_EQ(text(0, DownloadsModel::Eta), QStringLiteral("1m 05s"));
    EXPECT_EQ(text(0, DownloadsModel::Status), QStringLiteral("Downloading"));
    EXPECT_EQ(m_model->totals().active, 1);
    EXPECT_DOUBLE_EQ(m_model->totals().speedBytesPerSec, 1.2 * MiB);

    // Paused: no speed, no ETA shown; unknown size says so.
    auto p = snapshot(2, DownloadState::Paused, -1, 2048);
    p.speedBytesPerSec = 99;
    m_model->addDownload(p);
    EXPECT_TRUE(text(1, DownloadsModel::Speed).isEmpty());
    EXPECT_TRUE(text(1, DownloadsModel::Eta).isEmpty());
    EXPECT_EQ(text(1, DownloadsModel::Size), QStringLiteral("Unknown"));
    EXPECT_EQ(text(1, DownloadsModel::Progress), QStringLiteral("2.0 KiB"));
    EXPECT_EQ(
        m_model->index(1, DownloadsModel::Progress).data(DownloadsModel::RawValueRole).toInt(), -1);
}

TEST_F(ModelTest, ConnectionsColumnShowsOpenConnectionsOfActiveRows) {
    EXPECT_EQ(m_model->headerData(DownloadsModel::Connections, Qt::Horizontal).toString(),
              QStringLiteral("Connections"));

    auto running = snapshot(1, DownloadState::Downloading, 1000, 100);
    running.connections = 8;
    auto stalled = snapshot(2, DownloadState::Stalled, 1000, 100);
    stalled.connections = 2;
    auto paused = snapshot(3, DownloadState::Paused, 1000, 100);
    paused.connections = 5; // a stale figure: nothing is open while paused
    auto connecting = snapshot(4, DownloadState::Connecting, -1, 0);
    connecting.connections = 1;
    for (const auto& s : {running, stalled, paused, connecting})
        m_model->addDownload(s);

    EXPECT_EQ(text(0, DownloadsModel::Connections), QStringLiteral("8"));
    EXPECT_EQ(text(1, DownloadsModel::Connections), QStringLiteral("2"));
    EXPECT_TRUE(text(2, DownloadsModel::Connections).isEmpty());
    EXPECT_EQ(text(3, DownloadsModel::Connections), QStringLiteral("1"));
    connecting.connections = 0; // none open yet: blank rather than "0"
    m_model->updateDownload(connecting);
    EXPECT_TRUE(text(3, DownloadsModel::Connections).isEmpty());
    connecting.connections = 1;
    m_model->updateDownload(connecting);
    EXPECT_EQ(m_model->index(0, DownloadsModel::Connections).data(Qt::TextAlignmentRole).toInt() &
                  Qt::AlignRight,
              Qt::AlignRight);

    // A progress batch that only changes the connection count signals just that cell.
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    running.connections = 4;
    m_model->applyProgress({running});
    ASSERT_EQ(changed.count(), 1);
    const Span span = spans(changed).first();
    EXPECT_EQ(span.firstColumn, DownloadsModel::Connections);
    EXPECT_EQ(span.lastColumn, DownloadsModel::Connections);
    EXPECT_EQ(text(0, DownloadsModel::Connections), QStringLiteral("4"));

    // Sorting by the raw values: numbers, not text ("10" < "4" as strings); paused counts 0.
    running.connections = 10;
    m_model->applyProgress({running});
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(m_model.get());
    proxy.setSortRole(DownloadsModel::RawValueRole);
    proxy.sort(DownloadsModel::Connections, Qt::DescendingOrder);
    const auto idAt = [&proxy](int row) {
        return proxy.index(row, 0).data(DownloadsModel::IdRole).toULongLong();
    };
    EXPECT_EQ(idAt(0), 1u);
    EXPECT_EQ(idAt(1), 2u);
    EXPECT_EQ(idAt(2), 4u);
    EXPECT_EQ(idAt(3), 3u);
}

TEST_F(ModelTest, NewStatesReadSensibly) {
    auto stalled = snapshot(1, DownloadState::Stalled, 1000, 300);
    auto verifying = snapshot(2, DownloadState::Verifying, 1000, 990);
    verifying.checksum = "sha-256=" + std::string(64, 'a');
    auto expired = snapshot(3, DownloadState::LinkExpired, 1000, 400);
    expired.errorMessage = "the link now answers HTTP 403; the bytes so far are kept";
    auto changed = snapshot(4, DownloadState::FileChanged, 1000, 400);
    changed.errorMessage = "the ETag differs";
    auto mismatch = snapshot(5, DownloadState::Failed, 1000, 1000);
    mismatch.error = maria2::ErrorCode::ChecksumMismatch;
    mismatch.errorMessage = "sha-256 mismatch: expected aa, got bb";
    for (const auto& s : {stalled, verifying, expired, changed, mismatch})
        m_model->addDownload(s);

    EXPECT_TRUE(text(0, DownloadsModel::Status).startsWith(QStringLiteral("Stalled")));
    EXPECT_TRUE(text(0, DownloadsModel::Status).contains(QStringLiteral("still trying")));
    EXPECT_EQ(text(0, DownloadsModel::Progress), QStringLiteral("30.0%"));

    // Verifying: all bytes are here, so the bar is full while the checksum is read.
    EXPECT_EQ(text(1, DownloadsModel::Status), QStringLiteral("Verifying sha-256 checksum\u2026"));
    EXPECT_EQ(text(1, DownloadsModel::Progress), QStringLiteral("100.0%"));
    EXPECT_EQ(
        m_model->index(1, DownloadsModel::Progress).data(DownloadsModel::RawValueRole).toInt(),
        1000);
    EXPECT_TRUE(text(1, DownloadsModel::Speed).isEmpty());

    // Link expired says why and what to do; the tooltip has the whole text.
    const QString expiredText = text(2, DownloadsModel::Status);
    EXPECT_EQ(
        expiredText,
        QStringLiteral("Link expired \u2014 use Change URL\u2026 (the link now answers HTTP 403)"));
    EXPECT_TRUE(expiredText.contains(QStringLiteral("Change URL"))) << expiredText.toStdString();
    EXPECT_FALSE(expiredText.contains(QStringLiteral("bytes so far"))); // advice: tooltip only
    const QString tip = m_model->index(2, DownloadsModel::Status).data(Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.startsWith(expiredText)) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QString::fromStdString(expired.errorMessage))) << tip.toStdString();
    EXPECT_FALSE(m_model->index(2, DownloadsModel::Status).data(Qt::DecorationRole).isNull());
    EXPECT_TRUE(m_model->index(0, DownloadsModel::Status).data(Qt::DecorationRole).isNull());

    const QString changedText = text(3, DownloadsModel::Status);
    EXPECT_TRUE(changedText.startsWith(QStringLiteral("File changed on server")))
        << changedText.toStdString();
    EXPECT_TRUE(changedText.contains(QStringLiteral("(the ETag differs)")));
    EXPECT_TRUE(changedText.contains(QStringLiteral("starts it over")));

    EXPECT_EQ(text(4, DownloadsModel::Status),
              QStringLiteral("Failed: sha-256 mismatch: expected aa, got bb"));

    // Every state has a translated name of its own.
    for (int s = 0; s <= int(DownloadState::Removed); ++s)
        EXPECT_FALSE(DownloadsModel::stateName(DownloadState(s)).isEmpty()) << s;

    const DownloadsModel::Totals t = m_model->totals();
    EXPECT_EQ(t.active, 2); // stalled and verifying hold a slot
    EXPECT_EQ(t.attention, 2);
    EXPECT_EQ(t.failed, 1);
}

namespace {

TEST(ModelEngineColumn, ShowsTheEngineAndTheRouteAsATooltip) {
    maria2::gui::DownloadsModel model;
    maria2::DownloadSnapshot s;
    s.id = 7;
    s.state = maria2::DownloadState::Downloading;
    s.engine = "segmented";
    s.route = "segmented 0.82 [multiplex 0.41, bulk 0.30]";
    model.addDownload(s);
    const QModelIndex cell = model.index(0, maria2::gui::DownloadsModel::Engine);
    EXPECT_EQ(model.data(cell).toString(), QStringLiteral("segmented"));
    EXPECT_TRUE(model.data(cell, Qt::ToolTipRole).toString().contains(QStringLiteral("0.82")));
    EXPECT_EQ(model.headerData(maria2::gui::DownloadsModel::Engine, Qt::Horizontal).toString(),
              QStringLiteral("Engine"));
}

} // namespace

// ---------------------------------------------------------------------------------------------
// "Why is it slow?" and the queue order

TEST_F(ModelTest, BottleneckReadsInTheStatusColumn) {
    DownloadSnapshot s = snapshot(1, DownloadState::Downloading, 1000, 100);
    s.bottleneck = maria2::Bottleneck::Network;
    m_model->addDownload(s);
    const int status = DownloadsModel::Status;
    EXPECT_EQ(text(0, status), QStringLiteral("Downloading")); // the network: nothing to say

    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    s.bottleneck = maria2::Bottleneck::SpeedLimit;
    m_model->applyProgress({s}); // a bottleneck change alone repaints the status cell
    ASSERT_EQ(changed.size(), 1);
    const QList<Span> got = spans(changed);
    EXPECT_LE(got.first().firstColumn, status);
    EXPECT_GE(got.first().lastColumn, status);
    EXPECT_EQ(text(0, status), QStringLiteral("Downloading \u2014 speed limit"));
    const QString tip = m_model->index(0, status).data(Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.contains(QStringLiteral("Speed Limit"))) << tip.toStdString(); // what helps

    DownloadSnapshot waiting = snapshot(2, DownloadState::Queued);
    waiting.bottleneck = maria2::Bottleneck::WaitingSlot;
    m_model->addDownload(waiting);
    EXPECT_EQ(text(1, status), QStringLiteral("Queued \u2014 waiting for a slot"));

    DownloadSnapshot own = snapshot(3, DownloadState::Downloading);
    own.bottleneck = maria2::Bottleneck::DownloadLimit;
    own.maxSpeed = 512 * 1024;
    m_model->addDownload(own);
    EXPECT_TRUE(text(2, status).contains(QStringLiteral("own speed limit")));
    EXPECT_EQ(m_model->index(2, DownloadsModel::Speed).data(Qt::ToolTipRole).toString(),
              QStringLiteral("Limited to 512.0 KiB/s"));

    // Every bottleneck but none and network has a text and an explanation.
    using B = maria2::Bottleneck;
    for (B b : {B::ServerCap, B::SpeedLimit, B::DownloadLimit, B::ThrottledCpu, B::ThrottledMemory,
                B::DiskBound, B::DiskFull, B::WaitingSlot, B::WaitingHost, B::WaitingWindow,
                B::WaitingRetry}) {
        EXPECT_FALSE(DownloadsModel::bottleneckText(b).isEmpty()) << maria2::toString(b);
        EXPECT_FALSE(DownloadsModel::bottleneckExplanation(b).isEmpty()) << maria2::toString(b);
    }
    EXPECT_TRUE(DownloadsModel::bottleneckText(B::None).isEmpty());
    EXPECT_TRUE(DownloadsModel::bottleneckText(B::Network).isEmpty());

    // A finished download has no bottleneck to show.
    DownloadSnapshot done = snapshot(4, DownloadState::Completed, 1000, 1000);
    done.bottleneck = B::SpeedLimit;
    m_model->addDownload(done);
    EXPECT_EQ(text(3, status), QStringLiteral("Completed"));
}

TEST_F(ModelTest, QueueOrderMovesRowsNeverResets) {
    addRows(5); // ids 1..5
    const auto ids = [this] {
        QList<maria2::DownloadId> out;
        for (int row = 0; row < m_model->rowCount(); ++row)
            out.append(m_model->snapshotAt(row).id);
        return out;
    };
    QSignalSpy moved(m_model.get(), &QAbstractItemModel::rowsMoved);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy layout(m_model.get(), &QAbstractItemModel::layoutChanged);
    QPersistentModelIndex third(m_model->index(2, 0)); // id 3

    m_model->applyOrder({1, 3, 2, 4, 5}); // 3 moved up: one move
    EXPECT_EQ(ids(), (QList<maria2::DownloadId>{1, 3, 2, 4, 5}));
    EXPECT_EQ(moved.size(), 1);
    EXPECT_EQ(third.row(), 1); // a view's selection follows the row
    EXPECT_EQ(m_model->rowOf(3), 1);
    EXPECT_EQ(m_model->rowOf(2), 2);

    m_model->applyOrder({5, 1, 3, 2, 4}); // 5 to the top
    EXPECT_EQ(ids(), (QList<maria2::DownloadId>{5, 1, 3, 2, 4}));
    m_model->applyOrder({1, 3, 2, 4, 5}); // and to the bottom again
    EXPECT_EQ(ids(), (QList<maria2::DownloadId>{1, 3, 2, 4, 5}));
    EXPECT_EQ(third.row(), 1);
    const qsizetype moves = moved.size();
    m_model->applyOrder({1, 3, 2, 4, 5}); // no change: no signal
    EXPECT_EQ(moved.size(), moves);

    // Ids the queue does not list keep their row; unknown ids are ignored.
    m_model->applyOrder({4, 99, 2});
    EXPECT_EQ(ids(), (QList<maria2::DownloadId>{1, 3, 4, 2, 5}));

    // A big shuffle is one layout change, still no reset, and persistent indexes follow.
    addRows(40); // ids 1..40 again: 1..5 are updates, 6..40 new rows
    QList<maria2::DownloadId> reversed = ids();
    std::reverse(reversed.begin(), reversed.end());
    QPersistentModelIndex first(m_model->index(0, 0));
    const maria2::DownloadId firstId = m_model->snapshotAt(0).id;
    m_model->applyOrder(reversed);
    EXPECT_EQ(ids(), reversed);
    EXPECT_EQ(layout.size(), 1);
    EXPECT_EQ(first.row(), m_model->rowCount() - 1);
    EXPECT_EQ(m_model->rowOf(firstId), m_model->rowCount() - 1);
    EXPECT_EQ(reset.size(), 0);
}
