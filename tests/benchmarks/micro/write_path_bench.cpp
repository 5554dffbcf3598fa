// BM_WritePath_*: what one 16 KiB chunk (libcurl's usual) costs between libcurl handing body
// bytes to the write callback and the bytes lying in the part file at their offset.
//
// Job::write (src/core/engine/JobConnections.cpp) is private and needs a live easy handle and
// a validated response, so WriteRig::writeChunk calls the same parts in the same order: the
// clock, the pool's SpeedLimiter (only when a limit is set), the Job's byte counters, the
// planner's writable(), PartFile::writeAt, the write-time clock, the pool's traffic counters
// (Engine::countTraffic's two relaxed atomic adds), the planner's advance(). Speed meters are
// sampled on the engine's tick, not per chunk, so they are not here.
//
// Variants: no limit; a limit so high it never refuses (the grant path); and a binding limit
// on a synthetic clock (acquire() takes the time as a parameter), so refusals, pauses and
// fairness between downloads are measured without sleeping.
#include "core/engine/Engine.h" // TrafficCounters
#include "core/io/PartFile.h"
#include "core/limit/SpeedLimiter.h"
#include "core/segment/SegmentPlanner.h"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace maria2 {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 16 * 1024;
constexpr std::int64_t kFileBytes = 64 << 20; // written round and round: stays in the page cache
constexpr std::int64_t kMinSplit = 1 << 20;   // Download.MinSplitSize's default
constexpr auto kMinLimitPause = std::chrono::milliseconds(4); // as JobConnections.cpp

// tmpfs when there is one: the figures are the code's and the page cache's, not a disk's.
fs::path scratchDir() {
    std::error_code ec;
    if (fs::is_directory("/dev/shm", ec)) {
        return "/dev/shm";
    }
    return fs::temp_directory_path();
}

class WriteRig {
public:
    enum class Result { Written, Paused, Failed };

