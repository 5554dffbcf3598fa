// Unit tests for the resource sampling layer: the /proc parsers on recorded text (so they run
// on any platform), the CPU percentage arithmetic, the live platform sampler (only sanity
// ranges: the machine's real load is unknown), and ResourceMonitor with a fake sampler and a
// fake clock. Nothing sleeps; the threaded tests wait for events, not for time.
#include "core/monitor/ProcParsers.h"
#include "core/monitor/ResourceMonitor.h"
#include "core/monitor/ResourceSampler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

using maria2::CpuTimes;
using maria2::ResourceMonitor;
using maria2::ResourceSample;
using maria2::ResourceSampler;
using maria2::ResourceSnapshot;
namespace proc = maria2::proc;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Recorded from a 2-core Linux VM, one second apart.
constexpr const char* kProcStatA = "cpu  1634474 0 220953 467141 4219 0 3617 10170 0 0\n"
                                   "cpu0 807041 0 106236 249438 982 0 1538 4992 0 0\n"
                                   "cpu1 827432 0 114717 217702 3237 0 2078 5178 0 0\n"
                                   "intr 123456 0 0\nctxt 987654\nbtime 1700000000\n";
constexpr const char* kProcStatB = "cpu  1634604 0 220993 467161 4229 0 3617 10170 0 0\n"
                                   "cpu0 807101 0 106256 249448 987 0 1538 4992 0 0\n"
                                   "cpu1 827502 0 114737 217712 3242 0 2078 5178 0 0\n";

constexpr const char* kMeminfo = "MemTotal:       24683656 kB\n"
                                 "MemFree:        19085692 kB\n"
                                 "MemAvailable:   21422340 kB\n"
                                 "Buffers:            3756 kB\n"
                                 "Cached:          2713696 kB\n"
                                 "SwapCached:            0 kB\n";

// A process whose name contains a space and a parenthesis.
constexpr const char* kSelfStat =
    "4242 (maria2 (w) x) S 1 4242 4242 0 -1 4194304 2500 0 3 0 731 120 0 0 20 0 9 0 1171196 "
    "3133440 363 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

constexpr const char* kStatus = "Name:\tmaria2\nUmask:\t0022\nState:\tS (sleeping)\n"
                                "VmPeak:\t  912344 kB\nVmRSS:\t   53120 kB\nThreads:\t9\n";

constexpr const char* kIo = "rchar: 6976\nwchar: 1048576\nsyscr: 10\nsyscw: 4\n"
                            "read_bytes: 0\nwrite_bytes: 4194304\ncancelled_write_bytes: 8192\n";

} // namespace

TEST(ResourceSamplerParse, ProcStatAggregateLine) {
    const auto t = proc::parseProcStat(kProcStatA);
    ASSERT_TRUE(t.has_value());
    // user+nice+system+idle+iowait+irq+softirq+steal; guest columns are already inside user.
    EXPECT_EQ(t->total, 1634474u + 220953u + 467141u + 4219u + 3617u + 10170u);
    EXPECT_EQ(t->busy, t->total - 467141u - 4219u);
}

TEST(ResourceSamplerParse, ProcStatOldKernelWithFourColumns) {
    const auto t = proc::parseProcStat("cpu  100 20 30 850\n");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->total, 1000u);
    EXPECT_EQ(t->busy, 150u);
}

TEST(ResourceSamplerParse, ProcStatRejectsGarbage) {
    EXPECT_FALSE(proc::parseProcStat("").has_value());
    EXPECT_FALSE(proc::parseProcStat("cpu0 1 2 3 4\n").has_value()); // no aggregate line
    EXPECT_FALSE(proc::parseProcStat("cpu  1 2 x 4\n").has_value());
    EXPECT_FALSE(proc::parseProcStat("cpu  1 2\n").has_value());
}

