// Unit tests for maria2::HostProfile and HostProfileBook: what a host's transfers teach us
// (EWMAs, failures, throttling, the per-connection cap), JSON round trips and rejection of
// garbage, host keys, and the book's bound and thread safety.
#include "core/hosts/HostProfile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

using maria2::HostProfile;
using maria2::HostProfileBook;
using maria2::HttpVersion;
using maria2::TransferObservation;
using nlohmann::json;

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;

TransferObservation transfer(int connections, double bytesPerSec, bool ok = true,
                             std::string engine = "segmented") {
    TransferObservation o;
    o.engine = std::move(engine);
    o.connections = connections;
    o.bytes = 10 * kMiB;
    o.seconds = static_cast<double>(o.bytes) / bytesPerSec;
    o.ttfbSeconds = 0.1;
    o.ok = ok;
    o.httpStatus = ok ? 206 : 500;
    o.httpVersion = HttpVersion::Http1_1;
    o.atUnixMs = 1700000000000;
    return o;
}

} // namespace

TEST(HostProfile, HostKeyFromUrl) {
    EXPECT_EQ(maria2::hostKeyFromUrl("https://Example.ORG/a/b?c=d"), "https://example.org:443");
    EXPECT_EQ(maria2::hostKeyFromUrl("http://example.org:8080/x"), "http://example.org:8080");
    EXPECT_EQ(maria2::hostKeyFromUrl("ftp://user:pw@files.example.org/pub"),
              "ftp://files.example.org:21");
    EXPECT_EQ(maria2::hostKeyFromUrl("http://[::1]:81/"), "http://[::1]:81");
    EXPECT_FALSE(maria2::hostKeyFromUrl("not a url").has_value());
    EXPECT_FALSE(maria2::hostKeyFromUrl("").has_value());
    EXPECT_EQ(maria2::hostLabel("https://example.org:443"), "example.org:443");
    EXPECT_EQ(maria2::hostLabel("example.org"), "example.org");
}

TEST(HostProfile, ConnectionBuckets) {
    EXPECT_EQ(maria2::connectionBucket(0), 1);
    EXPECT_EQ(maria2::connectionBucket(1), 1);
    EXPECT_EQ(maria2::connectionBucket(3), 2);
    EXPECT_EQ(maria2::connectionBucket(12), 8);
    EXPECT_EQ(maria2::connectionBucket(16), 16);
    EXPECT_EQ(maria2::connectionBucket(1000), 64);
}

TEST(HostProfile, FirstSampleSetsTheAverageThenEwmaFollows) {
    HostProfile p;
    p.apply(transfer(4, 4e6));
    EXPECT_DOUBLE_EQ(p.totalThroughput.value, 4e6);
    EXPECT_DOUBLE_EQ(p.perConnectionThroughput.value, 1e6);
    p.apply(transfer(4, 8e6));
    // 0.3 * 8e6 + 0.7 * 4e6
    EXPECT_NEAR(p.totalThroughput.value, 5.2e6, 1);
    EXPECT_NEAR(p.perConnectionThroughput.value, 1.3e6, 1);
    EXPECT_EQ(p.totalThroughput.samples, 2);
    EXPECT_EQ(p.downloads, 2);
    EXPECT_NEAR(p.ttfbSeconds.value, 0.1, 1e-12);
    EXPECT_EQ(p.httpVersion, HttpVersion::Http1_1);
    EXPECT_EQ(p.updatedAtUnixMs, 1700000000000);
}

TEST(HostProfile, FailuresMoveTheRateButNotTheThroughput) {
    HostProfile p;
    p.apply(transfer(2, 2e6));
    p.apply(transfer(2, 1.0, /*ok=*/false));
    EXPECT_EQ(p.failures, 1);
    EXPECT_NEAR(p.failureRate.value, 0.3, 1e-12);
    EXPECT_DOUBLE_EQ(p.totalThroughput.value, 2e6);
    EXPECT_EQ(p.engines["segmented"].failures, 1);
    EXPECT_EQ(p.engines["segmented"].throughput.samples, 1);
}

TEST(HostProfile, TinyTransfersDoNotCountAsThroughput) {
    HostProfile p;
    TransferObservation o = transfer(1, 1e6);
    o.bytes = 1000;
    o.seconds = 0.5;
    p.apply(o);
    EXPECT_EQ(p.totalThroughput.samples, 0);
    EXPECT_EQ(p.downloads, 1);
    EXPECT_EQ(p.ttfbSeconds.samples, 1);
}

