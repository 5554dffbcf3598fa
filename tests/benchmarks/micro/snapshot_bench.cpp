// BM_Snapshot_*: the progress tick of an engine with 10,000 running downloads, turning the live
// jobs into the plain-value DownloadSnapshots that travel to the Session.
//
// Engine::publishProgress (src/core/engine/Engine.cpp) needs a running engine, so this runs
// its per-download work on real Jobs built with a stand-in JobHost (no curl handle is opened:
// a Job only makes one in start()): Job::sampleSpeed, Job::snapshot, the copy kept as "last
// published" and the move into the batch. Every download counts as changed, as when all of
// them are moving (Engine.cpp's differs() is a handful of comparisons and is left out: these
// jobs cannot move bytes without a connection). Engine::annotate only touches queued ones.
// The clock is synthetic, 200 ms a tick (Interface.ProgressIntervalMs), so the speed meters
// hold the samples of a real 3 s window.
//
// BM_Snapshot_CopyBatch10k is the copy of such a batch that each hop downstream makes again
// (EnginePool::onProgress copies the vector; Session's listener copies it into a QList).
#include "core/config/Config.h"
#include "core/engine/Job.h"
#include "core/io/IoWorker.h"

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace maria2 {
namespace {

using Clock = Job::Clock;
constexpr int kDownloads = 10000;
constexpr auto kTick = std::chrono::milliseconds(200);

// Everything a Job asks of its engine, answered without one.
class StandInHost final : public JobHost {
public:
    StandInHost() {
        m_profile.name = "segmented";
        m_profile.kind = EngineKind::Segmented;
    }
    NameReservations& names() override { return m_names; }
    NameReservations m_names;
    void jobStateChanged(Job&) override {}
    bool attach(CURL*) override { return false; }
    void detach(CURL*) override {}
    void verifyAsync(Job&, VerifyTask) override {}
    io::IoWorker& ioWorker() override { return m_worker; }
    void runOnEngine(DownloadId, std::function<void(Job&)>) override {}
    bool onEngineThread() const override { return true; }
    std::unique_ptr<Digest> makeDigest(const std::string&) override { return nullptr; }
    const EngineProfile& profile() const override { return m_profile; }
    void metadataSeen(const ResponseMetadata&) override {}
    void transferEnded(TransferReport) override {}
    SpeedLimiter* limiter() override { return &m_limiter; }
    void countTraffic(std::uint64_t, std::uint64_t) override {}

private:
    EngineProfile m_profile;
    SpeedLimiter m_limiter;
    io::IoWorker m_worker;
};

DownloadRequest requestFor(int i) {
    DownloadRequest r;
    r.url = "https://mirror" + std::to_string(i % 50) + ".example.org/pub/releases/" +
            std::to_string(i) + "/distribution-" + std::to_string(i) + "-amd64.iso";
    r.directory = "/home/someone/Downloads/isos";
    r.fileName = "distribution-" + std::to_string(i) + "-amd64.iso";
    r.checksum = i % 4 == 0 ? "sha-256=" + std::string(64, 'a') : std::string();
    return r;
}

// The engine's jobs (same container as Engine::m_jobs), all downloading.
struct Jobs {
    Config config;
    StandInHost host;
    std::map<DownloadId, std::unique_ptr<Job>> jobs;
    Jobs() {
        for (int i = 1; i <= kDownloads; ++i) {
            auto job = std::make_unique<Job>(DownloadId(i), requestFor(i), config, host);
            job->setState(DownloadState::Downloading);
            jobs.emplace(DownloadId(i), std::move(job));
        }
    }
};

// One tick of Engine::publishProgress's loop over the busy jobs; returns the batch.
std::vector<DownloadSnapshot> tick(Jobs& all, std::map<DownloadId, DownloadSnapshot>& lastPublished,
                                   Clock::time_point now) {
    std::vector<DownloadSnapshot> batch;
    for (auto& [id, job] : all.jobs) {
        if (!isBusy(job->state())) {
            continue;
        }
        job->sampleSpeed(now);
        DownloadSnapshot snap = job->snapshot(now);
        auto& last = lastPublished[id];
        last = snap;
        batch.push_back(std::move(snap));
    }
    return batch;
}

void BM_Snapshot_Tick10k(benchmark::State& state) {
    Jobs all;
    std::map<DownloadId, DownloadSnapshot> lastPublished; // as Engine::m_lastPublished
    Clock::time_point now = Clock::now();
    // The steady state: every download published before, its speed window full (3 s).
    for (int i = 0; i < 16; ++i) {
        tick(all, lastPublished, now += kTick);
    }
    for (auto _ : state) {
        const std::vector<DownloadSnapshot> batch = tick(all, lastPublished, now += kTick);
        if (batch.size() != kDownloads) {
            state.SkipWithError("not every download was in the batch");
            break;
        }
        benchmark::DoNotOptimize(batch.data());
    }
    state.SetItemsProcessed(state.iterations() * kDownloads);
}
BENCHMARK(BM_Snapshot_Tick10k)->Unit(benchmark::kMillisecond);

void BM_Snapshot_CopyBatch10k(benchmark::State& state) {
    Jobs all;
    std::vector<DownloadSnapshot> batch;
    for (auto& [id, job] : all.jobs) {
        batch.push_back(job->snapshot(Clock::now()));
        batch.back().route = "segmented 0.82 [multiplex 0.41, bulk 0.30, generic 0.12]";
    }
    for (auto _ : state) {
        std::vector<DownloadSnapshot> copy = batch;
        benchmark::DoNotOptimize(copy.data());
    }
    state.SetItemsProcessed(state.iterations() * kDownloads);
}
BENCHMARK(BM_Snapshot_CopyBatch10k)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace maria2
