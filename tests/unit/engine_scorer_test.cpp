// Unit tests for maria2::EngineScorer: the routing rules as a table (request shape + what is
// known -> engine), then the pieces: exclusion, forcing, load, headroom, history, learner,
// recommended connections, and the log line.
#include "core/routing/EngineScorer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using maria2::CachedMetadata;
using maria2::EngineKind;
using maria2::EngineScorer;
using maria2::EngineStatus;
using maria2::HostProfile;
using maria2::HttpVersion;
using maria2::ResourceHeadroom;
using maria2::RouteDecision;
using maria2::RouteKnowledge;
using maria2::RouteRequest;
using maria2::TransferObservation;

namespace {

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * 1024;

EngineStatus engine(std::string name, EngineKind kind, std::vector<std::string> schemes,
                    int capacity, bool h2 = false, bool h3 = false) {
    EngineStatus e;
    e.name = std::move(name);
    e.kind = kind;
    e.schemes = std::move(schemes);
    e.capacity = capacity;
    e.http2 = h2;
    e.http3 = h3;
    return e;
}

std::vector<EngineStatus> pool() {
    return {
        engine("multiplex", EngineKind::Multiplex, {"http", "https"}, 8, true, true),
        engine("segmented", EngineKind::Segmented, {"http", "https"}, 8),
        engine("bulk", EngineKind::Bulk, {"http", "https"}, 16),
        engine("generic", EngineKind::Generic, {"http", "https", "ftp", "ftps", "sftp"}, 4),
    };
}

RouteRequest request(std::string scheme, std::int64_t size, int fileCount = 1) {
    RouteRequest r;
    r.scheme = std::move(scheme);
    r.expectedSize = size;
    r.fileCount = fileCount;
    r.host = "example.org:443";
    return r;
}

TransferObservation observed(int connections, double totalBytesPerSec, std::string engine) {
    TransferObservation o;
    o.engine = std::move(engine);
    o.connections = connections;
    o.bytes = 64 * kMiB;
    o.seconds = static_cast<double>(o.bytes) / totalBytesPerSec;
    return o;
}

// A host where 8 connections made 7x what one did.
HostProfile cappedHost() {
    HostProfile p;
    p.host = "https://example.org:443";
    p.apply(observed(1, 1e6, "segmented"));
    p.apply(observed(8, 7e6, "segmented"));
    return p;
}

// A host where 8 connections made no more than one.
HostProfile uncappedHttp2Host() {
    HostProfile p;
    p.host = "https://example.org:443";
    p.apply(observed(1, 10e6, "segmented"));
    p.apply(observed(8, 10.5e6, "segmented"));
    p.httpVersion = HttpVersion::Http2;
    return p;
}

HostProfile http2Host() {
    HostProfile p;
    p.host = "https://example.org:443";
    p.httpVersion = HttpVersion::Http2;
    return p;
}

CachedMetadata metadata(std::int64_t size, std::optional<bool> ranges, HttpVersion version) {
    CachedMetadata m;
    m.size = size;
    m.acceptRanges = ranges;
    m.httpVersion = version;
    return m;
}

RouteKnowledge know(std::optional<CachedMetadata> m, std::optional<HostProfile> h = {},
                    std::map<std::string, double> bonus = {}) {
    RouteKnowledge k;
    k.metadata = std::move(m);
    k.host = std::move(h);
    k.learnerBonus = std::move(bonus);
    return k;
}

RouteRequest withSplit(RouteRequest r, int split) {
    r.userSplit = split;
    return r;
}

RouteRequest forced(RouteRequest r, std::string engineName) {
    r.userForcedEngine = std::move(engineName);
    return r;
}

std::vector<EngineStatus> busy(std::vector<EngineStatus> engines, const std::string& name) {
    for (auto& e : engines) {
        if (e.name == name) {
            e.activeTransfers = e.capacity;
        }
    }
    return engines;
}

struct Row {
    const char* name;
    RouteRequest request;
    RouteKnowledge knowledge;
    ResourceHeadroom headroom;
    std::vector<EngineStatus> engines;
    const char* expected; // "" = no engine (ok == false)
};

const ResourceHeadroom kIdle{1.0, 1.0};
const ResourceHeadroom kStarved{0.05, 0.9};

} // namespace