TEST(HostProfile, ThrottlingLowersTheConcurrencyHint) {
    HostProfile p;
    TransferObservation o = transfer(16, 1e6, /*ok=*/false);
    o.httpStatus = 429;
    p.apply(o);
    EXPECT_EQ(p.throttled, 1);
    EXPECT_EQ(p.maxConcurrencyHint, 8);
    o.httpStatus = 503;
    o.connections = 4;
    p.apply(o);
    EXPECT_EQ(p.maxConcurrencyHint, 2);
    p.apply(transfer(6, 1e6)); // took 6 without complaint
    EXPECT_EQ(p.maxConcurrencyHint, 6);
}

TEST(HostProfile, PerEngineStatsAreKept) {
    HostProfile p;
    p.apply(transfer(8, 8e6, true, "segmented"));
    p.apply(transfer(1, 3e6, true, "multiplex"));
    ASSERT_EQ(p.engines.size(), 2u);
    EXPECT_DOUBLE_EQ(p.engines["segmented"].throughput.value, 8e6);
    EXPECT_DOUBLE_EQ(p.engines["multiplex"].throughput.value, 3e6);
}

// Whether more connections raised the total: the evidence table.
TEST(HostProfile, PerConnectionCappedEvidence) {
    struct Case {
        const char* name;
        std::vector<std::pair<int, double>> observations; // (connections, total B/s)
        std::optional<bool> expected;
    };
    const std::vector<Case> cases = {
        {"nothing observed", {}, std::nullopt},
        {"only one count", {{4, 4e6}, {4, 4.1e6}}, std::nullopt},
        {"counts too close", {{2, 2e6}, {3, 3e6}}, std::nullopt}, // 3 buckets as 2
        {"total rose with connections", {{1, 1e6}, {8, 7e6}}, true},
        {"total flat", {{1, 10e6}, {8, 11e6}}, false},
        {"1.45x is not enough", {{1, 2e6}, {4, 2.9e6}}, false},
        {"some count helped even though 64 did not", {{1, 1e6}, {8, 6e6}, {64, 1.2e6}}, true},
        {"from 4 to 16", {{4, 4e6}, {16, 12e6}}, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        HostProfile p;
        for (const auto& [conns, total] : c.observations) {
            p.apply(transfer(conns, total));
        }
        EXPECT_EQ(p.perConnectionCapped(), c.expected);
    }
}

TEST(HostProfile, JsonRoundTrip) {
    HostProfile p;
    p.host = "https://example.org:443";
    p.apply(transfer(1, 1e6));
    p.apply(transfer(8, 7e6));
    p.apply(transfer(1, 2e6, true, "multiplex"));
    p.learnedConnectionCap = 12;
    p.httpVersion = HttpVersion::Http2;
    const json j = p.toJson();
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["host"], "https://example.org:443");
    EXPECT_EQ(j["httpVersion"], 20);

    std::string error;
    const auto back = HostProfile::fromJson(json::parse(j.dump()), &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(back->toJson(), j);
    EXPECT_EQ(back->learnedConnectionCap, 12);
    EXPECT_EQ(back->perConnectionCapped(), true);
    EXPECT_EQ(back->engines.at("multiplex").throughput.samples, 1);
}

TEST(HostProfile, JsonMissingOptionalFieldsGetDefaults) {
    const auto p = HostProfile::fromJson(json{{"version", 1}, {"host", "http://h:80"}});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->downloads, 0);
    EXPECT_EQ(p->httpVersion, HttpVersion::Unknown);
    EXPECT_FALSE(p->perConnectionCapped().has_value());
}

TEST(HostProfile, JsonUnknownFieldsAreIgnored) {
    json j = HostProfile{}.toJson();
    j["host"] = "http://h:80";
    j["addedInAFutureMinorVersion"] = {1, 2, 3};
    EXPECT_TRUE(HostProfile::fromJson(j).has_value());
}

