// Unit tests for maria2::MetadataCache: byte-bounded LRU with TTL, invalidation by changed
// validators, counters, and thread safety. Time is synthetic: nothing sleeps.
#include "core/cache/MetadataCache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using maria2::CachedMetadata;
using maria2::HttpVersion;
using maria2::MetadataCache;
using maria2::ObserveResult;
using std::chrono::seconds;

namespace {

MetadataCache::Clock::time_point at(int s) {
    return MetadataCache::Clock::time_point{} + seconds(s);
}

CachedMetadata entry(std::int64_t size = 1000, std::string etag = "\"v1\"",
                     std::string lastModified = "Mon, 01 Jan 2024 00:00:00 GMT") {
    CachedMetadata e;
    e.finalUrl = "https://cdn.example.org/file.bin";
    e.size = size;
    e.acceptRanges = true;
    e.etag = std::move(etag);
    e.lastModified = std::move(lastModified);
    e.contentType = "application/octet-stream";
    e.fileName = "file.bin";
    e.httpVersion = HttpVersion::Http2;
    return e;
}

const std::string kUrl = "https://example.org/file.bin";

} // namespace

TEST(MetadataCache, MissThenHitReturnsTheStoredCopy) {
    MetadataCache cache(1 << 20);
    EXPECT_FALSE(cache.lookup(kUrl, at(0)).has_value());
    cache.store(kUrl, entry(), at(0));
    const auto got = cache.lookup(kUrl, at(1));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size, 1000);
    EXPECT_EQ(got->etag, "\"v1\"");
    EXPECT_EQ(got->acceptRanges, true);
    EXPECT_EQ(got->httpVersion, HttpVersion::Http2);
    EXPECT_EQ(got->storedAt, at(0));
    const auto s = cache.stats();
    EXPECT_EQ(s.hits, 1u);
    EXPECT_EQ(s.misses, 1u);
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.bytes, MetadataCache::footprint(kUrl, entry()));
}

TEST(MetadataCache, KeysAreExactStrings) {
    MetadataCache cache(1 << 20);
    cache.store(kUrl, entry(), at(0));
    EXPECT_FALSE(cache.lookup(kUrl + "?", at(0)).has_value());
    EXPECT_FALSE(cache.lookup("HTTPS://example.org/file.bin", at(0)).has_value());
    EXPECT_TRUE(cache.lookup(kUrl, at(0)).has_value());
}

TEST(MetadataCache, ExpiredEntryIsRemovedAndCountsAsMiss) {
    MetadataCache cache(1 << 20, seconds(600));
    cache.store(kUrl, entry(), at(0));
    EXPECT_TRUE(cache.lookup(kUrl, at(599)).has_value());
    EXPECT_FALSE(cache.lookup(kUrl, at(600)).has_value());
    const auto s = cache.stats();
    EXPECT_EQ(s.hits, 1u);
    EXPECT_EQ(s.misses, 1u);
    EXPECT_EQ(s.expirations, 1u);
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
}

TEST(MetadataCache, DefaultTtlIsTenMinutes) {
    MetadataCache cache(1 << 20);
    EXPECT_EQ(cache.ttl(), seconds(600));
}

TEST(MetadataCache, ZeroCapacityStoresNothing) {
    MetadataCache cache(0);
    cache.store(kUrl, entry(), at(0));
    EXPECT_FALSE(cache.lookup(kUrl, at(0)).has_value());
    EXPECT_EQ(cache.observe(kUrl, entry(), at(0)), ObserveResult::Ignored);
    const auto s = cache.stats();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.misses, 1u);
}

TEST(MetadataCache, BytesFromMegabytes) {
    EXPECT_EQ(MetadataCache::bytesFromMegabytes(0), 0u);
    EXPECT_EQ(MetadataCache::bytesFromMegabytes(-5), 0u);
    EXPECT_EQ(MetadataCache::bytesFromMegabytes(1024), std::size_t{1024} * 1024 * 1024);
}

TEST(MetadataCache, FootprintGrowsWithStrings) {
    CachedMetadata small = entry();
    CachedMetadata big = entry();
    big.fileName = std::string(1000, 'x');
    EXPECT_EQ(MetadataCache::footprint(kUrl, big) - MetadataCache::footprint(kUrl, small),
              1000u - small.fileName.size());
    EXPECT_GE(MetadataCache::footprint("", CachedMetadata{}), MetadataCache::kEntryOverhead);
}

