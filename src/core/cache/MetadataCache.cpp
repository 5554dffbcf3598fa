#include "core/cache/MetadataCache.h"

#include <curl/curl.h>

#include <iterator>
#include <limits>
#include <utility>

namespace maria2 {

HttpVersion httpVersionFromCurl(long curlHttpVersion) {
    switch (curlHttpVersion) {
    case CURL_HTTP_VERSION_1_0:
        return HttpVersion::Http1_0;
    case CURL_HTTP_VERSION_1_1:
        return HttpVersion::Http1_1;
    case CURL_HTTP_VERSION_2_0:
        return HttpVersion::Http2;
    case CURL_HTTP_VERSION_3:
        return HttpVersion::Http3;
    default:
        return HttpVersion::Unknown;
    }
}

HttpVersion httpVersionFromInt(int value) {
    switch (value) {
    case static_cast<int>(HttpVersion::Http1_0):
        return HttpVersion::Http1_0;
    case static_cast<int>(HttpVersion::Http1_1):
        return HttpVersion::Http1_1;
    case static_cast<int>(HttpVersion::Http2):
        return HttpVersion::Http2;
    case static_cast<int>(HttpVersion::Http3):
        return HttpVersion::Http3;
    default:
        return HttpVersion::Unknown;
    }
}

const char* toString(HttpVersion version) {
    switch (version) {
    case HttpVersion::Http1_0:
        return "1.0";
    case HttpVersion::Http1_1:
        return "1.1";
    case HttpVersion::Http2:
        return "2";
    case HttpVersion::Http3:
        return "3";
    case HttpVersion::Unknown:
        break;
    }
    return "?";
}

MetadataCache::MetadataCache(std::size_t capacityBytes, std::chrono::seconds ttl)
    : m_capacity(capacityBytes)
    , m_ttl(ttl) {
}

std::size_t MetadataCache::bytesFromMegabytes(std::int64_t megabytes) {
    if (megabytes <= 0) {
        return 0;
    }
    constexpr std::int64_t kMiB = 1024 * 1024;
    const auto maxMb = static_cast<std::int64_t>(std::numeric_limits<std::size_t>::max() / kMiB);
    if (megabytes > maxMb) {
        return std::numeric_limits<std::size_t>::max();
    }
    return static_cast<std::size_t>(megabytes * kMiB);
}

std::size_t MetadataCache::footprint(const std::string& url, const CachedMetadata& entry) {
    // The url is held twice: as the hash key and in the list node.
    return 2 * url.size() + entry.finalUrl.size() + entry.etag.size() + entry.lastModified.size() +
           entry.contentType.size() + entry.fileName.size() + kEntryOverhead;
}

bool MetadataCache::validatorsDiffer(const CachedMetadata& cached, const CachedMetadata& observed) {
    // Only a validator both sides know can prove a change; a response that simply leaves
    // a header out (a 304, a HEAD through a proxy) proves nothing.
    if (!cached.etag.empty() && !observed.etag.empty() && cached.etag != observed.etag) {
        return true;
    }
    if (!cached.lastModified.empty() && !observed.lastModified.empty() &&
        cached.lastModified != observed.lastModified) {
        return true;
    }
    return cached.size >= 0 && observed.size >= 0 && cached.size != observed.size;
}

bool MetadataCache::isExpired(const Node& node, Clock::time_point now) const {
    return now - node.entry.storedAt >= m_ttl;
}

void MetadataCache::removeLocked(List::iterator it) {
    m_bytes -= it->bytes;
    m_index.erase(it->url);
    m_lru.erase(it);
}

bool MetadataCache::insertLocked(const std::string& url, CachedMetadata entry,
                                 Clock::time_point now) {
    if (auto found = m_index.find(url); found != m_index.end()) {
        removeLocked(found->second);
    }
    const std::size_t bytes = footprint(url, entry);
    if (m_capacity == 0 || bytes > m_capacity) {
        return false;
    }
    entry.storedAt = now;
    m_lru.push_front(Node{url, std::move(entry), bytes});
    m_index.emplace(url, m_lru.begin());
    m_bytes += bytes;
    while (m_bytes > m_capacity) {
        removeLocked(std::prev(m_lru.end()));
        ++m_counters.evictions;
    }
    return true;
}

std::optional<CachedMetadata> MetadataCache::lookup(const std::string& url, Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    auto found = m_index.find(url);
    if (found == m_index.end()) {
        ++m_counters.misses;
        return std::nullopt;
    }
    if (isExpired(*found->second, now)) {
        removeLocked(found->second);
        ++m_counters.expirations;
        ++m_counters.misses;
        return std::nullopt;
    }
    m_lru.splice(m_lru.begin(), m_lru, found->second);
    ++m_counters.hits;
    return found->second->entry;
}

void MetadataCache::store(const std::string& url, CachedMetadata entry, Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    insertLocked(url, std::move(entry), now);
}

ObserveResult MetadataCache::observe(const std::string& url, const CachedMetadata& observed,
                                     Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    if (m_capacity == 0) {
        return ObserveResult::Ignored;
    }
    auto found = m_index.find(url);
    if (found != m_index.end() && isExpired(*found->second, now)) {
        removeLocked(found->second);
        ++m_counters.expirations;
        found = m_index.end();
    }
    if (found == m_index.end()) {
        return insertLocked(url, observed, now) ? ObserveResult::Stored : ObserveResult::Ignored;
    }
    const CachedMetadata& cached = found->second->entry;
    if (validatorsDiffer(cached, observed)) {
        // Another file now lives at this URL: nothing of the old entry may be trusted.
        ++m_counters.invalidations;
        removeLocked(found->second);
        return insertLocked(url, observed, now) ? ObserveResult::Invalidated
                                                : ObserveResult::Ignored;
    }
    // Same file: what the response shows wins, what it leaves out is kept.
    CachedMetadata merged = observed;
    auto keep = [](std::string& mine, const std::string& old) {
        if (mine.empty()) {
            mine = old;
        }
    };
    keep(merged.finalUrl, cached.finalUrl);
    keep(merged.etag, cached.etag);
    keep(merged.lastModified, cached.lastModified);
    keep(merged.contentType, cached.contentType);
    keep(merged.fileName, cached.fileName);
    if (merged.size < 0) {
        merged.size = cached.size;
    }
    if (!merged.acceptRanges) {
        merged.acceptRanges = cached.acceptRanges;
    }
    if (merged.httpVersion == HttpVersion::Unknown) {
        merged.httpVersion = cached.httpVersion;
    }
    return insertLocked(url, std::move(merged), now) ? ObserveResult::Refreshed
                                                     : ObserveResult::Ignored;
}

void MetadataCache::erase(const std::string& url) {
    const std::lock_guard lock(m_mutex);
    if (auto found = m_index.find(url); found != m_index.end()) {
        removeLocked(found->second);
    }
}

void MetadataCache::clear() {
    const std::lock_guard lock(m_mutex);
    m_lru.clear();
    m_index.clear();
    m_bytes = 0;
}

std::size_t MetadataCache::purgeExpired(Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    std::size_t removed = 0;
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        auto next = std::next(it);
        if (isExpired(*it, now)) {
            removeLocked(it);
            ++m_counters.expirations;
            ++removed;
        }
        it = next;
    }
    return removed;
}

MetadataCacheStats MetadataCache::stats() const {
    const std::lock_guard lock(m_mutex);
    MetadataCacheStats s = m_counters;
    s.entries = m_lru.size();
    s.bytes = m_bytes;
    s.capacity = m_capacity;
    return s;
}

} // namespace maria2
