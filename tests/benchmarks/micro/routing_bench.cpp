// BM_Routing_* and BM_Cache_*: what the pool pays per added download to choose an engine
// (EngineScorer::decide over the default engines, src/core/routing) and to look a URL up in
// the MetadataCache (src/core/cache). The inputs are built the way EnginePool builds them
// (EnginePool::decide): engine statuses from defaultEngineProfiles, a host profile folded from
// observed transfers, the learner's bonus from recorded pulls. The libcurl capabilities and
// the core count are fixed here, not read from the machine, so every machine scores the same
// four engines.
#include "core/cache/MetadataCache.h"
#include "core/config/Config.h"
#include "core/hosts/HostProfile.h"
#include "core/pool/EnginePool.h"
#include "core/routing/EngineLearner.h"
#include "core/routing/EngineScorer.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace maria2 {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kHost = "https://downloads.example.org:443";

// multiplex, segmented, bulk, generic: what a pool on a 2-core machine with an HTTP/2 libcurl
// runs, with a little load on each.
std::vector<EngineStatus> defaultEngines() {
    CurlCapabilities caps;
    caps.version = "8.0.0";
    caps.http2 = true;
    caps.protocols = {"ftp", "ftps", "http", "https", "sftp"};
    std::vector<EngineStatus> out;
    int load = 1;
    for (const EngineProfile& p : defaultEngineProfiles(caps, 2)) {
        EngineStatus s;
        s.name = p.name;
        s.kind = p.kind;
        s.schemes = p.schemes;
        s.activeTransfers = load++;
        s.capacity = p.capacity;
        s.http2 = p.multiplex;
        out.push_back(std::move(s));
    }
    return out;
}

ScorerConfig poolScorerConfig() { // as EnginePool's constructor with the default config
    const Config config;
    ScorerConfig s;
    s.connectionCeiling = config.download.connectionCeiling;
    s.defaultConnections = std::min(config.download.split, config.download.connectionCeiling);
    s.minSplitBytes = config.download.minSplitSize;
    return s;
}

// A server seen a dozen times: per-connection capped (more connections gave more speed),
// HTTP/2, one throttled answer, segmented and multiplex both tried.
RouteKnowledge knownHost() {
    HostProfile profile;
    profile.host = kHost;
    const int counts[] = {1, 2, 4, 8, 8, 16, 16, 8, 4, 8, 16, 8};
    std::int64_t at = 1'700'000'000'000;
    for (int i = 0; i < 12; ++i) {
        TransferObservation o;
        o.engine = i % 3 == 0 ? "multiplex" : "segmented";
        o.connections = counts[i];
        o.bytes = std::int64_t{512} << 20;
        o.seconds = 40.0 / std::min(counts[i], 8) + i * 0.1;
        o.ttfbSeconds = 0.08 + 0.01 * i;
        o.ok = i != 5;
        o.httpStatus = i == 7 ? 503 : 206;
        o.httpVersion = HttpVersion::Http2;
        o.atUnixMs = at += 60'000;
        profile.apply(o);
    }
    EngineLearner learner;
    const auto now = Clock::now();
    learner.record(kHost, {"segmented", 8}, 96e6, now);
    learner.record(kHost, {"segmented", 16}, 110e6, now);
    learner.record(kHost, {"multiplex", 4}, 40e6, now);
    learner.record(kHost, {"bulk", 1}, 12e6, now);

    RouteKnowledge k;
    CachedMetadata m;
    m.finalUrl = "https://cdn.example.org/releases/2024/big-image-x86_64.iso";
    m.size = std::int64_t{4} << 30;
    m.acceptRanges = true;
    m.etag = "\"5f3c-61a8b2c4d5e6f\"";
    m.lastModified = "Tue, 12 Mar 2024 10:15:00 GMT";
    m.contentType = "application/x-iso9660-image";
    m.fileName = "big-image-x86_64.iso";
    m.httpVersion = HttpVersion::Http2;
    k.metadata = m;
    k.host = profile;
    k.learnerBonus = learner.engineBonus(kHost);
    return k;
}

RouteRequest request() {
    RouteRequest r;
    r.scheme = "https";
    r.host = hostLabel(kHost);
    return r;
}

