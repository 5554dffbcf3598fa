#pragma once
// Plain values shared by the engine and its front ends: ids, states, requests, snapshots.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace maria2 {

using DownloadId = std::uint64_t;

// What a person sees. Kept small and honest: a slow but live transfer is Downloading,
// never Failed.
enum class DownloadState {
    Queued,      // waiting for a slot
    Connecting,  // request sent, no body bytes yet
    Downloading, // body bytes flowing
    Stalled,     // connected, but no bytes for a while (still trying; not failed)
    Retrying,    // a transient failure; next attempt at nextRetryAt
    Paused,      // by the user, or interrupted by shutdown (resumable)
    Verifying,   // all bytes here; checking the checksum
    Completed,   // renamed to its final name
    LinkExpired, // the server now answers with something that is not the file (a login or
                 // error page): bytes kept, give it a fresh URL
    FileChanged, // the file on the server is not the one we have bytes of: bytes kept
    Failed,      // gave up; see error
    Removed,     // taken off the list
};

const char* toString(DownloadState state);
bool isFinal(DownloadState state);  // Completed, Failed, Removed
bool isActive(DownloadState state); // Connecting, Downloading, Stalled
// Holds a download slot: active, Retrying or Verifying.
bool isBusy(DownloadState state);
// Waiting for a person: LinkExpired, FileChanged (bytes kept, resumable by them).
bool needsAttention(DownloadState state);

// aria2's exit codes (docs/exit-codes.md). Values are stable: scripts depend on them.
enum class ErrorCode : int {
    Ok = 0,
    Unknown = 1,
    Timeout = 2,
    NotFound = 3,
    TooManyNotFound = 4,
    TooSlow = 5,
    Network = 6,
    Unfinished = 7,
    ResumeUnsupported = 8,
    DiskFull = 9,
    FileExists = 13,
    RenameFailed = 14,
    CannotOpenFile = 15,
    CannotCreateFile = 16,
    FileIo = 17,
    CannotCreateDir = 18,
    NameResolution = 19,
    FtpCommand = 21,
    BadHttpResponse = 22,
    TooManyRedirects = 23,
    AuthFailed = 24,
    BadOption = 28,
    ServerOverloaded = 29,
    ChecksumMismatch = 32,
};

const char* describe(ErrorCode code); // short English phrase, e.g. "resource not found"
// Worth trying the whole download again later (network, timeouts, overloaded servers), as
// opposed to failures that another try cannot fix (not found, disk full, bad checksum).
bool isTransient(ErrorCode code);

// "Why is it slow?": what holds a download back right now. One value, the most specific known.
enum class Bottleneck {
    None,            // not running and not waiting (finished, paused, failed)
    Network,         // nothing of ours limits it: the path to the server does
    ServerCap,       // the server caps each connection and we use as many as it tolerates
    SpeedLimit,      // the global speed limit (user's, a time window's or the governor's)
    DownloadLimit,   // this download's own speed limit
    ThrottledCpu,    // the governor cut back: CPU above its threshold
    ThrottledMemory, // the governor cut back: memory above its threshold
    DiskBound,       // writing to disk takes most of the time
    DiskFull,        // paused: its volume is below the free-space floor
    WaitingSlot,     // queued: MaxConcurrentDownloads are running
    WaitingHost,     // queued: its host's limit on simultaneous downloads is reached
    WaitingWindow,   // queued: outside the time windows
    WaitingRetry,    // queued or retrying: the next attempt is due later
};
// A speed limit (global or the download's own) holds it back: its speed says nothing of the
// network or the server.
inline bool heldBySpeedLimit(Bottleneck b) {
    return b == Bottleneck::SpeedLimit || b == Bottleneck::DownloadLimit;
}
const char* toString(Bottleneck bottleneck); // stable token: "speed-limit", "network"
const char* describe(Bottleneck bottleneck); // for people: "speed limit", "waiting for a slot"

