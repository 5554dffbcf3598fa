#pragma once
// What the pool's connection tuner measures of one running download, every
// TuningSample::kInterval: a short cadence of its own, so the tuner can take a step every
// 100-200 ms while people see progress at Interface.ProgressIntervalMs. Plain values, sent on
// the engine thread through EngineListener::onTuning.
#include "core/types/DownloadTypes.h"

#include <chrono>
#include <cstdint>

namespace maria2 {

struct TuningSample {
    static constexpr std::chrono::milliseconds kInterval{100};

    DownloadId id = 0;
    DownloadState state = DownloadState::Queued;
    std::int64_t receivedBytes = 0; // body bytes received this run, as the snapshot's
    std::int64_t totalBytes = -1;   // -1 = unknown
    int connections = 0;            // open now
    int pushbacks = 0;              // this run: 429/503 answers and connections reset
    Bottleneck bottleneck = Bottleneck::None;
    double speedBytesPerSec = 0; // smoothed, as the snapshot's
    // The rate (B/s) of its fastest connection since the previous sample (0 = unknown: no
    // connection ran through both).
    double fastConnectionRate = 0;
    // The first connection's own rate (B/s) when the download was split (0 = not split yet).
    double singleConnectionRate = 0;
};

} // namespace maria2