TEST(MetadataCache, EvictsLeastRecentlyUsedToStayWithinBytes) {
    const std::size_t one = MetadataCache::footprint("https://a/1", entry());
    MetadataCache cache(3 * one); // room for exactly three same-sized entries
    cache.store("https://a/1", entry(), at(0));
    cache.store("https://a/2", entry(), at(0));
    cache.store("https://a/3", entry(), at(0));
    ASSERT_TRUE(cache.lookup("https://a/1", at(1)).has_value()); // 1 is now most recent
    cache.store("https://a/4", entry(), at(2));                  // evicts 2, the oldest use

    EXPECT_TRUE(cache.lookup("https://a/1", at(3)).has_value());
    EXPECT_FALSE(cache.lookup("https://a/2", at(3)).has_value());
    EXPECT_TRUE(cache.lookup("https://a/3", at(3)).has_value());
    EXPECT_TRUE(cache.lookup("https://a/4", at(3)).has_value());
    const auto s = cache.stats();
    EXPECT_EQ(s.evictions, 1u);
    EXPECT_EQ(s.entries, 3u);
    EXPECT_LE(s.bytes, s.capacity);
}

TEST(MetadataCache, ABigEntryEvictsSeveralSmallOnes) {
    const std::size_t one = MetadataCache::footprint("https://a/1", entry());
    MetadataCache cache(4 * one);
    for (int i = 1; i <= 4; ++i) {
        cache.store("https://a/" + std::to_string(i), entry(), at(0));
    }
    CachedMetadata big = entry();
    big.fileName = std::string(2 * one, 'n'); // needs more than two small entries' room
    cache.store("https://a/9", big, at(1));
    const auto s = cache.stats();
    EXPECT_EQ(s.evictions, 3u);
    EXPECT_LE(s.bytes, s.capacity);
    EXPECT_TRUE(cache.lookup("https://a/9", at(1)).has_value());
    EXPECT_TRUE(cache.lookup("https://a/4", at(1)).has_value()); // the most recent survives
}

TEST(MetadataCache, EntryLargerThanBudgetIsNotStored) {
    MetadataCache cache(MetadataCache::kEntryOverhead + 100);
    CachedMetadata huge = entry();
    huge.fileName = std::string(10000, 'h');
    cache.store(kUrl, huge, at(0));
    EXPECT_FALSE(cache.lookup(kUrl, at(0)).has_value());
    EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(MetadataCache, StoreOverwritesWithoutDoubleCounting) {
    MetadataCache cache(1 << 20);
    cache.store(kUrl, entry(1000), at(0));
    cache.store(kUrl, entry(2000), at(5));
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().bytes, MetadataCache::footprint(kUrl, entry(2000)));
    EXPECT_EQ(cache.lookup(kUrl, at(6))->size, 2000);
    EXPECT_EQ(cache.lookup(kUrl, at(6))->storedAt, at(5));
}

TEST(MetadataCache, ObserveStoresWhenAbsent) {
    MetadataCache cache(1 << 20);
    EXPECT_EQ(cache.observe(kUrl, entry(), at(0)), ObserveResult::Stored);
    EXPECT_TRUE(cache.lookup(kUrl, at(1)).has_value());
    EXPECT_EQ(cache.stats().invalidations, 0u);
}

// Which response differences invalidate, and which do not.
struct ObserveCase {
    const char* name;
    CachedMetadata observed;
    ObserveResult expected;
};

TEST(MetadataCache, ObserveInvalidatesOnChangedValidatorsOnly) {
    CachedMetadata noValidators;
    noValidators.contentType = "text/plain"; // shows nothing about identity
    const std::vector<ObserveCase> cases = {
        {"same validators", entry(), ObserveResult::Refreshed},
        {"other etag", entry(1000, "\"v2\""), ObserveResult::Invalidated},
        {"other last-modified", entry(1000, "\"v1\"", "Tue, 02 Jan 2024 00:00:00 GMT"),
         ObserveResult::Invalidated},
        {"other size", entry(1001), ObserveResult::Invalidated},
        {"size unknown in response", entry(-1), ObserveResult::Refreshed},
        {"etag missing in response", entry(1000, ""), ObserveResult::Refreshed},
        {"response shows no validators", noValidators, ObserveResult::Refreshed},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        MetadataCache cache(1 << 20);
        cache.store(kUrl, entry(), at(0));
        EXPECT_EQ(cache.observe(kUrl, c.observed, at(10)), c.expected);
        EXPECT_EQ(cache.stats().invalidations, c.expected == ObserveResult::Invalidated ? 1u : 0u);
        const auto got = cache.lookup(kUrl, at(11));
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->storedAt, at(10));
    }
}