TEST(EngineScorer, RoutingTable) {
    const std::vector<Row> rows = {
        {"big file, ranges, host caps each connection -> segmented", request("https", 512 * kMiB),
         know(metadata(512 * kMiB, true, HttpVersion::Http1_1), cappedHost()), kIdle, pool(),
         "segmented"},
        {"unknown host, big file -> segmented", request("https", 100 * kMiB), know({}), kIdle,
         pool(), "segmented"},
        {"unknown host, size unknown -> segmented (one stream, splits later)", request("https", -1),
         know({}), kIdle, pool(), "segmented"},
        {"HTTP/2 host, many small files -> multiplex", request("https", 50 * kKiB, 20),
         know(metadata(50 * kKiB, true, HttpVersion::Http2)), kIdle, pool(), "multiplex"},
        {"HTTP/2 host (from profile), size unknown -> multiplex", request("https", -1),
         know({}, http2Host()), kIdle, pool(), "multiplex"},
        {"HTTP/3 host, many files -> multiplex", request("https", -1, 50),
         know(metadata(-1, std::nullopt, HttpVersion::Http3)), kIdle, pool(), "multiplex"},
        {"small file, version unknown -> bulk", request("https", 100 * kKiB), know({}), kIdle,
         pool(), "bulk"},
        {"many small files over cleartext HTTP -> bulk", request("http", 10 * kKiB, 30), know({}),
         kIdle, pool(), "bulk"},
        {"many small files on an HTTP/1.1 host -> bulk", request("https", 10 * kKiB, 30),
         know(metadata(10 * kKiB, true, HttpVersion::Http1_1)), kIdle, pool(), "bulk"},
        {"big file, HTTP/2 host, cap unknown -> segmented", request("https", 1024 * kMiB),
         know({}, http2Host()), kIdle, pool(), "segmented"},
        {"big file, HTTP/2 host, more connections did not help -> multiplex",
         request("https", 1024 * kMiB), know({}, uncappedHttp2Host()), kIdle, pool(), "multiplex"},
        {"big file, no ranges -> not segmented", request("https", 100 * kMiB),
         know(metadata(100 * kMiB, false, HttpVersion::Http1_1)), kIdle, pool(), "generic"},
        {"mid-size file, idle machine -> segmented", request("https", 4 * kMiB), know({}), kIdle,
         pool(), "segmented"},
        {"mid-size file, CPU starved -> one-connection multiplex", request("https", 4 * kMiB),
         know({}), kStarved, pool(), "multiplex"},
        {"mid-size file, segmented engine full -> bulk", request("https", 4 * kMiB), know({}),
         kIdle, busy(pool(), "segmented"), "bulk"},
        {"big file, segmented full, still the best", request("https", 100 * kMiB), know({}), kIdle,
         busy(pool(), "segmented"), "segmented"},
        {"mid-size file, learner favours bulk", request("https", 4 * kMiB),
         know({}, {}, {{"bulk", 1.0}, {"segmented", 0.2}}), kIdle, pool(), "bulk"},
        {"mid-size file, -s 1 -> bulk", withSplit(request("https", 4 * kMiB), 1), know({}), kIdle,
         pool(), "bulk"},
        {"small file, -s 8 still bulk", withSplit(request("https", 100 * kKiB), 8), know({}), kIdle,
         pool(), "bulk"},
        {"ftp -> generic", request("ftp", 100 * kMiB), know({}), kIdle, pool(), "generic"},
        {"sftp -> generic", request("sftp", -1), know({}), kIdle, pool(), "generic"},
        {"ftp, segmented also speaks it -> generic still",
         request("ftp", 100 * kMiB),
         know({}),
         kIdle,
         {engine("segmented", EngineKind::Segmented, {"http", "https", "ftp"}, 8),
          engine("generic", EngineKind::Generic, {"ftp"}, 4)},
         "generic"},
        {"scheme case does not matter", request("HTTPS", 100 * kMiB), know({}), kIdle, pool(),
         "segmented"},
        {"unknown scheme -> none", request("gopher", 10), know({}), kIdle, pool(), ""},
        {"no engines -> none", request("https", 10), know({}), kIdle, {}, ""},
        {"forced bulk on a big file -> bulk", forced(request("https", 100 * kMiB), "bulk"),
         know({}), kIdle, pool(), "bulk"},
        {"forced name is case-insensitive", forced(request("https", 100 * kMiB), "Multiplex"),
         know({}), kIdle, pool(), "multiplex"},
        {"forced multiplex on ftp -> none", forced(request("ftp", 10), "multiplex"), know({}),
         kIdle, pool(), ""},
        {"forced engine that does not exist -> none", forced(request("https", 10), "turbo"),
         know({}), kIdle, pool(), ""},
    };
    const EngineScorer scorer;
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const RouteDecision d =
            scorer.decide(row.request, row.knowledge, row.engines, row.headroom);
        const std::string expected = row.expected;
        EXPECT_EQ(d.ok, !expected.empty()) << d.reason;
        EXPECT_EQ(d.engine, expected) << maria2::formatDecisionDetail(d);
        EXPECT_FALSE(d.reason.empty());
        EXPECT_EQ(d.scores.size(), row.engines.size());
    }
}

