#pragma once
// What the machine and this process are using right now, read from the operating system.
// One implementation per platform (ResourceSampler_linux/_win/_mac.cpp); the portable code
// (ResourceMonitor, Governor) only sees this interface, and tests substitute a fake.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace maria2 {

struct ResourceSample {
    // CPU use since the previous sample, 0..100. Both are shares of the whole machine (all
    // cores), so a process keeping 2 of 8 cores busy reads 25. Unknown on the first sample.
    std::optional<double> systemCpuPercent;
    std::optional<double> processCpuPercent;
    double memoryUsedPercent = 0;            // physical memory in use system-wide, 0..100
    std::uint64_t processRssBytes = 0;       // resident set / working set of this process
    std::uint64_t processDiskWriteBytes = 0; // cumulative bytes this process made the OS write
                                             // to storage; 0 where the platform does not say
};

// Busy and total time of the whole machine (any unit, as long as both use the same one).
struct CpuTimes {
    std::uint64_t busy = 0;
    std::uint64_t total = 0;
};

// busy/total between two readings, in percent, clamped to 0..100. Empty when the total did
// not move (two readings in the same clock tick) or a counter went backwards (wrapped).
std::optional<double> cpuPercentBetween(const CpuTimes& previous, const CpuTimes& current);

class ResourceSampler {
public:
    virtual ~ResourceSampler() = default;

    // Reads the counters now. CPU percentages compare with the previous call's counters, so
    // the first call has none. Not thread-safe: one caller (the monitor thread) at a time.
    virtual ResourceSample sample() = 0;

    // Bytes an unprivileged user may still write on the volume holding `path` (the path must
    // exist). Empty when the OS cannot tell.
    virtual std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) = 0;
};

// The sampler for the platform this was built for.
std::unique_ptr<ResourceSampler> createPlatformSampler();

} // namespace maria2
