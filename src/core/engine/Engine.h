#pragma once
// The download engine: one libcurl multi handle driven by its own thread. Front ends post
// commands (thread-safe, they wake the thread with curl_multi_wakeup); the engine reports
// state changes at once and progress in throttled batches through EngineListener, on its
// own thread — the listener must hand them over (Session queues them to the Qt thread).
#include "core/config/Config.h"
#include "core/engine/EngineProfile.h"
#include "core/engine/Job.h"
#include "core/engine/ThreadOwner.h"
#include "core/engine/TransferReport.h"
#include "core/engine/Verification.h"
#include "core/integrity/Checksum.h"
#include "core/io/IoWorker.h"
#include "core/limit/SpeedLimiter.h"
#include "core/schedule/QueueGate.h"
#include "core/types/DownloadTypes.h"
#include "core/types/TuningSample.h"

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <variant>
#include <vector>

namespace maria2 {

// The queue settings of a config (downloads at once, per host, queue-level retries).
SchedulerSettings schedulerSettingsFor(const Config& config);

class EngineListener {
public:
    virtual ~EngineListener() = default;
    // Called on the engine thread, at once, for every state change.
    virtual void onStateChanged(const DownloadSnapshot& snapshot) = 0;
    // Called on the engine thread at most once per Interface.ProgressIntervalMs, with the
    // downloads whose figures changed since the last batch (never empty).
    virtual void onProgress(const std::vector<DownloadSnapshot>& batch) = 0;
    // Called on the engine thread every TuningSample::kInterval with every download that is
    // transferring (never empty): what the pool's connection tuner measures.
    virtual void onTuning(const std::vector<TuningSample>& /*samples*/) {}
    // What the pool learns from: a validated response, and a transfer's end (engine thread).
    virtual void onMetadata(const ResponseMetadata& /*metadata*/) {}
    virtual void onTransferReport(const TransferReport& /*report*/) {}
    // The answer to Engine::requestDetails (engine thread). For a download the engine does not
    // have, only details.id is set.
    virtual void onDetails(const DownloadDetails& /*details*/) {}
    // The engine thread is about to wait (and when it ends): what it reported since the last
    // call can be handed on as one batch. Every call above made on an engine thread is
    // followed by one of these on the same thread.
    virtual void onTurnEnd() {}
};

// Body bytes received by the engines, and of those the ones kept in a file (lock-free).
struct TrafficCounters {
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> kept{0};
};

// Links between the engines of one pool: download ids unique across them, the shared queue
// (order, downloads at once, per host, retries), the shared speed limits and traffic counters.
// An engine alone makes its own from the config.
struct EngineLinks {
    std::atomic<DownloadId>* ids = nullptr;
    QueueGate* gate = nullptr;
    SpeedLimiter* limiter = nullptr;
    TrafficCounters* traffic = nullptr;
    NameReservations* names = nullptr;
};

class Engine final : private JobHost {
public:
    // digests: hash functions for checksum verification (none: checksums are refused).
    Engine(const Config& config, EngineListener& listener, DigestFactory digests = {},
           EngineProfile profile = {}, EngineLinks links = {});
    ~Engine() override; // stop()
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void start();
    // Interrupts every running transfer (part files flushed and kept, state Paused), then
    // joins the thread. No listener call happens after it returns. Idempotent.
    void stop();

    // Thread-safe. Returns the new download's id at once; the work happens on the engine thread.
    DownloadId add(DownloadRequest request);
    void pause(DownloadId id);
    void resume(DownloadId id);
    void remove(DownloadId id, bool deleteFiles);
    void pauseAll();
    void resumeAll();
    // Its index in the shared QueueGate (the pool places new downloads in the queue order).
    int gateIndex() const { return m_gateIndex; }
    void setMaxConcurrentDownloads(int n);
    const EngineProfile& profile() const override { return m_profile; }
    // Downloads queued or running here (any thread; for the router's load figure).
    int load() const { return m_load.load(); }
    // A fresh URL for a download (a refreshed link); it resumes from its bytes if the server
    // shows the same file, else says so.
    void changeUrl(DownloadId id, const std::string& url);
    // The pool's connection tuner: at most n connections for this download from now on.
    void setConnections(DownloadId id, int n);
    // This download's own speed limit (0 = none), at once.
    void setSpeedLimit(DownloadId id, std::int64_t bytesPerSecond);
    // A limit changed: transfers paused for tokens ask again now instead of at their retry time.
    void limitsChanged();
    // The scheduler put a running download back in the queue (over a lowered limit, or the
    // time windows closed): its transfer stops, bytes kept, and it waits in its place.
    void requeue(DownloadId id);
    // Asks for a download's details (bytes on disk, connections); the engine thread answers
    // through EngineListener::onDetails, once per request, also for an unknown id.
    void requestDetails(DownloadId id);
    // The queue gate in use (its own when not linked).
    QueueGate& gate() { return *m_gate; }

private:
    // Commands, posted by any thread and run on the engine thread, one handler each.
    struct Add {
        DownloadId id;
        DownloadRequest request;
    };
    struct Pause {
        DownloadId id;
    };
    struct Resume {
        DownloadId id;
    };
    struct Remove {
        DownloadId id;
        bool deleteFiles;
    };
    struct PauseAll {};
    struct ResumeAll {};
    struct SetMaxConcurrent {
        int n;
    };
    struct ChangeUrl {
        DownloadId id;
        std::string url;
    };
    struct SetConnections {
        DownloadId id;
        int n;
    };
    struct SetSpeedLimit {
        DownloadId id;
        std::int64_t bytesPerSecond;
    };
    struct LimitsChanged {};
    struct Requeue {
        DownloadId id;
    };
    struct Verified { // from the I/O worker
        DownloadId id;
        VerifyOutcome outcome;
    };
    struct Details {
        DownloadId id;
    };
    struct OnJob { // from the I/O worker: a Job's task is done
        DownloadId id;
        std::function<void(Job&)> run;
    };
    using Command = std::variant<Add, Pause, Resume, Remove, PauseAll, ResumeAll, SetMaxConcurrent,
                                 ChangeUrl, SetConnections, SetSpeedLimit, LimitsChanged, Requeue,
                                 Verified, Details, OnJob>;