TEST(EngineScorer, ExcludedEnginesScoreZeroAndComeLast) {
    const RouteDecision d =
        EngineScorer().decide(request("ftp", 10 * kMiB), know({}), pool(), kIdle);
    ASSERT_EQ(d.scores.size(), 4u);
    EXPECT_EQ(d.scores.front().name, "generic");
    for (std::size_t i = 1; i < d.scores.size(); ++i) {
        EXPECT_FALSE(d.scores[i].eligible);
        EXPECT_EQ(d.scores[i].score, 0.0);
        EXPECT_TRUE(d.scores[i].parts.empty());
    }
}

TEST(EngineScorer, ScoresArePartSumsWithinZeroAndOne) {
    const RouteDecision d = EngineScorer().decide(
        request("https", 512 * kMiB),
        know(metadata(512 * kMiB, true, HttpVersion::Http2), cappedHost(), {{"segmented", 1.0}}),
        busy(pool(), "bulk"), ResourceHeadroom{0.5, 0.7});
    for (const auto& s : d.scores) {
        SCOPED_TRACE(s.name);
        double sum = 0;
        for (const auto& [name, value] : s.parts) {
            sum += value;
        }
        EXPECT_GE(s.score, 0.0);
        EXPECT_LE(s.score, 1.0);
        EXPECT_NEAR(s.score, std::clamp(sum, 0.0, 1.0), 1e-12);
    }
    for (std::size_t i = 1; i < d.scores.size(); ++i) {
        EXPECT_GE(d.scores[i - 1].score, d.scores[i].score);
    }
}

TEST(EngineScorer, PositiveWeightsAddUpToOne) {
    const maria2::ScorerWeights w;
    EXPECT_NEAR(w.fit + w.protocol + w.history + w.learner + w.user, 1.0, 1e-12);
}

// Everything in segmented's favour: it reaches fit + history + learner + user = 0.90 (the
// protocol part is for engines that multiplex, so no engine collects every part).
TEST(EngineScorer, BestCaseForSegmentedScoresPointNine) {
    HostProfile host = cappedHost();
    host.apply(observed(8, 7e6, "segmented"));
    host.apply(observed(1, 1e6, "multiplex"));
    const RouteDecision d = EngineScorer().decide(
        withSplit(request("https", 512 * kMiB), 8),
        know(metadata(512 * kMiB, true, HttpVersion::Http1_1), host, {{"segmented", 1.0}}), pool(),
        kIdle);
    EXPECT_EQ(d.engine, "segmented");
    EXPECT_NEAR(d.score, 0.90, 1e-9);
}

TEST(EngineScorer, LoadAndHeadroomAreNamedPenalties) {
    const EngineScorer scorer;
    auto segmented = [&](const std::vector<EngineStatus>& engines, ResourceHeadroom h) {
        const auto d = scorer.decide(request("https", 100 * kMiB), know({}), engines, h);
        for (const auto& s : d.scores) {
            if (s.name == "segmented") {
                return s;
            }
        }
        return maria2::EngineScore{};
    };
    const auto idle = segmented(pool(), kIdle);
    EXPECT_EQ(idle.parts.at("load"), 0.0);
    EXPECT_EQ(idle.parts.at("headroom"), 0.0);
    const auto full = segmented(busy(pool(), "segmented"), kIdle);
    EXPECT_NEAR(full.parts.at("load"), -0.20, 1e-12);
    const auto starved = segmented(pool(), ResourceHeadroom{0.9, 0.0});
    EXPECT_NEAR(starved.parts.at("headroom"), -0.15, 1e-12); // memory is the scarce one
    EXPECT_LT(full.score, idle.score);
    EXPECT_LT(starved.score, idle.score);
}

