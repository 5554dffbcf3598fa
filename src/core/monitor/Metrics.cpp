#include "core/monitor/Metrics.h"

#include <algorithm>

namespace maria2 {

double networkEfficiency(std::uint64_t receivedBytes, std::uint64_t keptBytes) {
    if (receivedBytes == 0) {
        return 1.0;
    }
    // The counters are read one after the other while bytes flow: kept may run a chunk ahead.
    return std::clamp(static_cast<double>(keptBytes) / static_cast<double>(receivedBytes), 0.0,
                      1.0);
}

MetricsSnapshot makeMetrics(const ResourceSnapshot& resources,
                            const std::vector<DownloadSnapshot>& downloads,
                            std::uint64_t receivedBytes, std::uint64_t keptBytes) {
    MetricsSnapshot m;
    for (const auto& d : downloads) {
        const bool queued = d.state == DownloadState::Queued;
        if (!queued && !isBusy(d.state)) {
            continue;
        }
        (queued ? m.queued : m.active) += 1;
        m.totalSpeedBytesPerSec += queued ? 0.0 : d.speedBytesPerSec;
        DownloadMetrics dm;
        dm.id = d.id;
        dm.name = d.fileName.empty() ? d.url : d.fileName;
        dm.state = d.state;
        dm.speedBytesPerSec = queued ? 0.0 : d.speedBytesPerSec;
        dm.doneBytes = d.doneBytes;
        dm.totalBytes = d.totalBytes;
        dm.connections = d.connections;
        dm.bottleneck = d.bottleneck;
        m.downloads.push_back(std::move(dm));
    }
    const ResourceSample& s = resources.sample;
    m.systemCpuPercent = s.systemCpuPercent;
    m.processCpuPercent = s.processCpuPercent;
    m.memoryUsedPercent = s.memoryUsedPercent;
    m.processRssBytes = s.processRssBytes;
    m.diskWriteBytesPerSec = resources.diskWriteBytesPerSecond;
    m.networkReceiveBytesPerSec = resources.networkReceiveBytesPerSecond;
    m.receivedBytes = receivedBytes;
    m.keptBytes = keptBytes;
    m.networkEfficiency = networkEfficiency(receivedBytes, keptBytes);
    return m;
}

nlohmann::json toJson(const MetricsSnapshot& m) {
    nlohmann::json downloads = nlohmann::json::array();
    for (const auto& d : m.downloads) {
        downloads.push_back({
            {"id", d.id},
            {"name", d.name},
            {"state", toString(d.state)},
            {"speed", d.speedBytesPerSec},
            {"done", d.doneBytes},
            {"total", d.totalBytes},
            {"connections", d.connections},
            {"bottleneck", toString(d.bottleneck)},
        });
    }
    auto optional = [](const std::optional<double>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    return {
        {"time", m.atUnixMs},
        {"speed", m.totalSpeedBytesPerSec},
        {"active", m.active},
        {"queued", m.queued},
        {"cpu", optional(m.systemCpuPercent)},
        {"processCpu", optional(m.processCpuPercent)},
        {"memory", m.memoryUsedPercent},
        {"rss", m.processRssBytes},
        {"diskWrite", m.diskWriteBytesPerSec},
        {"networkReceive", m.networkReceiveBytesPerSec},
        {"received", m.receivedBytes},
        {"kept", m.keptBytes},
        {"efficiency", m.networkEfficiency},
        {"speedLimit", m.speedLimit},
        {"throttled", m.throttled},
        {"governor", m.governorMessage},
        {"downloads", std::move(downloads)},
    };
}

} // namespace maria2
