#pragma once
// One picture of the whole application, once per resource sample: what the GUI's status bar
// and charts show and what `maria2c --stats-json FILE` writes as one JSON line per second.
// Plain values; toJson() is the stable line format (docs/throttling.md, "Metrics").
#include "core/monitor/ResourceMonitor.h"
#include "core/types/DownloadTypes.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

struct DownloadMetrics {
    DownloadId id = 0;
    std::string name;
    DownloadState state = DownloadState::Queued;
    double speedBytesPerSec = 0;
    std::int64_t doneBytes = 0;
    std::int64_t totalBytes = -1;
    int connections = 0;
    Bottleneck bottleneck = Bottleneck::None;
};

struct MetricsSnapshot {
    std::int64_t atUnixMs = 0;
    double totalSpeedBytesPerSec = 0; // sum over downloads
    int active = 0;                   // connecting, downloading, stalled, retrying, verifying
    int queued = 0;
    std::optional<double> systemCpuPercent; // unknown on the first sample
    std::optional<double> processCpuPercent;
    double memoryUsedPercent = 0;
    std::uint64_t processRssBytes = 0;
    double diskWriteBytesPerSec = 0;
    double networkReceiveBytesPerSec = 0; // from the engines' own counters
    std::uint64_t receivedBytes = 0;      // since start, kept or not
    std::uint64_t keptBytes = 0;          // written to files
    // kept / received since start (1 when nothing was received yet).
    double networkEfficiency = 1;
    std::int64_t speedLimit = 0; // in force now (user, window and governor together), 0 = none
    bool throttled = false;      // the governor has cut back
    std::string governorMessage; // its last message ("throttled: CPU 86% > 70% ...")
    std::vector<DownloadMetrics> downloads; // the running and queued ones
};

nlohmann::json toJson(const MetricsSnapshot& metrics);

// kept / received, within 0..1; 1 when nothing was received yet (nothing wasted either).
double networkEfficiency(std::uint64_t receivedBytes, std::uint64_t keptBytes);

// The machine's figures from one resource sample, the downloads as they stand (the running
// and queued ones are listed, in the order given) and the pool's byte counters. The caller
// adds what only it knows: the time, the speed limit in force and the governor's word.
MetricsSnapshot makeMetrics(const ResourceSnapshot& resources,
                            const std::vector<DownloadSnapshot>& downloads,
                            std::uint64_t receivedBytes, std::uint64_t keptBytes);

} // namespace maria2