TEST(MetadataCache, InvalidationReplacesEverything) {
    MetadataCache cache(1 << 20);
    cache.store(kUrl, entry(), at(0));
    CachedMetadata changed;
    changed.size = 5000;
    changed.etag = "\"v2\"";
    ASSERT_EQ(cache.observe(kUrl, changed, at(1)), ObserveResult::Invalidated);
    const auto got = cache.lookup(kUrl, at(2));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size, 5000);
    EXPECT_EQ(got->etag, "\"v2\"");
    EXPECT_TRUE(got->fileName.empty()); // the old file's name is not carried over
    EXPECT_FALSE(got->acceptRanges.has_value());
}

TEST(MetadataCache, RefreshKeepsWhatTheResponseLeftOut) {
    MetadataCache cache(1 << 20);
    cache.store(kUrl, entry(), at(0));
    CachedMetadata partial;
    partial.etag = "\"v1\"";
    partial.contentType = "application/zip";
    ASSERT_EQ(cache.observe(kUrl, partial, at(500)), ObserveResult::Refreshed);
    const auto got = cache.lookup(kUrl, at(900)); // fresh: the TTL restarted at 500
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->contentType, "application/zip");
    EXPECT_EQ(got->size, 1000);
    EXPECT_EQ(got->fileName, "file.bin");
    EXPECT_EQ(got->acceptRanges, true);
    EXPECT_EQ(got->httpVersion, HttpVersion::Http2);
}

TEST(MetadataCache, ObserveAfterExpiryIsAFreshStoreNotAnInvalidation) {
    MetadataCache cache(1 << 20, seconds(60));
    cache.store(kUrl, entry(), at(0));
    EXPECT_EQ(cache.observe(kUrl, entry(999, "\"other\""), at(120)), ObserveResult::Stored);
    EXPECT_EQ(cache.stats().invalidations, 0u);
    EXPECT_EQ(cache.stats().expirations, 1u);
}

TEST(MetadataCache, PurgeExpiredAndErase) {
    MetadataCache cache(1 << 20, seconds(60));
    cache.store("https://a/1", entry(), at(0));
    cache.store("https://a/2", entry(), at(30));
    cache.store("https://a/3", entry(), at(30));
    EXPECT_EQ(cache.purgeExpired(at(61)), 1u);
    EXPECT_EQ(cache.stats().entries, 2u);
    cache.erase("https://a/2");
    EXPECT_EQ(cache.stats().entries, 1u);
    cache.clear();
    EXPECT_EQ(cache.stats().entries, 0u);
    EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(MetadataCache, HttpVersionConversions) {
    EXPECT_EQ(maria2::httpVersionFromCurl(2), HttpVersion::Http1_1); // CURL_HTTP_VERSION_1_1
    EXPECT_EQ(maria2::httpVersionFromCurl(3), HttpVersion::Http2);   // CURL_HTTP_VERSION_2_0
    EXPECT_EQ(maria2::httpVersionFromCurl(30), HttpVersion::Http3);
    EXPECT_EQ(maria2::httpVersionFromCurl(0), HttpVersion::Unknown);
    EXPECT_EQ(maria2::httpVersionFromInt(20), HttpVersion::Http2);
    EXPECT_EQ(maria2::httpVersionFromInt(7), HttpVersion::Unknown);
    EXPECT_STREQ(maria2::toString(HttpVersion::Http1_1), "1.1");
    EXPECT_TRUE(maria2::isMultiplexing(HttpVersion::Http3));
    EXPECT_FALSE(maria2::isMultiplexing(HttpVersion::Http1_1));
}

TEST(MetadataCache, ConcurrentUseStaysConsistent) {
    const std::size_t one = MetadataCache::footprint("https://t/0/000", entry());
    MetadataCache cache(50 * one);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 500; ++i) {
                char url[32];
                std::snprintf(url, sizeof url, "https://t/%d/%03d", t, i % 100);
                cache.store(url, entry(i), at(i));
                (void)cache.lookup(url, at(i));
                (void)cache.observe(url, entry(i + 1), at(i));
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    const auto s = cache.stats();
    EXPECT_LE(s.bytes, s.capacity);
    EXPECT_LE(s.entries, 50u);
    EXPECT_EQ(s.hits + s.misses, 2000u);
    EXPECT_GT(s.evictions, 0u);
}
