// BM_Segment_*: the SegmentPlanner (src/core/segment) at 64 connections, in the three moments
// the engine calls it: the first split of a large file, a connection that finished taking work
// from the others (work stealing), and the endgame race for the last slow range. The planner
// is pure bookkeeping, so a start state is built outside the timing and each iteration runs
// the calls Job::openMoreConnections / dropConnection make, in their order.
#include "core/segment/SegmentPlanner.h"

#include <benchmark/benchmark.h>

#include <optional>
#include <vector>

namespace maria2 {
namespace {

constexpr int kConnections = 64;
constexpr std::int64_t kMiB = 1 << 20;
constexpr std::int64_t kMinSplit = kMiB; // Download.MinSplitSize's default

// As Job::openMoreConnections: each connection still to open gets an even share of what is
// left. False when the planner handed out fewer segments.
bool openAll(SegmentPlanner& planner, std::vector<int>* ids) {
    for (int i = 0; i < kConnections; ++i) {
        const std::int64_t slots = kConnections - i;
        const auto segment = planner.assign((planner.unassignedBytes() + slots - 1) / slots);
        if (!segment) {
            return false;
        }
        if (ids != nullptr) {
            ids->push_back(segment->id);
        }
    }
    return true;
}

// A connection writes n bytes of its segment, as the write callback does chunk by chunk (one
// call here: the per-chunk cost is in BM_WritePath_*).
void write(SegmentPlanner& planner, int id, std::int64_t n) {
    planner.advance(id, planner.writable(id, n));
}

void BM_Segment_Plan64(benchmark::State& state) {
    constexpr std::int64_t kFile = std::int64_t{16} << 30; // 16 GiB
    for (auto _ : state) {
        SegmentPlanner planner(kFile, kMinSplit);
        if (!openAll(planner, nullptr)) {
            state.SkipWithError("the planner gave fewer than 64 segments");
            break;
        }
        benchmark::DoNotOptimize(planner);
    }
}
BENCHMARK(BM_Segment_Plan64)->Unit(benchmark::kMicrosecond);

// 64 connections part-way through a 16 GiB file, each at a different point (so the written
// set has 64 ranges). One iteration: the connection with the least left finishes its segment,
// is released, and asks for work: no gap is left, so it steals half of the largest segment.
void BM_Segment_Steal64(benchmark::State& state) {
    constexpr std::int64_t kFile = std::int64_t{16} << 30;
    SegmentPlanner start(kFile, kMinSplit);
    std::vector<int> ids;
    if (!openAll(start, &ids)) {
        state.SkipWithError("the planner gave fewer than 64 segments");
        return;
    }
    for (int k = 0; k < kConnections; ++k) {
        write(start, ids[k], (k + 1) * 3 * kMiB);
    }
    const int finisher = ids.back(); // wrote the most: its segment is the first to end
    for (auto _ : state) {
        state.PauseTiming();
        SegmentPlanner planner = start;
        state.ResumeTiming();
        write(planner, finisher, planner.find(finisher)->remaining());
        planner.release(finisher);
        const auto stolen = planner.assign(planner.unassignedBytes());
        if (!stolen || planner.unassignedBytes() != 0) {
            state.SkipWithError("no work was stolen");
            break;
        }
        benchmark::DoNotOptimize(stolen);
    }
}
BENCHMARK(BM_Segment_Steal64)->Unit(benchmark::kMicrosecond);

// 64 connections each less than 2 x MinSplitSize from the end of their 4 MiB segment: nothing
// is left to steal. One iteration: a connection finishes and asks for work (none), its slot
// races the range with the most left (duplicate), the racer writes it first, and both the
// racer's and the loser's segments are released (the loser's connection is closed).
void BM_Segment_Endgame64(benchmark::State& state) {
    constexpr std::int64_t kSegment = 4 * kMiB;
    SegmentPlanner start(kConnections * kSegment, kMinSplit);
    std::vector<int> ids;
    if (!openAll(start, &ids)) {
        state.SkipWithError("the planner gave fewer than 64 segments");
        return;
    }
    for (int k = 0; k < kConnections; ++k) {
        write(start, ids[k], kSegment - kMinSplit - (k + 1) * 4096); // 1 MiB + k x 4 KiB left
    }
    const int finisher = ids.front(); // the least left
    const int slowest = ids.back();   // the most left: the one raced
    for (auto _ : state) {
        state.PauseTiming();
        SegmentPlanner planner = start;
        state.ResumeTiming();
        write(planner, finisher, planner.find(finisher)->remaining());
        planner.release(finisher);
        if (planner.assign(planner.unassignedBytes()) || planner.unassignedBytes() != 0) {
            state.SkipWithError("work was left to steal: not an endgame");
            break;
        }
        const auto racer = planner.duplicate(slowest);
        if (!racer) {
            state.SkipWithError("no endgame racer");
            break;
        }
        write(planner, racer->id, racer->remaining());
        if (!planner.isDone(slowest)) {
            state.SkipWithError("the raced range is not done after the racer wrote it");
            break;
        }
        planner.release(racer->id);
        planner.release(slowest);
        benchmark::DoNotOptimize(planner);
    }
}
BENCHMARK(BM_Segment_Endgame64)->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace maria2
