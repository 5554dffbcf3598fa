#pragma once
// One download as the engine runs it: its connections (one easy handle each, on planned byte
// ranges), the naming decision, what to do about each response (the check itself is
// ResponseCheck), retries and the checksum. Its bytes on disk are its PartStorage's. Lives on
// its engine's thread only; nothing else touches it (its storage's worker tasks excepted).
#include "core/adapt/DegradationDetector.h"
#include "core/config/Config.h"
#include "core/engine/Connection.h"
#include "core/engine/ConnectionSet.h"
#include "core/engine/EngineProfile.h"
#include "core/engine/ResponseCheck.h"
#include "core/engine/TransferReport.h"
#include "core/engine/Verification.h"
#include "core/integrity/Checksum.h"
#include "core/io/PartFile.h"
#include "core/limit/SpeedLimiter.h"
#include "core/naming/NameReservations.h"
#include "core/retry/RetryPolicy.h"
#include "core/segment/IntervalSet.h"
#include "core/segment/SegmentPlanner.h"
#include "core/storage/PartStorage.h"
#include "core/types/DownloadTypes.h"
#include "core/types/TuningSample.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

class Job;

// What a Job needs from its engine.
class JobHost {
public:
    virtual ~JobHost() = default;
    // The file names claimed by the downloads of the whole pool.
    virtual NameReservations& names() = 0;
    virtual void jobStateChanged(Job& job) = 0;
    // Adds / removes an easy handle to / from the multi handle. Never called from a curl callback.
    virtual bool attach(CURL* easy) = 0;
    virtual void detach(CURL* easy) = 0;
    // Runs the checksum on the I/O worker; the engine calls verified() with the result.
    virtual void verifyAsync(Job& job, VerifyTask task) = 0;
    // The engine's I/O worker (flushes, control files, the end of a download).
    virtual io::IoWorker& ioWorker() = 0;
    // Any thread: runs fn on the engine thread with the Job, if it still exists then.
    virtual void runOnEngine(DownloadId id, std::function<void(Job&)> fn) = 0;
    // Debug checks: true on the engine thread (or while no engine thread runs).
    virtual bool onEngineThread() const = 0;
    // A hash function for streaming (nullptr when the build has none).
    virtual std::unique_ptr<Digest> makeDigest(const std::string& algorithm) = 0;
    // The engine's profile: HTTP version, multiplexing, whether to split.
    virtual const EngineProfile& profile() const = 0;
    // What the pool learns from (metadata cache, host profiles).
    virtual void metadataSeen(const ResponseMetadata& metadata) = 0;
    virtual void transferEnded(TransferReport report) = 0;
    // The speed limits (never null) and the traffic counters, shared by the pool.
    virtual SpeedLimiter* limiter() = 0;
    virtual void countTraffic(std::uint64_t received, std::uint64_t kept) = 0;
};

class Job {
public:
    using Clock = std::chrono::steady_clock;

    Job(DownloadId id, DownloadRequest request, const Config& config, JobHost& host);
    ~Job();
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    DownloadId id() const { return m_id; }
    DownloadState state() const { return m_state; }
    ErrorCode error() const { return m_error; }
    const DownloadRequest& request() const { return m_request; }
    // Changes the state and tells the host (which tells the front ends at once).
    void setState(DownloadState state);

    // Queued -> the first connection (resuming what is on disk).
    void start();
    // Periodic work (cheap unless something is due): open or close connections, flush and save
    // resume data, detect stalls, start a due retry.
    void tick(Clock::time_point now);
    // The multi handle reported a connection's transfer done (already detached from it).
    void connectionDone(CURL* easy, CURLcode result);
    // The checksum thread's verdict.
    void verified(const VerifyOutcome& outcome);

    // Pause or shutdown: every connection is dropped and the part file flushed and described
    // in the control file, so a later run resumes byte-exactly.
    void interrupt();
    // Deletes what this download wrote: the part and control files, or the finished file.
    void deleteFiles();
    void releaseName();
    // The name a download that ownsKnownName claims when added (empty if it claims none).
    static std::filesystem::path knownNamePath(const DownloadRequest& request,
                                               const DownloadSettings& settings);
    // A new URL for the same download (a refreshed link). Takes effect on the next start.
    void changeUrl(const std::string& url);
    // At most n connections from now on (the pool's tuner ramping up or backing off): extra
    // ones are opened as ranges allow; above it, the slowest are closed and their ranges
    // handed on.
    void setConnectionLimit(int n);

