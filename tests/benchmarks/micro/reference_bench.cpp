// BM_Reference_Calibration: a fixed unit of CPU and memory work that touches no project code.
// A runner divides every other benchmark's time by this one's from the same run, so figures
// from different machines (or a busy one) can be compared. Both programs include it, so each
// run is self-contained. NEVER change what it does: old results would stop comparing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr std::size_t kInts = 64 * 1024;
constexpr std::size_t kCopyBytes = 1024 * 1024;

// A 64-bit linear congruential generator (Knuth's MMIX constants): the same sequence on every
// platform and standard library, unlike std::mt19937 + a distribution.
std::vector<std::uint32_t> fixedInts() {
    std::vector<std::uint32_t> out(kInts);
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (auto& v : out) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        v = static_cast<std::uint32_t>(x >> 32);
    }
    return out;
}

void BM_Reference_Calibration(benchmark::State& state) {
    const std::vector<std::uint32_t> input = fixedInts();
    std::vector<std::uint32_t> work(kInts);
    std::vector<char> from(kCopyBytes, 'm');
    std::vector<char> to(kCopyBytes);
    for (auto _ : state) {
        std::copy(input.begin(), input.end(), work.begin());
        std::sort(work.begin(), work.end());
        benchmark::DoNotOptimize(work.data());
        std::memcpy(to.data(), from.data(), kCopyBytes);
        benchmark::DoNotOptimize(to.data());
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_Reference_Calibration)->Unit(benchmark::kMicrosecond);

} // namespace
