#pragma once
// What we learned of one server (scheme://host:port) by watching our own transfers: how fast
// it is per connection and in total, how soon it answers, how often it fails or throttles,
// whether more connections buy more speed, which HTTP version it speaks, and how each engine
// did there. Passive only: nothing here ever sends a probe.
//
// HostProfile is a plain value (copy it freely); HostProfileBook is the thread-safe store.
#include "core/cache/MetadataCache.h" // HttpVersion

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace maria2 {

// "https://example.org:443" for any URL on that server (default port filled in, host lower
// case); nullopt when the URL does not parse or has no host.
std::optional<std::string> hostKeyFromUrl(std::string_view url);
// "example.org:443" from "https://example.org:443": the short form used in log lines.
std::string hostLabel(std::string_view hostKey);

// Connection counts are learned in power-of-two buckets 1, 2, 4, ..., 64: close counts
// behave alike, and a bounded set of buckets keeps profiles small.
inline constexpr int kMaxConnectionBucket = 64;
int connectionBucket(int connections); // largest power of two <= connections, in [1, 64]

// One finished (or failed) transfer of a download, as the engine saw it.
struct TransferObservation {
    std::string engine;      // engine name ("segmented", "multiplex", ...)
    int connections = 1;     // connections it used (at the end, or on average)
    std::int64_t bytes = 0;  // body bytes moved in this observation
    double seconds = 0;      // wall time those bytes took
    double ttfbSeconds = -1; // time to first byte; < 0 = not measured
    bool ok = true;          // false = the transfer failed
    int httpStatus = 0;      // final status; 429 and 503 count as throttling
    HttpVersion httpVersion = HttpVersion::Unknown;
    std::int64_t atUnixMs = 0; // wall clock when observed (stored, so comparable across runs)
};

// An exponentially weighted moving average with its sample count (0 samples = unknown).
struct Ewma {
    double value = 0;
    std::int64_t samples = 0;
    void add(double sample, double alpha);
};

struct EngineStats {
    Ewma throughput;           // bytes/s in total for this engine's transfers here
    std::int64_t failures = 0; // failed transfers
};

class HostProfile {
public:
    static constexpr int kJsonVersion = 1;
    // Weight of a new sample: about the last 5 transfers dominate, so a server that got
    // faster or slower is followed within a few downloads, yet one odd transfer does not
    // flip a decision.
    static constexpr double kAlpha = 0.3;
    // Transfers shorter than this measure latency, not throughput: they update the counts
    // and TTFB but not the throughput averages.
    static constexpr std::int64_t kMinThroughputBytes = 64 * 1024;
    // "More connections help" needs the best multi-connection total above this times the
    // total at the smallest count seen.
    static constexpr double kCappedRatio = 1.5;
    static constexpr std::size_t kMaxEngines = 16; // engine names kept (there are a handful)

    std::string host;             // the key: scheme://host:port
    Ewma perConnectionThroughput; // bytes/s per connection
    Ewma totalThroughput;         // bytes/s of a whole download
    Ewma ttfbSeconds;
    Ewma failureRate;           // EWMA of 1 (failed) / 0 (ok)
    std::int64_t downloads = 0; // observations recorded
    std::int64_t failures = 0;
    std::int64_t throttled = 0;   // 429/503 answers seen
    int learnedConnectionCap = 0; // from the ConnectionTuner; 0 = unknown
    int maxConcurrencyHint = 0;   // connections it tolerates without throttling; 0 = unknown
    HttpVersion httpVersion = HttpVersion::Unknown; // last seen
    std::int64_t updatedAtUnixMs = 0;
    std::map<int, Ewma> totalByConnections;     // bucket -> total bytes/s with that many
    std::map<std::string, EngineStats> engines; // engine name -> how it did here

    // Folds one observation into the profile.
    void apply(const TransferObservation& observation);

    // Does the server cap each connection, so that more connections raise the total?
    // true: the best total with at least twice the smallest connection count seen is more
    // than kCappedRatio times the total at that smallest count; false: it is not;
    // nullopt: no two such counts observed yet.
    std::optional<bool> perConnectionCapped() const;

    // Serialised form, for the session's database (see docs/engine-routing.md).
    nlohmann::json toJson() const;
    // Never throws: nullopt (and *error set, when given) for anything that is not a
    // profile this code wrote: wrong types, negative counts, rates outside [0,1], non-finite
    // numbers, unknown version, too many entries. Unknown extra fields are ignored.
    static std::optional<HostProfile> fromJson(const nlohmann::json& json,
                                               std::string* error = nullptr);
};

// host key -> HostProfile, safe to call from any thread. Bounded: past maxHosts the least
// recently touched host is forgotten.
class HostProfileBook {
public:
    explicit HostProfileBook(std::size_t maxHosts = 4096);

    // One transfer result. Also usable with the bare fields, see the overload.
    void record(const std::string& hostKey, const TransferObservation& observation);
    void record(const std::string& hostKey, const std::string& engine, int connections,
                std::int64_t bytes, double seconds, double ttfbSeconds, bool ok, int httpStatus,
                std::int64_t atUnixMs);
    // What the ConnectionTuner settled on for this host (0 = forget).
    void setLearnedCap(const std::string& hostKey, int cap);
    // Adds or replaces a whole profile (e.g. loaded from the database).
    void put(HostProfile profile);

    std::optional<HostProfile> snapshot(const std::string& hostKey) const;
    std::vector<HostProfile> all() const; // in no particular order
    std::size_t size() const;

private:
    struct Slot {
        HostProfile profile;
        std::uint64_t touched = 0;
    };
    HostProfile& touchLocked(const std::string& hostKey); // creates, evicts

    const std::size_t m_maxHosts;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Slot> m_hosts;
    std::uint64_t m_clock = 0; // a touch counter, not time: LRU needs only the order
};

} // namespace maria2