    Clock::time_point nextRetryAt() const { return m_nextRetryAt; }
    // When tick() next has work: the engine's poll wakes no later than this.
    Clock::time_point nextTickAt() const { return m_nextTick; }
    void sampleSpeed(Clock::time_point now);
    // A limit changed: connections paused for tokens try again now.
    void wakeLimited(Clock::time_point now);
    void setSpeedLimit(std::int64_t bytesPerSecond) { m_request.maxSpeed = bytesPerSecond; }
    DownloadSnapshot snapshot(Clock::time_point now) const;
    // For the pool's connection tuner (every TuningSample::kInterval while it runs).
    TuningSample tuningSample(Clock::time_point now);
    // For the details pane (JobDetails.cpp): the bytes on disk and the open connections; the
    // engine, route and log lines are added by those who know them.
    DownloadDetails details() const;

private:
    // Each connection's own speed, and the planner's copy of it (from tuningSample()).
    void sampleConnectionSpeeds(Clock::time_point now);
    friend struct JobCallbacks;

    // Job.cpp: life cycle
    void adoptExistingPart();
    void scheduleRetry(const std::string& why, ErrorCode code, std::chrono::milliseconds delay);
    // JobFinish.cpp: the end (flush, verify, rename)
    void complete();
    void finishVerified();
    // The durable end on the I/O worker (PartStorage::finish); finished() takes it from there
    // on the engine thread. rename: the part file becomes the final file (else: verify next).
    void finishOnWorker(PartStorage::Finish plan, bool rename);
    void finished(std::uint64_t run, const PartStorage::Finished& result);
    // A pause or removal while the end is on the worker: taken back, or waited for and applied.
    void settleFinish();
    bool claimFinalName(); // the final name is still free (else the next free one), or fail()
    void completed();
    // Job.cpp again
    void fail(ErrorCode code, const std::string& message);
    void stopAll();
    void goToAttentionState(DownloadState state, const std::string& why);
    void restartFromZero(const std::string& why);
    // A 416 (range not satisfiable): complete, start over once without ranges, or fail.
    void handleUnsatisfiable(std::int64_t serverTotal, const std::string& message);
    // Drops everything known about the bytes on disk and empties the part file (name kept).
    // False if the part file cannot be truncated (m_ioError says why).
    bool forgetBytesOnDisk();
    // Flushes the part file and records its ranges in the control file: periodically on the
    // I/O worker (force = now, on this thread, after any pending one).
    void saveResumeData(bool force);
    io::ControlData controlData() const; // what the control file says, ranges aside
    std::int64_t doneBytes() const;
    const IntervalSet& written() const;
    bool allWritten() const;

    // How long the first connection is measured before deciding to split. 20 ms: on loopback
    // or a LAN a stream that is not capped is far past Download.SplitBelowSpeed by then; on a
    // long path TCP is still in slow start and looks slow, and there splitting pays anyway.
    static constexpr auto kProbe = std::chrono::milliseconds(20);
    // Shortest pause of a transfer refused by the speed limiter.
    static constexpr auto kMinLimitPause = std::chrono::milliseconds(4);

    // JobConnections.cpp: connections and responses
    Connection* openConnection(std::int64_t begin, std::int64_t end, int segmentId);
    bool openPart(io::PartFile::Mode mode);
    void openMoreConnections(Clock::time_point now);
    void closeSlowConnections(Clock::time_point now);
    void dropConnection(Connection* c, bool releaseSegment);
    bool onBodyStart(Connection& c);
    bool validateResponse(Connection& c, std::int64_t* total);
    bool prepareFile(Connection& c, std::int64_t total);
    bool chooseName(Connection& c);
    void handleFailure(Connection& c, CURLcode result);
    std::string describeFailure(const Connection& c, CURLcode result) const;
    int wantedConnections() const;
    // libcurl's read buffer for a connection opened now (CURLOPT_BUFFERSIZE), unlimited.
    long readBufferBytes() const;

    // JobWrites.cpp: the bytes libcurl hands over, gathered per connection and written
    std::size_t write(Connection& c, const char* data, std::size_t n);
    bool stageWrite(Connection& c, const char* data, std::size_t n);
    // Writes what c's batch holds. False: its range joined m_unwritten, m_ioError says why.
    bool writeBatch(Connection& c);
    bool writeBatches(); // every connection's
    // What a save may record: written() less what is not (yet) in the file.
    IntervalSet recordable() const;
    bool splitNow(Clock::time_point now);
    void shareFirstRange(); // the first (open-ended) range cut to an even share of what is left

    DownloadId m_id;
    DownloadRequest m_request;
    NetworkSettings m_network;
    DownloadSettings m_download;
    RetryPolicy m_retry;
    JobHost& m_host;
    std::int64_t m_addedAtMs;