TEST(ResourceSamplerParse, CpuPercentFromTwoRecordedSamples) {
    const auto a = proc::parseProcStat(kProcStatA);
    const auto b = proc::parseProcStat(kProcStatB);
    ASSERT_TRUE(a && b);
    // Deltas: user 130, system 40, idle 20, iowait 10 -> busy 170 of 200.
    const auto pct = maria2::cpuPercentBetween(*a, *b);
    ASSERT_TRUE(pct.has_value());
    EXPECT_DOUBLE_EQ(*pct, 85.0);
}

TEST(ResourceSamplerParse, CpuPercentEdgeCases) {
    EXPECT_FALSE(maria2::cpuPercentBetween({10, 100}, {10, 100}).has_value()); // same tick
    EXPECT_FALSE(maria2::cpuPercentBetween({10, 100}, {5, 200}).has_value());  // went backwards
    EXPECT_DOUBLE_EQ(*maria2::cpuPercentBetween({0, 0}, {0, 100}), 0.0);
    EXPECT_DOUBLE_EQ(*maria2::cpuPercentBetween({0, 0}, {150, 100}), 100.0); // clamped
}

TEST(ResourceSamplerParse, Meminfo) {
    const auto m = proc::parseMeminfo(kMeminfo);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->totalBytes, 24683656ull * 1024);
    EXPECT_EQ(m->availableBytes, 21422340ull * 1024);
    EXPECT_NEAR(m->usedPercent(), 100.0 * (24683656.0 - 21422340.0) / 24683656.0, 1e-9);
}

TEST(ResourceSamplerParse, MeminfoWithoutMemAvailable) {
    const auto m = proc::parseMeminfo("MemTotal: 1000 kB\nMemFree: 200 kB\nBuffers: 50 kB\n"
                                      "Cached: 150 kB\n");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->availableBytes, 400u * 1024);
    EXPECT_DOUBLE_EQ(m->usedPercent(), 60.0);
    EXPECT_FALSE(proc::parseMeminfo("MemFree: 200 kB\n").has_value());
    EXPECT_FALSE(proc::parseMeminfo("MemTotal: 0 kB\nMemFree: 0 kB\n").has_value());
}

TEST(ResourceSamplerParse, ProcessCpuTicksCountFromTheLastParenthesis) {
    const auto ticks = proc::parseProcessCpuTicks(kSelfStat);
    ASSERT_TRUE(ticks.has_value());
    EXPECT_EQ(*ticks, 731u + 120u);
    EXPECT_FALSE(proc::parseProcessCpuTicks("4242 (cut short) S 1 2").has_value());
    EXPECT_FALSE(proc::parseProcessCpuTicks("no parenthesis at all").has_value());
}

TEST(ResourceSamplerParse, StatusRssAndIoWriteBytes) {
    EXPECT_EQ(proc::parseStatusRssBytes(kStatus), std::optional<std::uint64_t>(53120u * 1024));
    EXPECT_FALSE(proc::parseStatusRssBytes("Name:\tkthreadd\n").has_value()); // kernel threads
    // write_bytes, not cancelled_write_bytes and not wchar.
    EXPECT_EQ(proc::parseIoWriteBytes(kIo), std::optional<std::uint64_t>(4194304u));
    EXPECT_FALSE(proc::parseIoWriteBytes("rchar: 1\n").has_value());
}

TEST(ResourceSamplerLive, PlatformSamplerReturnsSaneValues) {
    auto sampler = maria2::createPlatformSampler();
    ASSERT_NE(sampler, nullptr);
    const ResourceSample first = sampler->sample();
    EXPECT_FALSE(first.systemCpuPercent.has_value()) << "the first sample has nothing to compare";
    // CPU counters move in clock ticks (10 ms on Linux): keep sampling until they have moved.
    // The deadline only bounds a broken sampler; it is not what the test measures.
    ResourceSample second = sampler->sample();
    const auto giveUp = Clock::now() + std::chrono::seconds(10);
    while (!(second.systemCpuPercent && second.processCpuPercent) && Clock::now() < giveUp) {
        second = sampler->sample();
    }
    ASSERT_TRUE(second.systemCpuPercent.has_value());
    ASSERT_TRUE(second.processCpuPercent.has_value());
    EXPECT_GE(*second.systemCpuPercent, 0.0);
    EXPECT_LE(*second.systemCpuPercent, 100.0);
    EXPECT_GE(*second.processCpuPercent, 0.0);
    EXPECT_LE(*second.processCpuPercent, 100.0);
    EXPECT_GT(second.memoryUsedPercent, 0.0);
    EXPECT_LE(second.memoryUsedPercent, 100.0);
    EXPECT_GT(second.processRssBytes, 1024u * 1024u); // a gtest binary is more than 1 MiB
    const auto rootFree = sampler->freeSpace(std::filesystem::current_path().root_path());
    ASSERT_TRUE(rootFree.has_value());
    EXPECT_GT(*rootFree, 0u);
    EXPECT_FALSE(sampler->freeSpace("/no/such/folder/for/maria2/tests").has_value());
}

