#pragma once
// The engine pool: several Engines (one curl multi handle and thread each, with a named
// profile), one router in front of them. Every download is scored against every engine from
// what is already known (the metadata cache, the host's profile, the learner, each engine's
// load, the machine's headroom) and sent to the best; how it went flows back into the host
// profile, the learner and the connection tuner, so routing improves with use. Same command
// API as a single Engine, so the Session and maria2c do not care which they hold.
#include "core/cache/MetadataCache.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "core/hosts/HostProfile.h"
#include "core/routing/ConnectionTuner.h"
#include "core/routing/EngineLearner.h"
#include "core/routing/EngineScorer.h"
#include "core/routing/HostAffinity.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace maria2 {

// What the libcurl build can do, from curl_version_info: "libcurl 7.88.1, HTTP/2 yes,
// HTTP/3 no, protocols: ftp ftps http https sftp ..."
struct CurlCapabilities {
    std::string version;
    bool http2 = false;
    bool http3 = false;
    std::vector<std::string> protocols;
    std::string summary() const;
};
CurlCapabilities curlCapabilities();

// multiplex, segmented, bulk and generic, fitted to what libcurl supports; `cores` > 4 adds a
// second segmented engine (one thread copies ~700 MB/s; big machines can use two).
std::vector<EngineProfile> defaultEngineProfiles(const CurlCapabilities& curl, int cores);

class EnginePool final : private EngineListener {
public:
    EnginePool(const Config& config, EngineListener& listener, DigestFactory digests = {},
               std::vector<EngineProfile> profiles = {});
    ~EnginePool() override; // stop()
    EnginePool(const EnginePool&) = delete;
    EnginePool& operator=(const EnginePool&) = delete;

    void start();
    void stop();

    // Routes and queues a download; its snapshots carry the engine and the decision.
    DownloadId add(DownloadRequest request);
    void pause(DownloadId id);
    void resume(DownloadId id);
    void remove(DownloadId id, bool deleteFiles);
    void pauseAll();
    void resumeAll();
    void setMaxConcurrentDownloads(int n);
    void changeUrl(DownloadId id, const std::string& url);
    // Asks for a download's details: its engine's thread fills in the bytes and connections,
    // the pool adds the engine, the route, its reason and every engine's score; the answer
    // arrives through EngineListener::onDetails on that engine's thread (for an id no engine
    // has: at once, on the caller's thread, with only the id set).
    void requestDetails(DownloadId id);

    // Speed limits, shared fairly by every transfer of every engine (SpeedLimiter); a change
    // applies to running transfers at once, without restarting them. 0 = no limit.
    void setGlobalSpeedLimit(std::int64_t bytesPerSecond);
    std::int64_t globalSpeedLimit() const;
    void setDownloadSpeedLimit(DownloadId id, std::int64_t bytesPerSecond);

    // The queue (QueueGate): order across engines, per-host limit, queue-level retries and
    // whether the time windows allow running now (the session re-checks them every tick).
    bool moveUp(DownloadId id);
    bool moveDown(DownloadId id);
    bool moveToTop(DownloadId id);
    bool moveToBottom(DownloadId id);
    std::vector<DownloadId> queueOrder() const;
    void setMaxDownloadsPerHost(int n);
    void setWindowsOpen(bool open);

    // The governor's cuts: at most `maxDownloads` running and `maxConnections` per download
    // (0 = the user's settings), and the reason shown as each running download's bottleneck
    // (ThrottledCpu / ThrottledMemory; None when not throttled). Over-limit downloads are put
    // back in the queue in their place; connections above the cap are closed.
    void setThrottle(int maxDownloads, int maxConnections, Bottleneck reason);

    // Body bytes received by every engine since start, and of those the ones written to a file
    // (the rest: overlap of raced ranges, bytes of a changed file, retries): network efficiency.
    struct Traffic {
        std::uint64_t received = 0;
        std::uint64_t kept = 0;
    };
    Traffic traffic() const;

    // What add() would decide now, without adding (for --engine-report and the add dialog).
    RouteDecision preview(const DownloadRequest& request) const;
    std::vector<std::string> engineNames() const;
    // Free CPU / memory fractions from the resource monitor (1 = idle; default).
    void setHeadroom(double cpu, double memory);

