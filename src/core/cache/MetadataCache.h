#pragma once
// What a server told us about a URL (final URL, size, ranges, validators, name, HTTP version),
// kept for a while so the scorer can route the next request for it without asking again.
// Bounded in bytes (PerformanceSettings.CacheSize), least recently used out first, each entry
// fresh for a TTL, and replaced when a newer response shows different validators.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace maria2 {

// The HTTP version a response came over. Values are stable (they are stored in JSON).
enum class HttpVersion : int {
    Unknown = 0,
    Http1_0 = 10,
    Http1_1 = 11,
    Http2 = 20,
    Http3 = 30,
};

// From CURLINFO_HTTP_VERSION's value (CURL_HTTP_VERSION_1_0 = 1, 1_1 = 2, 2_0 = 3, 3 = 30).
HttpVersion httpVersionFromCurl(long curlHttpVersion);
// From a stored integer; anything not listed above is Unknown.
HttpVersion httpVersionFromInt(int value);
// "1.1", "2", "3", "?".
const char* toString(HttpVersion version);
// HTTP/2 or later: one connection carries many streams.
inline bool isMultiplexing(HttpVersion version) {
    return version == HttpVersion::Http2 || version == HttpVersion::Http3;
}

struct CachedMetadata {
    std::string finalUrl;             // after redirects; empty = the URL itself
    std::int64_t size = -1;           // -1 = unknown
    std::optional<bool> acceptRanges; // nullopt = not known yet
    std::string etag;                 // as sent, quotes included; empty = none
    std::string lastModified;         // as sent; empty = none
    std::string contentType;          // empty = none
    std::string fileName;             // from Content-Disposition or the final URL
    HttpVersion httpVersion = HttpVersion::Unknown;
    std::chrono::steady_clock::time_point storedAt{}; // set by store()/observe()
};

struct MetadataCacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;        // absent or expired
    std::uint64_t evictions = 0;     // pushed out to stay within the byte budget
    std::uint64_t expirations = 0;   // found past their TTL (also counted as misses)
    std::uint64_t invalidations = 0; // replaced because a response showed other validators
    std::size_t entries = 0;
    std::size_t bytes = 0;    // approximate footprint of all entries
    std::size_t capacity = 0; // the byte budget; 0 = disabled
};

// What observe() did with a response.
enum class ObserveResult {
    Stored,      // nothing fresh was cached: stored as new
    Refreshed,   // same validators: merged into the entry, TTL restarted
    Invalidated, // validators differ: the old entry was dropped and replaced
    Ignored,     // cache disabled, or the entry alone is bigger than the budget
};

class MetadataCache {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kDefaultTtl{600};
    // Per-entry bookkeeping on top of the strings: list node, hash node, the struct itself.
    // An estimate, not a measurement; it only has to keep the budget honest within ~2x.
    static constexpr std::size_t kEntryOverhead = 256;

    // capacityBytes = 0 disables the cache: nothing is stored, every lookup misses.
    explicit MetadataCache(std::size_t capacityBytes, std::chrono::seconds ttl = kDefaultTtl);

    // PerformanceSettings.CacheSize (MB) to a byte budget; negative counts as 0.
    static std::size_t bytesFromMegabytes(std::int64_t megabytes);
    // The approximate memory one entry holds (strings' sizes + kEntryOverhead).
    static std::size_t footprint(const std::string& url, const CachedMetadata& entry);

    // A copy of the entry when it is fresh (stored less than TTL ago). An expired entry is
    // removed and counts as a miss. A hit makes the entry most recently used.
    std::optional<CachedMetadata> lookup(const std::string& url, Clock::time_point now);

    // Stores (or overwrites) the entry for url, stamped with now. Evicts least recently used
    // entries until the total fits the budget; an entry bigger than the budget is not stored.
    void store(const std::string& url, CachedMetadata entry, Clock::time_point now);

    // A fresh response for url. If the cached entry's ETag, Last-Modified or size differ
    // from the response's (a field the response does not show is not a difference), the
    // entry is invalidated and replaced by the response. If they agree, fields the response
    // leaves unknown are kept from the cached entry and the TTL restarts.
    ObserveResult observe(const std::string& url, const CachedMetadata& observed,
                          Clock::time_point now);

    void erase(const std::string& url);
    void clear();
    // Removes every expired entry; returns how many.
    std::size_t purgeExpired(Clock::time_point now);

    MetadataCacheStats stats() const;
    std::size_t capacity() const { return m_capacity; }
    std::chrono::seconds ttl() const { return m_ttl; }

    // True when the two differ in a validator both of them know (ETag, Last-Modified, size).
    static bool validatorsDiffer(const CachedMetadata& cached, const CachedMetadata& observed);

private:
    struct Node {
        std::string url;
        CachedMetadata entry;
        std::size_t bytes = 0;
    };
    using List = std::list<Node>; // front = most recently used

    bool isExpired(const Node& node, Clock::time_point now) const;
    void removeLocked(List::iterator it);
    // Inserts at the front (replacing any entry for the same url) and evicts to fit.
    bool insertLocked(const std::string& url, CachedMetadata entry, Clock::time_point now);

    const std::size_t m_capacity;
    const std::chrono::seconds m_ttl;
    mutable std::mutex m_mutex;
    List m_lru;
    std::unordered_map<std::string, List::iterator> m_index;
    std::size_t m_bytes = 0;
    MetadataCacheStats m_counters; // entries/bytes/capacity filled in by stats()
};

} // namespace maria2