namespace {

// Returns scripted samples; free space per path from a table.
class FakeSampler final : public ResourceSampler {
public:
    struct Shared {
        std::mutex mutex;
        std::vector<ResourceSample> script; // returned in turn; the last one repeats
        std::size_t calls = 0;
        std::map<std::filesystem::path, std::uint64_t> free;
    };
    explicit FakeSampler(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared)) {}
    ResourceSample sample() override {
        const std::lock_guard lock(m_shared->mutex);
        const std::size_t i = std::min(m_shared->calls, m_shared->script.size() - 1);
        ++m_shared->calls;
        return m_shared->script[i];
    }
    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) override {
        const std::lock_guard lock(m_shared->mutex);
        const auto it = m_shared->free.find(path);
        return it == m_shared->free.end() ? std::nullopt : std::optional(it->second);
    }

private:
    std::shared_ptr<Shared> m_shared;
};

ResourceSample sampleWith(double cpu, std::uint64_t written) {
    ResourceSample s;
    s.systemCpuPercent = cpu;
    s.processCpuPercent = cpu / 4;
    s.memoryUsedPercent = 50;
    s.processRssBytes = 100u << 20;
    s.processDiskWriteBytes = written;
    return s;
}

Clock::time_point at(std::int64_t ms) {
    return Clock::time_point{} + milliseconds(ms);
}

} // namespace