TEST(EngineScorer, HeadroomHurtsManyConnectionEnginesMost) {
    const auto d = EngineScorer().decide(request("https", 4 * kMiB), know({}), pool(), kStarved);
    double seg = 0;
    double mux = 0;
    for (const auto& s : d.scores) {
        if (s.name == "segmented") {
            seg = s.parts.at("headroom");
        } else if (s.name == "multiplex") {
            mux = s.parts.at("headroom");
        }
    }
    EXPECT_LT(seg, mux);
    EXPECT_LT(mux, 0.0);
}

TEST(EngineScorer, HistoryNeedsTwoMeasuredEngines) {
    HostProfile one;
    one.apply(observed(4, 8e6, "segmented"));
    HostProfile two = one;
    two.apply(observed(1, 2e6, "multiplex"));
    auto historyOf = [](const RouteDecision& d, const std::string& name) {
        for (const auto& s : d.scores) {
            if (s.name == name) {
                return s.parts.at("history");
            }
        }
        return -1.0;
    };
    const EngineScorer scorer;
    const auto d1 = scorer.decide(request("https", 100 * kMiB), know({}, one), pool(), kIdle);
    EXPECT_EQ(historyOf(d1, "segmented"), 0.0);
    const auto d2 = scorer.decide(request("https", 100 * kMiB), know({}, two), pool(), kIdle);
    EXPECT_NEAR(historyOf(d2, "segmented"), 0.10, 1e-12);
    EXPECT_NEAR(historyOf(d2, "multiplex"), 0.10 * 0.25, 1e-12);
    EXPECT_EQ(historyOf(d2, "bulk"), 0.0);
}

TEST(EngineScorer, ReasonNamesTheRuleAndWhatOvertookTheBestFit) {
    const EngineScorer scorer;
    const auto capped = scorer.decide(
        request("https", 512 * kMiB),
        know(metadata(512 * kMiB, true, HttpVersion::Http1_1), cappedHost()), pool(), kIdle);
    EXPECT_EQ(capped.reason, "big file (512.0 MiB), host caps each connection");
    const auto learned =
        scorer.decide(request("https", 4 * kMiB), know({}, {}, {{"bulk", 1.0}}), pool(), kIdle);
    EXPECT_EQ(learned.engine, "bulk");
    EXPECT_EQ(learned.reason, "mid-size file (4.0 MiB); ahead of segmented on learner");
    const auto forcedD =
        scorer.decide(forced(request("https", 10), "bulk"), know({}), pool(), kIdle);
    EXPECT_EQ(forcedD.reason, "forced by user");
    const auto bad = scorer.decide(forced(request("ftp", 10), "bulk"), know({}), pool(), kIdle);
    EXPECT_EQ(bad.reason, "forced engine 'bulk' does not support 'ftp'");
    const auto none = scorer.decide(request("gopher", 10), know({}), pool(), kIdle);
    EXPECT_EQ(none.reason, "no engine supports scheme 'gopher'");
}

TEST(EngineScorer, RecommendedConnections) {
    HostProfile learned = cappedHost();
    learned.learnedConnectionCap = 12;
    HostProfile hinted = learned;
    hinted.maxConcurrencyHint = 3;
    struct Case {
        const char* name;
        RouteRequest request;
        RouteKnowledge knowledge;
        ResourceHeadroom headroom;
        int expected;
    };
    const std::vector<Case> cases = {
        {"unknown host: the default start", request("https", 100 * kMiB), know({}), kIdle, 4},
        {"-s wins", withSplit(request("https", 100 * kMiB), 6), know({}), kIdle, 6},
        {"-s above the ceiling is capped", withSplit(request("https", 100 * kMiB), 500), know({}),
         kIdle, 64},
        {"learned cap", request("https", 100 * kMiB), know({}, learned), kIdle, 12},
        {"concurrency hint bounds the cap", request("https", 100 * kMiB), know({}, hinted), kIdle,
         3},
        {"more connections did not help", request("https", 1024 * kMiB),
         know({}, uncappedHttp2Host()), kIdle, 1}, // multiplex wins: one connection
        {"small size limits pieces", request("https", 2 * kMiB + 1), know({}), kIdle, 2},
        {"starved machine halves", request("https", 100 * kMiB), know({}, learned), kStarved, 6},
        {"multiplex uses one connection", request("https", -1, 20),
         know(metadata(-1, std::nullopt, HttpVersion::Http2)), kIdle, 1},
        {"bulk uses one connection", request("https", 10 * kKiB), know({}), kIdle, 1},
        {"no ranges: one", request("https", 100 * kMiB),
         know(metadata(100 * kMiB, false, HttpVersion::Http1_1)), kIdle, 1},
    };
    const EngineScorer scorer;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto d = scorer.decide(c.request, c.knowledge, pool(), c.headroom);
        ASSERT_TRUE(d.ok);
        EXPECT_EQ(d.recommendedConnections, c.expected) << d.engine;
    }
}

