#include "session/SessionGovernor.h"
#include "core/text/Text.h"

#include "core/pool/EnginePool.h"

#include <algorithm>

namespace maria2 {
namespace {

// The state's reason is the last cut's message: "throttled: CPU 86% > 70%, memory ...; now
// ...". CPU is named first when both are over; memory alone means memory.
Bottleneck throttleReason(const GovernorState& state) {
    if (!state.throttled) {
        return Bottleneck::None;
    }
    const bool cpu = state.reason.find("CPU") != std::string::npos;
    const bool memory = state.reason.find("memory") != std::string::npos;
    return memory && !cpu ? Bottleneck::ThrottledMemory : Bottleneck::ThrottledCpu;
}

} // namespace

GovernorSettings SessionGovernor::settingsFrom(const Config& config) {
    GovernorSettings s = GovernorSettings::fromConfig(config);
    s.dwellSamples = config.monitor.dwellSamples;
    s.recoveryMarginPercent = config.monitor.recoveryMarginPercent;
    s.freeSpaceFloorBytes = static_cast<std::uint64_t>(std::max(0, config.monitor.freeSpaceFloorMb))
                            << 20;
    return s;
}

SessionGovernor::SessionGovernor(const Config& config, EnginePool& pool)
    : m_governor(settingsFrom(config))
    , m_pool(pool) {
}

std::vector<GovernorAction> SessionGovernor::update(const ResourceSnapshot& snapshot,
                                                    double totalSpeed) {
    GovernorInput input;
    input.cpuPercent = snapshot.sample.systemCpuPercent;
    input.processCpuPercent = snapshot.sample.processCpuPercent;
    input.memoryPercent = snapshot.sample.memoryUsedPercent;
    // The router prefers lighter engines when the machine has little to spare.
    if (snapshot.sample.systemCpuPercent) {
        m_pool.setHeadroom(1.0 - *snapshot.sample.systemCpuPercent / 100.0,
                           1.0 - snapshot.sample.memoryUsedPercent / 100.0);
    }
    input.receiveBytesPerSecond = totalSpeed;
    for (const auto& v : snapshot.volumes) {
        const std::string folder = v.path.string();
        input.volumes.push_back({folder, v.freeBytes});
        if (v.freeBytes) {
            m_freeBytes[folder] = *v.freeBytes;
        }
    }
    std::vector<GovernorAction> actions = m_governor.update(input);
    if (!actions.empty()) {
        m_lastMessage = actions.back().message;
        pushThrottle();
    }
    return actions;
}

void SessionGovernor::setUserMaxDownloads(int maxConcurrentDownloads) {
    GovernorSettings s = m_governor.settings();
    s.maxConcurrentDownloads = maxConcurrentDownloads;
    setSettings(s);
}

void SessionGovernor::setUserSpeedLimit(std::int64_t bytesPerSecond) {
    GovernorSettings s = m_governor.settings();
    s.speedLimit = bytesPerSecond;
    setSettings(s);
}

void SessionGovernor::applyConfig(const Config& config) {
    const GovernorSettings next = settingsFrom(config);
    GovernorSettings s = m_governor.settings();
    s.cpuThresholdPercent = next.cpuThresholdPercent;
    s.memoryThresholdPercent = next.memoryThresholdPercent;
    s.recoveryMarginPercent = next.recoveryMarginPercent;
    s.dwellSamples = next.dwellSamples;
    s.maxConcurrentDownloads = next.maxConcurrentDownloads;
    s.speedLimit = next.speedLimit;
    s.freeSpaceFloorBytes = next.freeSpaceFloorBytes;
    setSettings(s);
}

void SessionGovernor::setSettings(const GovernorSettings& settings) {
    m_governor.setSettings(settings);
    pushThrottle(); // throttled limits never above the person's new ones
}

void SessionGovernor::pushThrottle() {
    const GovernorState& state = m_governor.state();
    Throttle wanted;
    if (state.throttled) {
        wanted = {state.maxConcurrentDownloads, state.maxConnectionsPerDownload,
                  throttleReason(state)};
    }
    if (wanted == m_pushed) {
        return;
    }
    m_pushed = wanted;
    m_pool.setThrottle(wanted.maxDownloads, wanted.maxConnections, wanted.reason);
}

std::string SessionGovernor::pauseMessage(const std::string& folder) const {
    const auto floor = static_cast<double>(m_governor.settings().freeSpaceFloorBytes);
    const auto it = m_freeBytes.find(folder);
    const std::string free =
        it != m_freeBytes.end() ? text::formatBytes(static_cast<double>(it->second)) : "too little";
    return "paused: " + free + " free on " + folder + ", below the " + text::formatBytes(floor) +
           " floor; resumes by itself when there is room again";
}

bool SessionGovernor::folderPaused(const std::string& folder) const {
    const auto& paused = m_governor.state().pausedVolumes;
    return std::find(paused.begin(), paused.end(), folder) != paused.end();
}

void SessionGovernor::notePaused(DownloadId id, const std::string& folder,
                                 const std::string& message) {
    m_spacePaused[id] = {folder, message};
}

std::vector<DownloadId> SessionGovernor::takePaused(const std::string& folder) {
    std::vector<DownloadId> ids;
    for (auto it = m_spacePaused.begin(); it != m_spacePaused.end();) {
        if (it->second.folder == folder) {
            ids.push_back(it->first);
            it = m_spacePaused.erase(it);
        } else {
            ++it;
        }
    }
    return ids;
}

std::optional<std::string> SessionGovernor::pausedForSpace(DownloadId id) const {
    const auto it = m_spacePaused.find(id);
    if (it == m_spacePaused.end()) {
        return std::nullopt;
    }
    return it->second.message;
}

bool SessionGovernor::forget(DownloadId id) {
    return m_spacePaused.erase(id) > 0;
}

void SessionGovernor::forgetAll() {
    m_spacePaused.clear();
}

} // namespace maria2
