// BM_GuiModel_*: the downloads table model (src/gui/DownloadsModel) fed 10,000 downloads the
// way MainWindow feeds it from the Session: Session::downloadAdded -> addDownload, once per
// download (the first apply), and Session::progress -> applyProgress with every row's figures
// changed (the steady state of a busy queue). The model alone, without a view or the filter
// proxy: what it costs itself on the GUI thread.
#include "DownloadsModel.h"

#include <benchmark/benchmark.h>

#include <QList>
#include <memory>
#include <string>

namespace maria2::gui {
namespace {

constexpr int kRows = 10000;

DownloadSnapshot snapshotOf(int i, int round) {
    DownloadSnapshot s;
    s.id = DownloadId(i);
    s.state = DownloadState::Downloading;
    s.url = "https://mirror" + std::to_string(i % 50) + ".example.org/pub/releases/" +
            std::to_string(i) + "/distribution-" + std::to_string(i) + "-amd64.iso";
    s.directory = "/home/someone/Downloads/isos";
    s.fileName = "distribution-" + std::to_string(i) + "-amd64.iso";
    s.filePath = s.directory + "/" + s.fileName;
    s.totalBytes = 4'000'000'000;
    s.doneBytes = std::int64_t{1'000'000} * (i % 1000) + std::int64_t{3'000'000} * round;
    s.speedBytesPerSec = 1.5e6 + 1000.0 * (i % 97) + 250'000.0 * round;
    s.etaSeconds = double(s.totalBytes - s.doneBytes) / s.speedBytesPerSec;
    s.connections = 1 + i % 16;
    s.engine = "segmented";
    s.route = "segmented 0.82 [multiplex 0.41, bulk 0.30, generic 0.12]";
    s.addedAtMs = 1'700'000'000'000 + i;
    return s;
}

QList<DownloadSnapshot> batchOf(int round) {
    QList<DownloadSnapshot> out;
    out.reserve(kRows);
    for (int i = 1; i <= kRows; ++i) {
        out.append(snapshotOf(i, round));
    }
    return out;
}

void BM_GuiModel_Insert10k(benchmark::State& state) {
    const QList<DownloadSnapshot> added = batchOf(0);
    for (auto _ : state) {
        state.PauseTiming();
        auto model = std::make_unique<DownloadsModel>();
        state.ResumeTiming();
        for (const DownloadSnapshot& s : added) {
            model->addDownload(s);
        }
        state.PauseTiming();
        const bool complete = model->rowCount() == kRows;
        model.reset();
        state.ResumeTiming();
        if (!complete) {
            state.SkipWithError("the model does not hold every added download");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_GuiModel_Insert10k)->Unit(benchmark::kMillisecond);

// Two batches that differ in every row's bytes, speed and ETA, applied in turn.
void BM_GuiModel_ApplyProgress10k(benchmark::State& state) {
    DownloadsModel model;
    for (const DownloadSnapshot& s : batchOf(0)) {
        model.addDownload(s);
    }
    const QList<DownloadSnapshot> batches[2] = {batchOf(1), batchOf(2)};
    int turn = 0;
    for (auto _ : state) {
        const QList<DownloadSnapshot>& batch = batches[turn];
        model.applyProgress(batch);
        if (model.snapshotAt(kRows - 1).doneBytes != batch.back().doneBytes) {
            state.SkipWithError("the batch did not reach the rows");
            break;
        }
        turn ^= 1;
    }
    state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_GuiModel_ApplyProgress10k)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace maria2::gui
