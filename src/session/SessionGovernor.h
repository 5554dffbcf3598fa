#pragma once
// maria2::SessionGovernor: the Governor (core/governor) fed from the resource monitor and its
// cuts applied to the engine pool: downloads at once and connections per download
// (EnginePool::setThrottle, with the reason each running download shows as its bottleneck).
// Its speed cap is read by the session's limits; its volume pauses are carried out by the
// session, which records here which downloads it paused for lack of space, so that exactly
// those resume when the space is back (never one a person paused). Session thread only.
#include "core/config/Config.h"
#include "core/governor/Governor.h"
#include "core/monitor/ResourceMonitor.h"
#include "core/types/DownloadTypes.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

class EnginePool;

class SessionGovernor {
public:
    // GovernorSettings::fromConfig plus the Monitor.* settings (dwell, margin, space floor).
    static GovernorSettings settingsFrom(const Config& config);

    SessionGovernor(const Config& config, EnginePool& pool);

    // One resource sample in (totalSpeed: the downloads' current speed, where a first speed
    // cap starts); the governor's moves out, already applied to the pool except the volume
    // pauses, which are the caller's.
    std::vector<GovernorAction> update(const ResourceSnapshot& snapshot, double totalSpeed);
    const GovernorState& state() const { return m_governor.state(); }
    // The last action's message ("" before any).
    const std::string& lastMessage() const { return m_lastMessage; }
    // The person's own limits changed (what "not throttled" means).
    void setUserMaxDownloads(int maxConcurrentDownloads);
    void setUserSpeedLimit(std::int64_t bytesPerSecond);
    // A new configuration (the settings dialog): thresholds, Monitor.* and the person's limits
    // at once. The connections per download stay (Download.Split applies after a restart, as
    // the pool's does).
    void applyConfig(const Config& config);

    // Downloads paused for lack of space -------------------------------------------------
    // For a download's own message: "paused: 120.0 MiB free on /data, below the 256.0 MiB
    // floor", from the latest sample of that folder.
    std::string pauseMessage(const std::string& folder) const;
    bool folderPaused(const std::string& folder) const;
    void notePaused(DownloadId id, const std::string& folder, const std::string& message);
    // The folder's space is back: the downloads paused for it (and forgotten here).
    std::vector<DownloadId> takePaused(const std::string& folder);
    // The message, while `id` is paused for lack of space.
    std::optional<std::string> pausedForSpace(DownloadId id) const;
    // A person took over (paused, resumed or removed it): no longer the governor's pause.
    bool forget(DownloadId id);
    void forgetAll();
    bool anyPausedForSpace() const { return !m_spacePaused.empty(); }

private:
    struct Throttle {
        int maxDownloads = 0;
        int maxConnections = 0;
        Bottleneck reason = Bottleneck::None;
        bool operator==(const Throttle& o) const {
            return maxDownloads == o.maxDownloads && maxConnections == o.maxConnections &&
                   reason == o.reason;
        }
    };
    void pushThrottle();
    void setSettings(const GovernorSettings& settings);

    struct SpacePause {
        std::string folder;
        std::string message;
    };

    Governor m_governor;
    EnginePool& m_pool;
    Throttle m_pushed;
    std::string m_lastMessage;
    std::map<std::string, std::uint64_t> m_freeBytes; // per watched folder, latest sample
    std::map<DownloadId, SpacePause> m_spacePaused;
};

} // namespace maria2