    DownloadState m_state = DownloadState::Queued;
    ErrorCode m_error = ErrorCode::Ok;
    std::string m_errorMessage;
    int m_attempts = 0; // connections opened
    int m_failuresWithoutProgress = 0;
    Clock::time_point m_nextRetryAt{};            // Retrying: when the next attempt starts
    Clock::time_point m_noNewConnectionsBefore{}; // back-off after a connection failed
    Clock::time_point m_lastProgressAt{};
    std::int64_t m_lastProgressBytes = 0;

    std::filesystem::path m_dir;
    std::filesystem::path m_finalPath; // empty until the name is decided
    PartStorage m_store;               // NAME.part and its control file
    bool m_finishing = false;          // the durable end runs on the worker
    bool m_finishRenames = false;      // ... and ends in the final name (else: verify next)
    std::uint64_t m_finishRun = 0;     // which end a result belongs to (stale ones are dropped)
    bool m_endInterrupted = false;     // a pause took the end back: the next start redoes it

    // What the file is: learnt from the first response, or from the control file.
    std::int64_t m_total = -1;
    std::string m_etag;
    std::string m_lastModified;
    std::string m_contentType;
    bool m_rangesOk = false; // proven by a 206 (or REST) on this file
    bool m_resumed = false;  // bytes came from an earlier run: validators are checked

    std::optional<SegmentPlanner> m_planner; // once the size is known and ranges work
    IntervalSet m_linear;                    // without a planner: [0, done)

    ConnectionSet m_connections;
    io::IoError m_ioError;
    IntervalSet m_unwritten; // counted as written, but its write failed: never recorded
    SpeedMeter m_speed;
    Clock::time_point m_nextTick{};
    bool m_blockNewConnections = false; // a permanent error: let the others finish, open none
    ErrorCode m_lastFailure = ErrorCode::Ok;
    std::string m_lastFailureMessage;
    bool m_restartOnStart = false; // FileChanged: the next start begins from zero
    // A server answered 416 to a range inside the size it announced: it started over once,
    // and from then on asks for whole files only (no Range, one connection).
    bool m_restartedOn416 = false;
    bool m_plainRequests = false;
    bool m_splitDecided = false; // the first connection was measured (or this is a resume)
    Clock::time_point m_nextSplitCheck{};
    Clock::time_point m_probeAt{};   // the last look at the first connection's pace ...
    std::int64_t m_probeBytes = 0;   // ... and its bytes then
    double m_splitAtRate = 0;        // the first connection's rate when it was split (B/s)
    Clock::time_point m_lastTuned{}; // the previous tuningSample()
    std::optional<ChecksumSpec> m_checksum;
    bool m_verifyAuto = false; // --verify=auto: look for a published SHA-256 when done
    // Hashing while the data streams in, while it arrives in order from byte 0: bytes
    // [0, m_streamHashed) are in m_streamDigest. Whatever came out of order is read back once.
    std::unique_ptr<Digest> m_streamDigest;
    std::int64_t m_streamHashed = 0;
    void streamHash(std::int64_t offset, const char* data, std::int64_t size);
    std::string streamAlgorithm() const;

    // This run's figures for the TransferReport (reset by start()).
    void reportEnd(bool ok);
    Clock::time_point m_runStartedAt{};
    Clock::time_point m_lastActivityAt{};
    std::int64_t m_runBytes = 0;
    int m_peakConnections = 0;
    double m_firstTtfb = -1;
    long m_lastStatus = 0;
    bool m_throttled = false;
    int m_pushbacks = 0; // 429/503 answers this run
    int m_resets = 0;
    int m_httpVersion = 0;
    bool m_metadataSent = false;

    // Speed limits, silence under a limit, degradation and "why is it slow?" (JobPacing.cpp)
    void resumeLimited(Clock::time_point now);
    void checkIdleConnections(Clock::time_point now);
    Bottleneck bottleneck(Clock::time_point now) const;
    Clock::time_point m_limitedAt{}; // last time the limiter held this download back
    bool m_limitedByOwn = false;     // ... by its own limit rather than the global one
    bool m_limitedRun = false;       // ... at any time in this run
    std::int64_t m_wireBytes = 0;    // body bytes received this run, kept or not
    std::int64_t m_totalWire = 0;    // ... since added (for the snapshot)
    std::int64_t m_totalKept = 0;
    std::chrono::nanoseconds m_writeTime{0}; // spent in writes, for "disk-bound"
    std::chrono::nanoseconds m_lastWriteTime{0};
    Clock::time_point m_lastBusySample{};
    double m_diskBusy = 0; // share of wall time spent writing, smoothed

    // Degradation: the speed far below its own recent average for a while -> re-plan.
    void watchDegradation(Clock::time_point now);
    DegradationDetector m_degradation;
    Clock::time_point m_nextDegradationSample{};
    int m_replans = 0;
};

} // namespace maria2