    HostProfileBook& hosts() { return m_hosts; }
    MetadataCache& cache() { return m_cache; }
    // Seeds the tuner with caps learned in earlier runs (after hosts() was filled).
    void seedLearnedCaps();
    // The shortest window over which the tuner measures a host's rate before judging a
    // step (default 150 ms: every progress batch of 200 ms closes one). Tests change it.
    void setTuningPeriod(std::chrono::milliseconds period) { m_tuner.setWindow(period); }

private:
    struct Route {
        std::size_t engine = 0;
        std::string summary; // "segmented 0.82 [multiplex 0.41, bulk 0.30]"
        std::string reason;  // the router's why: "big file (512.0 MiB), host caps each ..."
        std::vector<EngineScoreDetail> scores; // as decided at add(), best first
        std::string hostKey;
        Arm arm;
        bool autoConnections = false; // the pool sets its connections (auto or -s/-x bound)
        int connections = 0;          // the count the pool gave it (before the governor's cut)
        int pushbacks = 0;            // the last snapshot's count of 429/503/resets
        bool busy = false;  // connecting, downloading, retrying...: shares the host's count
        bool inPlay = true; // counted in m_affinity (queued or running on its engine)
        int userMax = 0;    // -s/-x as an upper bound; 0 = auto (Download.ConnectionCeiling)
        int open = 0;       // connections open in its last snapshot
        int limit = 0;      // the most it can use: ceiling, size / MinSplitSize, governor
        std::int64_t minSplit = 0;
        std::int64_t lastBytes = 0; // receivedBytes of its last snapshot
        // Auto: shares the host's one count with the host's other auto downloads.
        bool sharesHostCount() const { return autoConnections && userMax == 0; }
    };
    struct ConnectionChange {
        Engine* engine = nullptr;
        DownloadId id = 0;
        int connections = 0;
    };

    // EngineListener: from the engines' threads.
    void onStateChanged(const DownloadSnapshot& snapshot) override;
    void onProgress(const std::vector<DownloadSnapshot>& batch) override;
    void onTuning(const std::vector<TuningSample>& samples) override;
    void onMetadata(const ResponseMetadata& metadata) override;
    void onTransferReport(const TransferReport& report) override;
    void onDetails(const DownloadDetails& details) override;
    void onTurnEnd() override { m_listener.onTurnEnd(); }

    RouteDecision decide(const DownloadRequest& request, const std::string& hostKey) const;
    std::size_t indexOf(const std::string& engineName) const;
    Engine* engineFor(DownloadId id);
    void annotate(DownloadSnapshot& snapshot);
    // The connection tuner's drive (EnginePoolTuning.cpp): every tuning sample (100 ms) of a
    // download with pool-chosen connections feeds its host's measurement; a new count for the
    // host is shared among its running auto downloads at once.
    void tune(const TuningSample& sample);
    int busyOnHostLocked(const std::string& hostKey) const;
    int routeLimitLocked(const Route& route, std::int64_t totalBytes) const;
    void shareLocked(const std::string& hostKey, int count, double speed,
                     std::vector<ConnectionChange>& changes);
    void apply(const std::vector<ConnectionChange>& changes);
    // The engine at `index`, its thread started on first use: a run that needs one engine
    // (one small file) never pays for the others' threads.
    Engine& engineAt(std::size_t index);
    void applyMaxDownloads();
    void requeueOverLimit();

    Config m_config;
    EngineListener& m_listener;
    std::atomic<DownloadId> m_ids{1};
    QueueGate m_gate;
    SpeedLimiter m_limiter;
    TrafficCounters m_traffic;
    NameReservations m_names; // file names claimed by downloads on any engine
    std::vector<std::unique_ptr<Engine>> m_engines;
    bool m_http2 = false;
    bool m_http3 = false;

    mutable MetadataCache m_cache; // a lookup counts hits and refreshes LRU order
    HostProfileBook m_hosts;
    EngineLearner m_learner;
    ConnectionTuner m_tuner;
    EngineScorer m_scorer;
    std::atomic<double> m_cpuHeadroom{1.0};
    std::atomic<double> m_memoryHeadroom{1.0};

    mutable std::mutex m_mutex; // guards m_routes, m_affinity, m_started
    std::map<DownloadId, Route> m_routes;
    HostAffinity m_affinity;
    bool m_started = false; // start() was called: engines start as work reaches them
    int m_userMaxDownloads = 5;
    int m_throttleDownloads = 0;   // the governor's cut, 0 = none
    int m_throttleConnections = 0; // the governor's cut, 0 = none
    Bottleneck m_throttleReason = Bottleneck::None;
};

} // namespace maria2