TEST(HostProfile, JsonGarbageIsRejectedWithAReason) {
    HostProfile good;
    good.host = "http://h:80";
    good.apply(transfer(1, 1e6));
    good.apply(transfer(4, 3e6));
    const json base = good.toJson();
    auto with = [&](const std::string& key, json value) {
        json j = base;
        j[key] = std::move(value);
        return j;
    };
    const std::vector<std::pair<const char*, json>> cases = {
        {"null", json(nullptr)},
        {"array", json::array({1, 2})},
        {"string", json("profile")},
        {"no version", json{{"host", "http://h:80"}}},
        {"future version", with("version", 2)},
        {"version as string", with("version", "1")},
        {"no host", json{{"version", 1}}},
        {"empty host", with("host", "")},
        {"host not a string", with("host", 42)},
        {"negative downloads", with("downloads", -1)},
        {"downloads as float", with("downloads", 1.5)},
        {"downloads too big", with("downloads", std::numeric_limits<std::uint64_t>::max())},
        {"cap out of range", with("learnedConnectionCap", 100000)},
        {"failure rate above 1", with("failureRate", json{{"value", 1.5}, {"samples", 1}})},
        {"throughput negative", with("totalThroughput", json{{"value", -1}, {"samples", 1}})},
        {"throughput NaN", with("totalThroughput", json{{"value", std::nan("")}, {"samples", 1}})},
        {"ewma not an object", with("ttfbSeconds", 0.5)},
        {"ewma without value", with("ttfbSeconds", json{{"samples", 1}})},
        {"buckets not an array", with("totalByConnections", json::object())},
        {"bucket not an object", with("totalByConnections", json::array({1}))},
        {"bucket zero connections",
         with("totalByConnections",
              json::array({json{{"connections", 0}, {"value", 1.0}, {"samples", 1}}}))},
        {"engines not an object", with("engines", json::array())},
        {"engine entry not an object", with("engines", json{{"segmented", 3}})},
        {"engine samples negative",
         with("engines",
              json{{"segmented", json{{"throughput", json{{"value", 1.0}, {"samples", -2}}}}}})},
    };
    for (const auto& [name, j] : cases) {
        SCOPED_TRACE(name);
        std::string error;
        EXPECT_FALSE(HostProfile::fromJson(j, &error).has_value());
        EXPECT_FALSE(error.empty());
    }
    EXPECT_TRUE(HostProfile::fromJson(base).has_value()); // the base itself is fine
}

TEST(HostProfile, JsonTooManyEnginesIsRejected) {
    json j = json{{"version", 1}, {"host", "http://h:80"}, {"engines", json::object()}};
    for (std::size_t i = 0; i <= HostProfile::kMaxEngines; ++i) {
        j["engines"]["e" + std::to_string(i)] = json::object();
    }
    EXPECT_FALSE(HostProfile::fromJson(j).has_value());
}

TEST(HostProfileBook, RecordAndSnapshot) {
    HostProfileBook book;
    const std::string host = "https://example.org:443";
    EXPECT_FALSE(book.snapshot(host).has_value());
    book.record(host, "segmented", 4, 8 * kMiB, 2.0, 0.05, true, 206, 1000);
    book.record(host, transfer(8, 8e6));
    const auto p = book.snapshot(host);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->host, host);
    EXPECT_EQ(p->downloads, 2);
    EXPECT_EQ(p->engines.at("segmented").throughput.samples, 2);
    book.setLearnedCap(host, 12);
    EXPECT_EQ(book.snapshot(host)->learnedConnectionCap, 12);
    EXPECT_EQ(book.size(), 1u);
}

TEST(HostProfileBook, ForgetsTheLeastRecentlyTouchedHost) {
    HostProfileBook book(2);
    book.record("http://a:80", transfer(1, 1e6));
    book.record("http://b:80", transfer(1, 1e6));
    book.record("http://a:80", transfer(1, 1e6)); // a is now more recent than b
    book.record("http://c:80", transfer(1, 1e6));
    EXPECT_EQ(book.size(), 2u);
    EXPECT_TRUE(book.snapshot("http://a:80").has_value());
    EXPECT_FALSE(book.snapshot("http://b:80").has_value());
    EXPECT_TRUE(book.snapshot("http://c:80").has_value());
}

TEST(HostProfileBook, PutLoadsAStoredProfile) {
    HostProfileBook book;
    HostProfile p;
    p.host = "https://x:443";
    p.learnedConnectionCap = 6;
    book.put(p);
    book.put(HostProfile{}); // no host: ignored
    EXPECT_EQ(book.size(), 1u);
    EXPECT_EQ(book.snapshot("https://x:443")->learnedConnectionCap, 6);
    ASSERT_EQ(book.all().size(), 1u);
    EXPECT_EQ(book.all().front().host, "https://x:443");
}

TEST(HostProfileBook, ConcurrentRecordsAreAllCounted) {
    HostProfileBook book;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&book] {
            for (int i = 0; i < 250; ++i) {
                book.record("https://shared:443", transfer(1 + i % 8, 1e6));
                (void)book.snapshot("https://shared:443");
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(book.snapshot("https://shared:443")->downloads, 1000);
}