TEST(ResourceMonitor, RatesFreeSpaceAndListenerFromFakeSamples) {
    auto shared = std::make_shared<FakeSampler::Shared>();
    shared->script = {sampleWith(10, 1000), sampleWith(20, 3'001'000)};
    shared->free = {{"/data", 5'000'000'000u}};
    ResourceMonitor monitor(std::make_unique<FakeSampler>(shared));
    monitor.watch("/data");
    monitor.watch("/missing");
    monitor.watch("/data"); // once only
    EXPECT_EQ(monitor.watched().size(), 2u);
    std::vector<std::uint64_t> heard;
    monitor.setListener([&](const ResourceSnapshot& s) { heard.push_back(s.sequence); });
    EXPECT_EQ(monitor.latest().sequence, 0u);

    monitor.addReceivedBytes(123);
    const auto first = monitor.sampleNow(at(0));
    EXPECT_EQ(first.sequence, 1u);
    EXPECT_EQ(first.networkReceiveBytesPerSecond, 0.0); // nothing to compare with yet
    ASSERT_EQ(first.volumes.size(), 2u);
    EXPECT_EQ(first.volumes[0].freeBytes, std::optional<std::uint64_t>(5'000'000'000u));
    EXPECT_FALSE(first.volumes[1].freeBytes.has_value());

    monitor.addReceivedBytes(1'000'000);
    monitor.addReceivedBytes(1'000'000);
    monitor.unwatch("/missing");
    const auto second = monitor.sampleNow(at(2000));
    EXPECT_EQ(second.sequence, 2u);
    EXPECT_DOUBLE_EQ(second.networkReceiveBytesPerSecond, 1'000'000.0); // 2 MB over 2 s
    EXPECT_DOUBLE_EQ(second.diskWriteBytesPerSecond, 1'500'000.0);      // 3 MB over 2 s
    EXPECT_EQ(second.volumes.size(), 1u);
    EXPECT_EQ(monitor.latest().sequence, 2u);
    EXPECT_EQ(monitor.latest().sample.systemCpuPercent, std::optional<double>(20.0));
    EXPECT_EQ(heard, (std::vector<std::uint64_t>{1, 2}));
}

TEST(ResourceMonitor, CounterGoingBackwardsGivesZeroRateNotGarbage) {
    auto shared = std::make_shared<FakeSampler::Shared>();
    shared->script = {sampleWith(10, 5000), sampleWith(10, 100)};
    ResourceMonitor monitor(std::make_unique<FakeSampler>(shared));
    monitor.sampleNow(at(0));
    EXPECT_EQ(monitor.sampleNow(at(1000)).diskWriteBytesPerSecond, 0.0);
    // Same instant twice: no division by zero.
    EXPECT_EQ(monitor.sampleNow(at(1000)).networkReceiveBytesPerSecond, 0.0);
}

TEST(ResourceMonitor, ThreadSamplesRepeatedlyAndStopsPromptly) {
    auto shared = std::make_shared<FakeSampler::Shared>();
    shared->script = {sampleWith(30, 0)};
    ResourceMonitor monitor(std::make_unique<FakeSampler>(shared), milliseconds(1));
    std::mutex mutex;
    std::condition_variable cv;
    std::uint64_t lastSeen = 0;
    monitor.setListener([&](const ResourceSnapshot& s) {
        const std::lock_guard lock(mutex);
        lastSeen = s.sequence;
        cv.notify_all();
    });
    monitor.start();
    monitor.start(); // idempotent
    EXPECT_TRUE(monitor.running());
    {
        std::unique_lock lock(mutex);
        // The bound only keeps a broken build from hanging; a working one is far quicker.
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return lastSeen >= 3; }));
    }
    monitor.stop();
    EXPECT_FALSE(monitor.running());
    const auto calls = shared->calls;
    EXPECT_GE(calls, 3u);
    EXPECT_EQ(monitor.latest().sample.systemCpuPercent, std::optional<double>(30.0));
    monitor.stop(); // idempotent
    EXPECT_EQ(shared->calls, calls) << "no sampling after stop()";
}

TEST(ResourceMonitor, DestructionDoesNotWaitOutTheInterval) {
    // A one-hour interval: if shutting down waited for it, this test would hang (and time out)
    // instead of finishing.
    auto shared = std::make_shared<FakeSampler::Shared>();
    shared->script = {sampleWith(5, 0)};
    std::mutex mutex;
    std::condition_variable cv;
    bool sampled = false;
    {
        ResourceMonitor monitor(std::make_unique<FakeSampler>(shared), std::chrono::hours(1));
        EXPECT_EQ(monitor.interval(), std::chrono::hours(1));
        monitor.setListener([&](const ResourceSnapshot&) {
            const std::lock_guard lock(mutex);
            sampled = true;
            cv.notify_all();
        });
        monitor.start();
        std::unique_lock lock(mutex);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return sampled; }));
    }
    EXPECT_EQ(shared->calls, 1u); // sampled once at start, then the hour was cut short
}

TEST(ResourceMonitor, RestartAfterStop) {
    auto shared = std::make_shared<FakeSampler::Shared>();
    shared->script = {sampleWith(5, 0)};
    ResourceMonitor monitor(std::make_unique<FakeSampler>(shared), std::chrono::hours(1));
    std::mutex mutex;
    std::condition_variable cv;
    std::uint64_t seen = 0;
    monitor.setListener([&](const ResourceSnapshot& s) {
        const std::lock_guard lock(mutex);
        seen = s.sequence;
        cv.notify_all();
    });
    for (std::uint64_t round = 1; round <= 3; ++round) {
        monitor.start();
        {
            std::unique_lock lock(mutex);
            ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return seen >= round; }));
        }
        monitor.stop();
    }
    EXPECT_EQ(monitor.latest().sequence, 3u);
}
