#pragma once
// Parsers for the Linux /proc files the Linux sampler reads. They take the file's text, so tests
// feed them recorded samples on any platform; only ResourceSampler_linux.cpp reads /proc.
// All return empty when the text does not have what they look for.
#include "core/monitor/ResourceSampler.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace maria2::proc {

// /proc/stat, the aggregate "cpu " line, in USER_HZ ticks. busy = everything but idle and
// iowait; guest time is already inside user/nice and is not counted twice.
std::optional<CpuTimes> parseProcStat(std::string_view text);

struct MemInfo {
    std::uint64_t totalBytes = 0;
    std::uint64_t availableBytes = 0;
    double usedPercent() const;
};
// /proc/meminfo. Uses MemAvailable; kernels before 3.14 lack it, then MemFree + Buffers +
// Cached stands in.
std::optional<MemInfo> parseMeminfo(std::string_view text);

// /proc/self/stat: utime + stime (fields 14 and 15) in USER_HZ ticks. The command name
// (field 2) is in parentheses and may itself contain spaces and ')', so fields are counted
// from the last ')'.
std::optional<std::uint64_t> parseProcessCpuTicks(std::string_view text);

// /proc/self/status: VmRSS, in bytes.
std::optional<std::uint64_t> parseStatusRssBytes(std::string_view text);

// /proc/self/io: write_bytes (bytes this process caused to be sent to storage).
std::optional<std::uint64_t> parseIoWriteBytes(std::string_view text);

} // namespace maria2::proc
