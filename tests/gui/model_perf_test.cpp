// 10 000 downloads behind the filter with a search and a sort: a progress batch of 100 changes
// is announced as dataChanged for those rows only — never a reset or a layout change of the
// model — and the proxy does not re-sort when the sorted column did not change. The time a
// batch takes is printed (not asserted: the machine may be busy).
#include "DownloadsFilter.h"
#include "DownloadsModel.h"
#include "DownloadsView.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSignalSpy>
#include <cstdio>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsFilter;
using maria2::gui::DownloadsModel;

namespace {

constexpr int kRows = 10000;
constexpr int kBatch = 100;

DownloadSnapshot snapshot(DownloadId id, std::int64_t done, double speed) {
    DownloadSnapshot s;
    s.id = id;
    s.state = DownloadState::Downloading;
    s.url = "https://host" + std::to_string(id % 50) + ".example/file" + std::to_string(id);
    s.fileName = "file" + std::to_string(id) + (id % 3 == 0 ? ".iso" : ".bin");
    s.totalBytes = 100'000'000;
    s.doneBytes = done;
    s.speedBytesPerSec = speed;
    s.etaSeconds = 100;
    s.connections = 4;
    s.addedAtMs = 1700000000000 + qint64(id);
    return s;
}

// The rows a dataChanged spy saw, from its (topLeft, bottomRight) arguments.
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

class ModelPerfTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_model = std::make_unique<DownloadsModel>();
        for (int i = 1; i <= kRows; ++i)
            m_model->addDownload(snapshot(DownloadId(i), i * 1000, 1000.0 + i));
        m_filter = std::make_unique<DownloadsFilter>(m_model.get());
        m_view = std::make_unique<maria2::gui::DownloadsView>();
        m_view->setModel(m_filter.get());
        m_view->resize(1000, 600);
        m_view->show();
    }
    // Every 97th row gets more bytes (and a new speed): 100 rows spread over the table.
    QList<DownloadSnapshot> batch(int round) const {
        QList<DownloadSnapshot> out;
        for (int k = 0; k < kBatch; ++k) {
            const auto id = DownloadId(1 + (k * 97 + round) % kRows);
            out.append(snapshot(id, id * 1000 + 100'000 * (round + 1), 5000.0 + round + k));
        }
        return out;
    }
    void expectOnlyThoseRows(const QList<DownloadSnapshot>& changes, const QSignalSpy& dataChanged,
                             const QSignalSpy& reset, const QSignalSpy& layout) const {
        EXPECT_EQ(reset.size(), 0);
        EXPECT_EQ(layout.size(), 0);
        ASSERT_GT(dataChanged.size(), 0);
        QSet<int> expected;
        for (const DownloadSnapshot& s : changes)
            expected.insert(m_model->rowOf(s.id));
        EXPECT_EQ(changedRows(dataChanged), expected);
    }

    std::unique_ptr<DownloadsModel> m_model;
    std::unique_ptr<DownloadsFilter> m_filter;
    std::unique_ptr<maria2::gui::DownloadsView> m_view;
};

} // namespace

TEST_F(ModelPerfTest, ProgressBatchTouchesOnlyItsRowsWithFilterAndSort) {
    ASSERT_EQ(m_model->rowCount(), kRows);
    m_filter->setSearchText(QStringLiteral(".BIN")); // two thirds of the rows
    m_filter->sort(DownloadsModel::Name, Qt::AscendingOrder);
    ASSERT_GT(m_filter->rowCount(), kRows / 2);
    ASSERT_LT(m_filter->rowCount(), kRows);

    QSignalSpy dataChanged(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy layout(m_model.get(), &QAbstractItemModel::layoutChanged);
    QSignalSpy proxyLayout(m_filter.get(), &QAbstractItemModel::layoutChanged);
    QSignalSpy proxyReset(m_filter.get(), &QAbstractItemModel::modelReset);

    const QList<DownloadSnapshot> changes = batch(0);
    QElapsedTimer timer;
    timer.start();
    m_model->applyProgress(changes);
    const qint64 nsModel = timer.nsecsElapsed();
    expectOnlyThoseRows(changes, dataChanged, reset, layout);
    // Sorted by name, which progress does not change: the proxy keeps its order.
    EXPECT_EQ(proxyLayout.size(), 0);
    EXPECT_EQ(proxyReset.size(), 0);
    // Only the changed columns: progress, speed (and ETA) — never the name.
    for (const QList<QVariant>& args : dataChanged) {
        EXPECT_GT(args.at(0).value<QModelIndex>().column(), int(DownloadsModel::Name));
        EXPECT_LT(args.at(1).value<QModelIndex>().column(), int(DownloadsModel::Status));
    }

    // Ten more batches, as a second of progress would bring them, with the view painting.
    timer.restart();
    for (int round = 1; round <= 10; ++round)
        m_model->applyProgress(batch(round));
    QCoreApplication::processEvents();
    const qint64 nsTen = timer.nsecsElapsed();
    EXPECT_EQ(reset.size(), 0);
    EXPECT_EQ(layout.size(), 0);
    EXPECT_EQ(proxyLayout.size(), 0);
    std::printf("[ perf ] %d rows, filter+sort by name: one batch of %d changes %.2f ms; "
                "ten batches with a repaint %.2f ms\n",
                kRows, kBatch, double(nsModel) / 1e6, double(nsTen) / 1e6);
}

TEST_F(ModelPerfTest, SortedBySpeedOnlyTheChangedRowsMove) {
    m_filter->sort(DownloadsModel::Speed, Qt::DescendingOrder);
    QSignalSpy dataChanged(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy layout(m_model.get(), &QAbstractItemModel::layoutChanged);

    // The 100 rows get the highest speeds: they move to the top, the rest keep their order.
    QList<DownloadSnapshot> changes;
    for (int k = 0; k < kBatch; ++k) {
        const auto id = DownloadId(1 + k * 97);
        changes.append(snapshot(id, id * 1000 + 5000, 1e9 + k));
    }
    QElapsedTimer timer;
    timer.start();
    m_model->applyProgress(changes);
    const qint64 ns = timer.nsecsElapsed();
    expectOnlyThoseRows(changes, dataChanged, reset, layout);
    for (int row = 0; row < kBatch; ++row) {
        const auto id = m_filter->index(row, 0).data(DownloadsModel::IdRole).toULongLong();
        EXPECT_EQ(id, DownloadId(1 + (kBatch - 1 - row) * 97)) << row;
    }
    // Below them, the others still by speed: id 10000 has the highest of the rest.
    EXPECT_EQ(m_filter->index(kBatch, 0).data(DownloadsModel::IdRole).toULongLong(),
              DownloadId(kRows));
    std::printf("[ perf ] %d rows sorted by speed: a batch of %d re-sorted in %.2f ms\n", kRows,
                kBatch, double(ns) / 1e6);
}
