// DownloadsModel's totals are kept row by row (a batch costs O(rows changed)): after many adds,
// state changes, progress batches and removals they still equal a fresh count over every row,
// and a progress batch announces only the rows it changed.
#include "DownloadsModel.h"

#include <QSet>
#include <QSignalSpy>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsModel;

namespace {

constexpr int kRows = 1000;

DownloadSnapshot snapshot(DownloadId id, DownloadState state, double speed = 0) {
    DownloadSnapshot s;
    s.id = id;
    s.state = state;
    s.url = "http://example.com/file" + std::to_string(id) + ".bin";
    s.fileName = "file" + std::to_string(id) + ".bin";
    s.totalBytes = 1'000'000;
    s.doneBytes = 1000;
    s.speedBytesPerSec = speed;
    return s;
}

// The totals counted afresh from every row, as the model did once per batch before.
DownloadsModel::Totals recount(const DownloadsModel& model) {
    DownloadsModel::Totals t;
    for (int row = 0; row < model.rowCount(); ++row) {
        const DownloadSnapshot& s = model.snapshotAt(row);
        switch (s.state) {
        case DownloadState::Connecting:
        case DownloadState::Downloading:
        case DownloadState::Stalled:
        case DownloadState::Verifying:
            ++t.active;
            t.speedBytesPerSec += s.speedBytesPerSec;
            break;
        case DownloadState::Queued:
        case DownloadState::Retrying:
            ++t.queued;
            break;
        case DownloadState::Paused:
            ++t.paused;
            break;
        case DownloadState::Completed:
            ++t.completed;
            break;
        case DownloadState::Failed:
            ++t.failed;
            break;
        case DownloadState::LinkExpired:
        case DownloadState::FileChanged:
            ++t.attention;
            break;
        case DownloadState::Removed:
            break;
        }
    }
    return t;
}

void expectTotals(const DownloadsModel& model) {
    const DownloadsModel::Totals want = recount(model);
    const DownloadsModel::Totals got = model.totals();
    EXPECT_EQ(got.active, want.active);
    EXPECT_EQ(got.queued, want.queued);
    EXPECT_EQ(got.paused, want.paused);
    EXPECT_EQ(got.completed, want.completed);
    EXPECT_EQ(got.failed, want.failed);
    EXPECT_EQ(got.attention, want.attention);
    EXPECT_DOUBLE_EQ(got.speedBytesPerSec, want.speedBytesPerSec);
}

// Row i's state on adding: mostly queued, a few of each other kind.
DownloadState stateFor(int i) {
    switch (i % 10) {
    case 0:
        return DownloadState::Downloading;
    case 1:
        return DownloadState::Completed;
    case 2:
        return DownloadState::Paused;
    case 3:
        return DownloadState::Failed;
    case 4:
        return DownloadState::LinkExpired;
    case 5:
        return DownloadState::Retrying;
    default:
        return DownloadState::Queued;
    }
}

QSet<int> changedRows(const QSignalSpy& spy) {
    QSet<int> rows;
    for (const QList<QVariant>& args : spy) {
        const auto tl = args.at(0).value<QModelIndex>();
        const auto br = args.at(1).value<QModelIndex>();
        for (int row = tl.row(); row <= br.row(); ++row)
            rows.insert(row);
    }
    return rows;
}

} // namespace

TEST(ModelTotalsTest, AThousandAddsStateChangesAndRemovalsKeepTheTotalsRight) {
    DownloadsModel model;
    QSignalSpy totalsChanged(&model, &DownloadsModel::totalsChanged);
    for (int i = 1; i <= kRows; ++i)
        model.addDownload(snapshot(DownloadId(i), stateFor(i), i % 10 == 0 ? 100.0 * i : 0));
    ASSERT_EQ(model.rowCount(), kRows);
    EXPECT_EQ(totalsChanged.count(), kRows); // every add changes a count
    expectTotals(model);
    EXPECT_EQ(model.totals().active, kRows / 10);
    EXPECT_EQ(model.totals().queued, kRows / 10 * 5); // four queued and one retrying in ten

    // State changes one by one, and a late duplicate add (an update).
    for (int i = 1; i <= kRows; i += 7)
        model.updateDownload(snapshot(DownloadId(i), DownloadState::Completed));
    model.addDownload(snapshot(DownloadId(2), DownloadState::Downloading, 55.0));
    expectTotals(model);

    // A progress batch that also moves states (queued ones start, running ones stall).
    QList<DownloadSnapshot> batch;
    for (int i = 6; i <= kRows; i += 50)
        batch.append(snapshot(DownloadId(i), DownloadState::Connecting));
    for (int i = 10; i <= kRows; i += 100)
        batch.append(snapshot(DownloadId(i), DownloadState::Stalled, 3.0));
    model.applyProgress(batch);
    expectTotals(model);

    // Removals, then the rest at once.
    for (int i = 3; i <= kRows; i += 11)
        model.removeDownload(DownloadId(i));
    expectTotals(model);
    const int generation = int(model.totals().stateGeneration);
    model.clear();
    expectTotals(model);
    EXPECT_EQ(model.totals().active + model.totals().queued + model.totals().completed, 0);
    EXPECT_GT(int(model.totals().stateGeneration), generation);
}

TEST(ModelTotalsTest, AProgressBatchTouchesOnlyItsRowsAndSignalsOnlyRealChanges) {
    DownloadsModel model;
    for (int i = 1; i <= kRows; ++i)
        model.addDownload(
            snapshot(DownloadId(i), i <= 5 ? DownloadState::Downloading : DownloadState::Queued));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy totalsChanged(&model, &DownloadsModel::totalsChanged);
    const quint64 generation = model.totals().stateGeneration;

    // The five running ones move: rows 0..4 only, one span, and the speed in the totals.
    QList<DownloadSnapshot> batch;
    for (int i = 1; i <= 5; ++i) {
        DownloadSnapshot s = snapshot(DownloadId(i), DownloadState::Downloading, 1000.0 * i);
        s.doneBytes = 5000 * i;
        batch.append(s);
    }
    model.applyProgress(batch);
    EXPECT_EQ(changedRows(changed), (QSet<int>{0, 1, 2, 3, 4}));
    EXPECT_EQ(changed.count(), 1);
    ASSERT_EQ(totalsChanged.count(), 1);
    EXPECT_DOUBLE_EQ(model.totals().speedBytesPerSec, 15000.0);
    EXPECT_EQ(model.totals().stateGeneration, generation); // no state moved

    // Queued ones that now wait for something else: their rows change, the totals do not.
    changed.clear();
    totalsChanged.clear();
    batch.clear();
    for (int i = 500; i <= 502; ++i) {
        DownloadSnapshot s = snapshot(DownloadId(i), DownloadState::Queued);
        s.bottleneck = maria2::Bottleneck::WaitingWindow;
        batch.append(s);
    }
    model.applyProgress(batch);
    EXPECT_EQ(changedRows(changed), (QSet<int>{499, 500, 501}));
    EXPECT_EQ(totalsChanged.count(), 0);

    // The same batch again: nothing shown changes, so nothing is announced.
    changed.clear();
    model.applyProgress(batch);
    EXPECT_EQ(changed.count(), 0);
    EXPECT_EQ(totalsChanged.count(), 0);
    expectTotals(model);
}
