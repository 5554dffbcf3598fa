#pragma once
// Which engine should run a download: a pure function of the request, what the cache and the
// host profile know, each engine's load, and the machine's free CPU and memory. Every score is
// a sum of named, weighted components, so a decision can be logged with its terms and tested
// with tables. See docs/engine-routing.md for the components, their weights and why.
#include "core/cache/MetadataCache.h"
#include "core/engine/EngineProfile.h"
#include "core/hosts/HostProfile.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maria2 {

// EngineKind (what an engine is built for) comes with the engine's profile.

struct EngineStatus {
    std::string name;
    EngineKind kind = EngineKind::Generic;
    std::vector<std::string> schemes; // lower case: "http", "https", "ftp" ...
    int activeTransfers = 0;
    int capacity = 0; // most transfers it runs at once; 0 = no limit
    bool http2 = false;
    bool http3 = false;
    // It runs downloads of this host, or just did: its connections there are open (HostAffinity).
    bool warm = false;

    bool supports(std::string_view scheme) const; // case-insensitive
};

struct RouteRequest {
    std::string scheme;             // "https"; case-insensitive
    std::int64_t expectedSize = -1; // -1 = unknown (then the cache's size is used)
    int userSplit = 0;              // -s; 0 = auto
    std::string userForcedEngine;   // empty = auto
    int fileCount = 1;              // downloads arriving together from this host (1 = single)
    std::string host;               // "example.org:443", for the log line only
};

// What is known besides the request. Missing pieces are simply unknown.
struct RouteKnowledge {
    std::optional<CachedMetadata> metadata;     // MetadataCache::lookup of the URL
    std::optional<HostProfile> host;            // HostProfileBook::snapshot of its host
    std::map<std::string, double> learnerBonus; // EngineLearner::engineBonus: name -> [0,1]
};

// Free fractions, 0 (none left) .. 1 (idle).
struct ResourceHeadroom {
    double cpu = 1;
    double memory = 1;
};

// Each component's weight. Positive parts add up to 1, so a score lies in [0, 1].
struct ScorerWeights {
    double fit = 0.55;      // request shape vs engine kind: the main signal
    double protocol = 0.10; // the engine speaks the host's multiplexing HTTP version
    double history = 0.10;  // this engine's measured throughput here vs the best engine's
    double learner = 0.15;  // EngineLearner's bonus
    double user = 0.10;     // -s asks for (or against) splitting
    double load = 0.20;     // subtracted: activeTransfers / capacity
    double headroom = 0.15; // subtracted: CPU/memory scarcity x connection intensity
    double reuse = 0.15;    // the engine's connections to this host are open (warm)
};

struct ScorerConfig {
    ScorerWeights weights;
    std::int64_t smallFileBytes = 1024 * 1024;   // below: small
    std::int64_t bigFileBytes = 8 * 1024 * 1024; // at or above: big
    std::int64_t minSplitBytes = 1024 * 1024;    // no connection gets less than this
    int defaultConnections = 4; // segmented start on an unknown host; the tuner ramps from here
    int connectionCeiling = 64;
};

struct EngineScore {
    std::string name;
    EngineKind kind = EngineKind::Generic;
    bool eligible = false;               // supports the scheme
    double score = 0;                    // sum of parts, clamped to [0, 1]; 0 when not eligible
    std::map<std::string, double> parts; // weighted components ("fit", "load" ...)
    std::string note;                    // why the fit is what it is
};

struct RouteDecision {
    bool ok = false;    // false: no engine (reason says why); engine is empty
    std::string engine; // the winner's name
    double score = 0;
    std::vector<EngineScore> scores; // every engine, best first; ineligible ones last
    std::string reason;
    int recommendedConnections = 1;
    std::string host; // copied from the request, for the log line
};

class EngineScorer {
public:
    explicit EngineScorer(ScorerConfig config = {})
        : m_config(config) {}

    RouteDecision decide(const RouteRequest& request, const RouteKnowledge& knowledge,
                         const std::vector<EngineStatus>& engines,
                         const ResourceHeadroom& headroom) const;

    const ScorerConfig& config() const { return m_config; }

private:
    ScorerConfig m_config;
};

// "engine=segmented 0.82 [multiplex 0.41, bulk 0.30] host=example.org:443 connections=8
//  reason=big file (512.0 MiB), host caps each connection" (one line; "engine=none" on failure)
std::string formatDecision(const RouteDecision& decision);
// One line per engine with its parts: "segmented 0.82 = fit 0.55 + learner 0.12 - load 0.05".
std::string formatDecisionDetail(const RouteDecision& decision);

} // namespace maria2