struct DownloadRequest {
    std::string url;
    std::string directory;            // target folder (created if missing)
    std::string fileName;             // -o; empty = from the server / URL
    std::vector<std::string> headers; // extra "Name: value" request headers
    std::string userAgent;            // empty = config default
    std::string referer;
    bool allowOverwrite = false;
    bool continuePartial = true; // -c: resume an existing NAME.part
    // maria2c -c: an existing NAME without NAME.part is a partial download left by another tool
    // (aria2c, wget and curl read -c so) and is continued. Never set by the desktop app: a file
    // that merely has the same name must not be taken for a prefix of this one.
    bool continueExistingFile = false;
    // fileName and its NAME.part are this download's from an earlier run (the Session restores
    // it from its database): the name is claimed when the download is added, before it starts,
    // so no other download can take that name or adopt that part file first.
    bool ownsKnownName = false;
    bool startPaused = false;
    int split = 0;                   // -s: connections for this download; 0 = config
    int maxConnectionsPerServer = 0; // -x: 0 = config
    std::int64_t minSplitSize = 0;   // -k: bytes; 0 = config
    std::string engine;              // --engine: force this engine of the pool; empty = auto
    // Set by the router: the host is known to cap each connection, so split at the first
    // byte instead of measuring the first connection for a moment.
    bool splitAtOnce = false;
    // "sha-256=HEX" (also md5, sha-1, sha-512); "auto" = a NAME.sha256 or SHA256SUMS published
    // beside the URL, when there is one; empty = none
    std::string checksum;
    std::int64_t maxSpeed = 0; // --max-download-limit: B/s for this download, 0 = only global
    // Set by the router from the host's measured latency and speed (0 = the config's values):
    int connectTimeoutSeconds = 0;
    std::int64_t lowSpeedLimitBytes = 0;
    int lowSpeedTimeSeconds = 0;
};

// A value copy of one download's state, safe to hand to any thread.
struct DownloadSnapshot {
    DownloadId id = 0;
    DownloadState state = DownloadState::Queued;
    std::string url; // as given (credentials redacted)
    std::string directory;
    std::string fileName;         // final name (once known), without .part
    std::string filePath;         // where the finished file is / will be
    std::int64_t totalBytes = -1; // -1 = unknown
    std::int64_t doneBytes = 0;
    double speedBytesPerSec = 0; // smoothed
    double etaSeconds = -1;      // -1 = unknown
    int connections = 0;
    std::string checksum;            // as requested, for display
    int attempt = 0;                 // tries so far
    std::int64_t nextRetryInMs = -1; // when Retrying
    ErrorCode error = ErrorCode::Ok;
    std::string errorMessage;   // human readable, names the cause
    std::int64_t addedAtMs = 0; // unix epoch ms
    int pushbacks = 0;          // this run: 429/503 answers and connections reset mid-transfer
    std::string engine;         // the engine of the pool it runs on
    std::string route;          // the router's decision, e.g. "segmented 0.82 [multiplex 0.41]"
    Bottleneck bottleneck = Bottleneck::None;
    std::int64_t maxSpeed = 0;      // this download's own limit, B/s (0 = none)
    std::int64_t receivedBytes = 0; // body bytes received this run, kept or not (efficiency)
    std::int64_t keptBytes = 0;     // of those, written to the file
    int replans = 0;                // times it was re-planned after its speed degraded
};

// One connection of a running download, for the details pane.
struct ConnectionDetail {
    int number = 0;              // as in the log: "connection 7: GET bytes ..."
    std::int64_t rangeStart = 0; // first byte of its range
    std::int64_t rangeEnd = -1;  // one past its last byte; -1 = to the end (size unknown)
    std::int64_t position = 0;   // the next byte it writes (rangeStart + bytes written)
    double speedBytesPerSec = 0; // its own, smoothed
    std::string remote;          // the server's address it is connected to ("203.0.113.5:443")
    bool racing = false;         // an endgame duplicate of a range another connection holds
    bool paused = false;         // held by a speed limit at this moment
};

// An engine's score for a download, with its weighted parts (EngineScorer).
struct EngineScoreDetail {
    std::string engine;
    double score = 0;
    bool eligible = false;
    std::vector<std::pair<std::string, double>> parts; // ("fit", 0.55), ("load", -0.05) ...
    std::string note;                                  // why the fit is what it is
};

// What the details pane shows of one download: asked for (Session::requestDetails), not pushed.
struct DownloadDetails {
    DownloadId id = 0; // 0 = unknown download
    std::int64_t totalBytes = -1;
    // Bytes on disk, as sorted, disjoint [begin, end) ranges of the file.
    std::vector<std::pair<std::int64_t, std::int64_t>> doneRanges;
    std::vector<ConnectionDetail> connections; // open ones, by rangeStart
    std::string engine;                        // the engine it runs on
    std::string route;                         // the router's one-line decision
    std::string routeReason;                   // why (e.g. "big file, host caps each connection")
    std::vector<EngineScoreDetail> scores;     // every engine, best first
    std::vector<std::string> logLines;         // its own recent log lines, oldest first
};

} // namespace maria2