TEST(EngineScorer, TiesBreakOnLoadThenName) {
    const std::vector<EngineStatus> twins = {
        engine("b-seg", EngineKind::Segmented, {"https"}, 10),
        engine("a-seg", EngineKind::Segmented, {"https"}, 0),
    };
    EXPECT_EQ(EngineScorer().decide(request("https", 100 * kMiB), know({}), twins, kIdle).engine,
              "a-seg");
    // Both clamp to 0 (a small file is a poor fit, and both are loaded): the less loaded wins.
    std::vector<EngineStatus> loaded = {
        engine("a-seg", EngineKind::Segmented, {"https"}, 2),
        engine("b-seg", EngineKind::Segmented, {"https"}, 2),
    };
    loaded[0].activeTransfers = 2;
    loaded[1].activeTransfers = 1;
    const auto d = EngineScorer().decide(request("https", 10 * kKiB), know({}), loaded, kIdle);
    ASSERT_EQ(d.scores.size(), 2u);
    EXPECT_EQ(d.scores[0].score, 0.0);
    EXPECT_EQ(d.scores[1].score, 0.0);
    EXPECT_EQ(d.engine, "b-seg");
}

TEST(EngineScorer, FormatsTheLogLine) {
    RouteDecision d;
    d.ok = true;
    d.engine = "segmented";
    d.score = 0.8249;
    d.host = "example.org:443";
    d.reason = "big file";
    d.recommendedConnections = 8;
    maria2::EngineScore s1;
    s1.name = "segmented";
    s1.eligible = true;
    s1.score = 0.8249;
    maria2::EngineScore s2;
    s2.name = "multiplex";
    s2.eligible = true;
    s2.score = 0.41;
    maria2::EngineScore s3;
    s3.name = "bulk";
    s3.eligible = true;
    s3.score = 0.3;
    maria2::EngineScore s4;
    s4.name = "generic";
    s4.eligible = false;
    d.scores = {s1, s2, s3, s4};
    EXPECT_EQ(maria2::formatDecision(d), "engine=segmented 0.82 [multiplex 0.41, bulk 0.30] "
                                         "host=example.org:443 connections=8 reason=big file");
    d.ok = false;
    d.engine.clear();
    d.reason = "no engine supports scheme 'gopher'";
    EXPECT_EQ(maria2::formatDecision(d),
              "engine=none [segmented 0.82, multiplex 0.41, bulk 0.30] host=example.org:443 "
              "reason=no engine supports scheme 'gopher'");
}

TEST(EngineScorer, DetailListsEveryNonZeroPart) {
    const auto d = EngineScorer().decide(request("ftp", 10 * kMiB), know({}), pool(), kStarved);
    const std::string detail = maria2::formatDecisionDetail(d);
    EXPECT_NE(detail.find("generic 0.51 = fit 0.55 - headroom 0.04"), std::string::npos) << detail;
    EXPECT_NE(detail.find("segmented 0.00 (does not support ftp)"), std::string::npos) << detail;
}

TEST(EngineScorer, SupportsIsCaseInsensitiveAndRejectsEmpty) {
    const auto e = engine("x", EngineKind::Generic, {"HTTPS", "ftp"}, 1);
    EXPECT_TRUE(e.supports("https"));
    EXPECT_TRUE(e.supports("FTP"));
    EXPECT_FALSE(e.supports("http"));
    EXPECT_FALSE(e.supports(""));
}