void runScore(benchmark::State& state, const RouteKnowledge& k) {
    const EngineScorer scorer(poolScorerConfig());
    const RouteRequest r = request();
    const std::vector<EngineStatus> engines = defaultEngines();
    for (auto _ : state) {
        RouteDecision d = scorer.decide(r, k, engines, {0.8, 0.9});
        if (!d.ok) {
            state.SkipWithError(("no engine chosen: " + d.reason).c_str());
            break;
        }
        benchmark::DoNotOptimize(d);
    }
}

// A host seen before, with its URL in the cache: the usual case for a repeated download.
void BM_Routing_ScoreKnownHost(benchmark::State& state) {
    runScore(state, knownHost());
}
BENCHMARK(BM_Routing_ScoreKnownHost);

// Nothing known: a first download from a new host.
void BM_Routing_ScoreNewHost(benchmark::State& state) {
    runScore(state, RouteKnowledge{});
}
BENCHMARK(BM_Routing_ScoreNewHost);

std::string cachedUrl(int i) {
    return "https://cdn" + std::to_string(i % 97) + ".example.org/releases/" + std::to_string(i) +
           "/package-" + std::to_string(i) + "-x86_64.tar.xz";
}

CachedMetadata metadataFor(int i) {
    CachedMetadata m;
    m.size = 1'000'000 + i;
    m.acceptRanges = true;
    m.etag = "\"" + std::to_string(i * 7919) + "-abcdef\"";
    m.lastModified = "Tue, 12 Mar 2024 10:15:00 GMT";
    m.contentType = "application/x-xz";
    m.fileName = "package-" + std::to_string(i) + "-x86_64.tar.xz";
    m.httpVersion = HttpVersion::Http1_1;
    return m;
}

// A cache of 16 MiB (the default is 1 GiB; smaller keeps the set-up short, and a look-up's cost
// does not depend on the budget) stored until it evicts: full. Returns the URLs it still holds.
std::vector<std::string> fill(MetadataCache& cache, Clock::time_point now) {
    std::vector<std::string> urls;
    for (int i = 0; cache.stats().evictions == 0; ++i) {
        urls.push_back(cachedUrl(i));
        cache.store(urls.back(), metadataFor(i), now);
    }
    const auto evicted = static_cast<std::ptrdiff_t>(cache.stats().evictions);
    urls.erase(urls.begin(), urls.begin() + evicted); // least recently used went first
    return urls;
}

constexpr std::size_t kCacheBytes = 16u << 20;

// Hits in an order that jumps around the cache (a fixed stride through the held URLs), as
// look-ups come in practice: one per added download, rarely the same URL twice in a row.
void BM_Cache_LookupHit(benchmark::State& state) {
    MetadataCache cache(kCacheBytes);
    const auto now = Clock::now();
    const std::vector<std::string> urls = fill(cache, now);
    std::size_t i = 0;
    for (auto _ : state) {
        i = (i + 7919) % urls.size();
        auto hit = cache.lookup(urls[i], now);
        if (!hit) {
            state.SkipWithError("a stored URL missed");
            break;
        }
        benchmark::DoNotOptimize(hit);
    }
    state.counters["entries"] = static_cast<double>(cache.stats().entries);
}
BENCHMARK(BM_Cache_LookupHit);

void BM_Cache_LookupMiss(benchmark::State& state) {
    MetadataCache cache(kCacheBytes);
    const auto now = Clock::now();
    const std::vector<std::string> urls = fill(cache, now);
    // As many as are stored, visited in the same order as the hits: the same memory traffic.
    std::vector<std::string> absent;
    for (std::size_t k = 0; k < urls.size(); ++k) {
        absent.push_back(urls[k] + "?never-stored");
    }
    std::size_t i = 0;
    for (auto _ : state) {
        i = (i + 7919) % absent.size();
        auto miss = cache.lookup(absent[i], now);
        if (miss) {
            state.SkipWithError("an absent URL hit");
            break;
        }
        benchmark::DoNotOptimize(miss);
    }
    state.counters["entries"] = static_cast<double>(cache.stats().entries);
}
BENCHMARK(BM_Cache_LookupMiss);

} // namespace
} // namespace maria2