    void post(Command command);
    // Cuts the engine's poll short so it looks at its commands and the queue now. Coalesced:
    // one wake-up byte until the engine has polled; on the engine thread itself, no syscall
    // at all (the loop just skips its wait once).
    void wake();
    void run();
    void drainCommands();
    void apply(Command& command);
    void handle(Add& c);
    void handle(const Pause& c);
    void handle(const Resume& c);
    void handle(const Remove& c);
    void handle(const PauseAll& c);
    void handle(const ResumeAll& c);
    void handle(const SetMaxConcurrent& c);
    void handle(const ChangeUrl& c);
    void handle(const SetConnections& c);
    void handle(const SetSpeedLimit& c);
    void handle(const LimitsChanged& c);
    void handle(const Requeue& c);
    void handle(const Verified& c);
    void handle(const Details& c);
    void handle(const OnJob& c);
    Job* findJob(DownloadId id);
    void startWaiting();
    void drainFinished();
    void publishProgress(Job::Clock::time_point now);
    void publishTuning(Job::Clock::time_point now);
    long pollTimeoutMs(Job::Clock::time_point now) const;
    void interruptAll();
    void releaseSlots(); // gives back the slots of downloads no longer busy
    void annotate(DownloadSnapshot& snapshot, Job::Clock::time_point now) const;
    void annotate(DownloadSnapshot& snapshot, Job::Clock::time_point now, QueueWait wait) const;
    // A transient failure with queue retries left: Queued again instead of Failed.
    bool queueRetry(Job& job);

    // JobHost
    NameReservations& names() override { return *m_names; }
    void jobStateChanged(Job& job) override;
    bool attach(CURL* easy) override;
    void detach(CURL* easy) override;
    void verifyAsync(Job& job, VerifyTask task) override;
    io::IoWorker& ioWorker() override { return m_io; }
    void runOnEngine(DownloadId id, std::function<void(Job&)> fn) override;
    bool onEngineThread() const override { return m_engineThread.isCurrent(); }
    void metadataSeen(const ResponseMetadata& metadata) override;
    void transferEnded(TransferReport report) override;
    std::unique_ptr<Digest> makeDigest(const std::string& algorithm) override;
    SpeedLimiter* limiter() override { return m_limiter; }
    void countTraffic(std::uint64_t received, std::uint64_t kept) override;

    Config m_config;
    EngineProfile m_profile;
    EngineListener& m_listener;
    CURLM* m_multi = nullptr;
    std::thread m_thread;
    DigestFactory m_digests;
    // Flushes, control files, the end of each download and checksums; joined in stop(). Before
    // m_jobs: it outlives every Job (their storage waits for its tasks).
    io::IoWorker m_io;
    ThreadOwner m_engineThread; // for the debug checks of engine-thread-only code
    std::atomic<DownloadId> m_ownIds{1};
    std::atomic<DownloadId>* m_ids;
    NameReservations m_ownNames;
    NameReservations* m_names;
    std::unique_ptr<QueueGate> m_ownGate;
    QueueGate* m_gate;
    int m_gateIndex = 0;
    std::unique_ptr<SpeedLimiter> m_ownLimiter;
    SpeedLimiter* m_limiter;
    std::unique_ptr<TrafficCounters> m_ownTraffic;
    TrafficCounters* m_traffic;
    std::atomic<int> m_load{0};

    std::mutex m_mutex; // guards m_commands and m_stopRequested
    std::vector<Command> m_commands;
    bool m_stopRequested = false;
    std::atomic<bool> m_wakePending{false}; // a wake-up byte is on its way to the poll
    bool m_wakeSelf = false;                // engine thread only: poll without waiting once

    // Engine thread only.
    std::map<DownloadId, std::unique_ptr<Job>> m_jobs; // ordered by id = queue order
    // The jobs that hold a slot (isBusy) and the number waiting in the queue, kept as states
    // change: the loop ticks, times its poll and counts its load over these, never over every
    // job (a thousand queued downloads cost nothing per wake-up).
    std::set<DownloadId> m_busy;
    int m_queued = 0;
    void trackState(DownloadId id, DownloadState state);
    std::map<DownloadId, DownloadState> m_trackedState;
    std::vector<DownloadId> m_ticking; // m_busy as the loop's tick found it (reused buffer)
    std::map<DownloadId, DownloadSnapshot> m_lastPublished;
    std::set<DownloadId> m_holdingSlot;           // started here and holding a slot of m_gate
    std::uint64_t m_claimedGeneration = 0;        // the gate's generation at the last claim
    std::uint64_t m_queuePublishedGeneration = 0; // ... when queued snapshots were last sent
    std::map<DownloadId, Job::Clock::time_point> m_retryAt; // queue-level retries pending here
    std::chrono::milliseconds m_progressInterval;
    Job::Clock::time_point m_nextPublish{};
    Job::Clock::time_point m_nextTuning{};
    std::vector<TuningSample> m_tuning; // publishTuning()'s batch, kept for its capacity
};

} // namespace maria2