    explicit WriteRig(int connections)
        : m_connections(connections)
        , m_chunk(kChunk, 'x') {
        static int serial = 0;
        m_path = scratchDir() / ("maria2-microbench-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(++serial) + ".part");
    }
    ~WriteRig() {
        m_file.close();
        std::error_code ec;
        fs::remove(m_path, ec);
    }
    WriteRig(const WriteRig&) = delete;
    WriteRig& operator=(const WriteRig&) = delete;

    // The part file at its full size (as Job::prepareFile leaves it) and the file planned.
    bool open() {
        return m_file.open(m_path, maria2::io::PartFile::Mode::Replace, &m_ioError) &&
               m_file.truncate(kFileBytes, &m_ioError) && plan();
    }
    std::string error() const { return m_ioError.message; }
    bool fileDone() const { return m_chunksLeft == 0; }

    // Plans the file from scratch as Job::openMoreConnections does: each new connection gets an
    // even share of what is left.
    bool plan() {
        m_planner.emplace(kFileBytes, kMinSplit);
        m_conns.clear();
        for (int i = 0; i < m_connections; ++i) {
            const std::int64_t slots = m_connections - i;
            const auto segment =
                m_planner->assign((m_planner->unassignedBytes() + slots - 1) / slots);
            if (!segment) {
                m_ioError.message = "the planner gave fewer segments than connections";
                return false;
            }
            m_conns.push_back({segment->id, segment->cursor});
        }
        m_next = 0;
        m_chunksLeft = kFileBytes / static_cast<std::int64_t>(kChunk);
        return true;
    }

    // One chunk for the next connection in turn, as Job::write handles it. limiterNow is the
    // time given to the limiter (the real clock, or the synthetic one); on Paused, *retryAt
    // says when the engine's tick would resume the transfer and libcurl deliver it again.
    Result writeChunk(SpeedLimiter& limiter, SpeedLimiter::Key key,
                      std::optional<Clock::time_point> limiterNow, Clock::time_point* retryAt) {
        Conn& c = m_conns[m_next];
        const std::size_t n = kChunk;
        const auto now = Clock::now();
        if (limiter.anyLimit()) {
            const auto at = limiterNow.value_or(now);
            const SpeedLimiter::Decision decision = limiter.acquire(key, n, at);
            if (!decision.granted) {
                *retryAt = std::max(decision.retryAt, at + kMinLimitPause);
                return Result::Paused;
            }
        }
        c.lastDataAt = now;
        m_wireBytes += static_cast<std::int64_t>(n);
        m_totalWire += static_cast<std::int64_t>(n);
        const std::int64_t allowed = m_planner->writable(c.segmentId, static_cast<std::int64_t>(n));
        if (allowed > 0 && !m_file.writeAt(c.writeOffset, m_chunk.data(),
                                           static_cast<std::size_t>(allowed), &m_ioError)) {
            return Result::Failed;
        }
        m_writeTime += Clock::now() - now;
        m_totalKept += allowed;
        m_traffic.received.fetch_add(n, std::memory_order_relaxed);
        m_traffic.kept.fetch_add(static_cast<std::uint64_t>(allowed), std::memory_order_relaxed);
        m_planner->advance(c.segmentId, allowed);
        c.writeOffset += allowed;
        c.bytes += allowed;
        m_runBytes += allowed;
        if (allowed < static_cast<std::int64_t>(n)) {
            m_ioError.message = "a segment ended inside a chunk"; // segments are whole chunks
            return Result::Failed;
        }
        m_next = (m_next + 1) % m_conns.size();
        --m_chunksLeft;
        return Result::Written;
    }

private:
    struct Conn {
        int segmentId = 0;
        std::int64_t writeOffset = 0;
        std::int64_t bytes = 0;
        Clock::time_point lastDataAt{};
    };

    int m_connections;
    fs::path m_path;
    io::PartFile m_file;
    io::IoError m_ioError;
    std::optional<SegmentPlanner> m_planner;
    std::vector<Conn> m_conns;
    std::size_t m_next = 0;
    std::int64_t m_chunksLeft = 0;
    std::vector<char> m_chunk;
    TrafficCounters m_traffic;
    // The Job's per-chunk books.
    std::int64_t m_wireBytes = 0;
    std::int64_t m_totalWire = 0;
    std::int64_t m_totalKept = 0;
    std::int64_t m_runBytes = 0;
    std::chrono::nanoseconds m_writeTime{0};
};

// Writes chunks on the real clock; the limiter must never refuse (none, or a very high limit).
// The file written through: plans it again, outside the timing. False (and the benchmark
// marked failed) when that fails.
bool replanWhenDone(benchmark::State& state, WriteRig& rig) {
    if (!rig.fileDone()) {
        return true;
    }
    state.PauseTiming();
    const bool planned = rig.plan();
    state.ResumeTiming();
    if (!planned) {
        state.SkipWithError(rig.error().c_str());
    }
    return planned;
}

void runUnpaced(benchmark::State& state, SpeedLimiter& limiter) {
    WriteRig rig(static_cast<int>(state.range(0)));
    if (!rig.open()) {
        state.SkipWithError(("cannot set up the part file: " + rig.error()).c_str());
        return;
    }
    Clock::time_point retryAt{};
    for (auto _ : state) {
        if (!replanWhenDone(state, rig)) {
            break;
        }
        const auto result = rig.writeChunk(limiter, 1, std::nullopt, &retryAt);
        if (result != WriteRig::Result::Written) {
            state.SkipWithError(result == WriteRig::Result::Paused
                                    ? "the limiter refused: the loose limit is not loose enough"
                                    : ("write failed: " + rig.error()).c_str());
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kChunk));
}

void BM_WritePath_Unlimited(benchmark::State& state) {
    SpeedLimiter limiter; // the pool's, with no limit set: anyLimit() is false
    runUnpaced(state, limiter);
}
BENCHMARK(BM_WritePath_Unlimited)->ArgName("connections")->Arg(1)->Arg(64);

void BM_WritePath_LimitLoose(benchmark::State& state) {
    SpeedLimiter limiter(std::int64_t{1} << 40, Clock::now()); // 1 TiB/s: always granted
    runUnpaced(state, limiter);
}
BENCHMARK(BM_WritePath_LimitLoose)->ArgName("connections")->Arg(1)->Arg(64);

// A global limit of 16 MiB/s shared by `downloads` downloads whose servers deliver a chunk every
// 16 us (1 GiB/s): most deliveries are refused, paused until retryAt, then granted. The time
// is CPU time per chunk that reaches the file, refusals included.
void BM_WritePath_LimitTight(benchmark::State& state) {
    const auto downloads = static_cast<SpeedLimiter::Key>(state.range(0));
    constexpr auto kDeliveryGap = std::chrono::microseconds(16);
    Clock::time_point fake{};
    SpeedLimiter limiter(16 << 20, fake);
    WriteRig rig(1);
    if (!rig.open()) {
        state.SkipWithError(("cannot set up the part file: " + rig.error()).c_str());
        return;
    }
    std::int64_t pauses = 0;
    SpeedLimiter::Key key = 0;
    for (auto _ : state) {
        if (!replanWhenDone(state, rig)) {
            break;
        }
        key = key % downloads + 1;
        fake += kDeliveryGap;
        Clock::time_point retryAt{};
        WriteRig::Result result;
        while ((result = rig.writeChunk(limiter, key, fake, &retryAt)) ==
               WriteRig::Result::Paused) {
            ++pauses;
            fake = retryAt;
        }
        if (result == WriteRig::Result::Failed) {
            state.SkipWithError(("write failed: " + rig.error()).c_str());
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kChunk));
    state.counters["pauses_per_chunk"] =
        benchmark::Counter(static_cast<double>(pauses), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_WritePath_LimitTight)->ArgName("downloads")->Arg(1)->Arg(8);

} // namespace
} // namespace maria2
