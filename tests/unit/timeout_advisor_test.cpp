// Unit tests for maria2::TimeoutAdvisor: connect and low-speed timeouts from a host's measured
// TTFB, per-connection throughput and failure rate, always within the config's bounds.
#include "core/adapt/TimeoutAdvisor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

using maria2::AdvisedTimeouts;
using maria2::HostProfile;
using maria2::NetworkSettings;
using maria2::TimeoutAdvisor;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

HostProfile host(double ttfb, std::int64_t ttfbSamples, double perConnection,
                 std::int64_t speedSamples, double failureRate = 0) {
    HostProfile p;
    p.host = "https://example.org:443";
    p.ttfbSeconds.value = ttfb;
    p.ttfbSeconds.samples = ttfbSamples;
    p.perConnectionThroughput.value = perConnection;
    p.perConnectionThroughput.samples = speedSamples;
    p.failureRate.value = failureRate;
    p.failureRate.samples = std::max(ttfbSamples, speedSamples);
    p.downloads = p.failureRate.samples;
    return p;
}

void expectConfig(const AdvisedTimeouts& a, const NetworkSettings& n) {
    EXPECT_EQ(a.connectTimeoutSeconds, n.connectTimeoutSeconds);
    EXPECT_EQ(a.lowSpeedLimitBytes, n.lowSpeedLimitBytes);
    EXPECT_EQ(a.lowSpeedTimeSeconds, n.lowSpeedTimeSeconds);
    EXPECT_FALSE(a.adapted);
    EXPECT_FALSE(a.why.empty());
}

// Every advice for the default config must stay within these, whatever the inputs.
void expectWithinDefaultBounds(const AdvisedTimeouts& a) {
    EXPECT_GE(a.connectTimeoutSeconds, TimeoutAdvisor::kConnectFloorSeconds);
    EXPECT_LE(a.connectTimeoutSeconds, 30);
    EXPECT_GE(a.lowSpeedLimitBytes, 1024);
    EXPECT_LE(a.lowSpeedLimitBytes, TimeoutAdvisor::kLowSpeedLimitCeiling);
    EXPECT_GE(a.lowSpeedTimeSeconds, TimeoutAdvisor::kLowSpeedFloorSeconds);
    EXPECT_LE(a.lowSpeedTimeSeconds, 60);
    EXPECT_FALSE(a.why.empty());
}

} // namespace

TEST(TimeoutAdvisor, UnknownHostGetsTheConfigValuesExactly) {
    const NetworkSettings n;
    const TimeoutAdvisor advisor(n);
    expectConfig(advisor.advise(static_cast<const HostProfile*>(nullptr)), n);
    expectConfig(advisor.advise(std::optional<HostProfile>{}), n);
    // Known, but not well enough: two samples of each.
    expectConfig(advisor.advise(host(0.05, 2, 5.0 * MiB, 2)), n);
}

TEST(TimeoutAdvisor, UnknownHostKeepsUnusualConfigValuesToo) {
    NetworkSettings n;
    n.connectTimeoutSeconds = 3;
    n.lowSpeedLimitBytes = 0;
    n.lowSpeedTimeSeconds = 7;
    const TimeoutAdvisor advisor(n);
    expectConfig(advisor.advise(std::optional<HostProfile>{}), n);
}

TEST(TimeoutAdvisor, FastReliableHostGetsShorterTimeoutsWithinBounds) {
    const NetworkSettings n;
    const TimeoutAdvisor advisor(n);
    const auto a = advisor.advise(host(0.4, 3, 0.5 * MiB, 5));
    EXPECT_TRUE(a.adapted);
    // ceil(3 x 0.4 + 3) = 5, raised to the 6 s floor.
    EXPECT_EQ(a.connectTimeoutSeconds, 6);
    // 512 KiB/s per connection / 32 = 16 KiB/s.
    EXPECT_EQ(a.lowSpeedLimitBytes, 16 * KiB);
    // ceil(15 + 10 x 0.4) = 19.
    EXPECT_EQ(a.lowSpeedTimeSeconds, 19);
    expectWithinDefaultBounds(a);
    EXPECT_NE(a.why.find("connect 6 s from TTFB 0.40 s (3 samples)"), std::string::npos) << a.why;
    EXPECT_NE(a.why.find("low speed 16.0 KiB/s for 19 s from 512.0 KiB/s per connection"),
              std::string::npos)
        << a.why;
}

TEST(TimeoutAdvisor, FarHostGetsALongerConnectTimeoutThanANearOne) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    const auto nearHost = advisor.advise(host(0.2, 5, 1.0 * MiB, 5));
    const auto farHost = advisor.advise(host(2.5, 5, 1.0 * MiB, 5));
    EXPECT_EQ(farHost.connectTimeoutSeconds, 11); // ceil(3 x 2.5 + 3) = 10.5 -> 11
    EXPECT_GT(farHost.connectTimeoutSeconds, nearHost.connectTimeoutSeconds);
    EXPECT_EQ(farHost.lowSpeedTimeSeconds, 40); // 15 + 25
    EXPECT_GT(farHost.lowSpeedTimeSeconds, nearHost.lowSpeedTimeSeconds);
}

TEST(TimeoutAdvisor, LongerTtfbNeverShortensATimeout) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    int lastConnect = 0;
    int lastTime = 0;
    for (double ttfb = 0; ttfb <= 20; ttfb += 0.05) {
        const auto a = advisor.advise(host(ttfb, 4, 3.0 * MiB, 4));
        EXPECT_GE(a.connectTimeoutSeconds, lastConnect) << ttfb;
        EXPECT_GE(a.lowSpeedTimeSeconds, lastTime) << ttfb;
        lastConnect = a.connectTimeoutSeconds;
        lastTime = a.lowSpeedTimeSeconds;
    }
    EXPECT_EQ(lastConnect, 30);
    EXPECT_EQ(lastTime, 60);
}

TEST(TimeoutAdvisor, BoundsHoldForExtremeInputs) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    const std::vector<double> ttfbs = {0, 1e-9, 0.001, 100, 1e6, 1e300};
    const std::vector<double> speeds = {0, 1, 1000, 10e9, 1e300};
    const std::vector<double> failures = {0, 0.5, 1};
    for (const double ttfb : ttfbs) {
        for (const double speed : speeds) {
            for (const double failure : failures) {
                const auto a = advisor.advise(host(ttfb, 10, speed, 10, failure));
                SCOPED_TRACE(a.why);
                expectWithinDefaultBounds(a);
            }
        }
    }
    // The extremes land on the bounds they should.
    const auto instant = advisor.advise(host(0, 10, 10e9, 10));
    EXPECT_EQ(instant.connectTimeoutSeconds, 6);
    EXPECT_EQ(instant.lowSpeedLimitBytes, TimeoutAdvisor::kLowSpeedLimitCeiling);
    EXPECT_EQ(instant.lowSpeedTimeSeconds, 15);
    const auto glacial = advisor.advise(host(100, 10, 0, 10));
    EXPECT_EQ(glacial.connectTimeoutSeconds, 30);
    EXPECT_EQ(glacial.lowSpeedLimitBytes, 1024);
    EXPECT_EQ(glacial.lowSpeedTimeSeconds, 60);
}

TEST(TimeoutAdvisor, NonFiniteMeasurementsAreTreatedAsUnknown) {
    const NetworkSettings n;
    const TimeoutAdvisor advisor(n);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    expectConfig(advisor.advise(host(nan, 10, inf, 10)), n);
    expectConfig(advisor.advise(host(-1, 10, -5, 10)), n);

    // A NaN failure rate means "no idea how reliable": the most patience, still in bounds.
    const auto a = advisor.advise(host(1.0, 10, 2.0 * MiB, 10, nan));
    expectWithinDefaultBounds(a);
    EXPECT_EQ(a.connectTimeoutSeconds, 18); // (3 + 3) x 3
    EXPECT_EQ(a.lowSpeedTimeSeconds, 60);   // (15 + 10) x 3 = 75, capped
}

TEST(TimeoutAdvisor, FlakyHostGetsMorePatienceNotLess) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    const auto reliable = advisor.advise(host(2.0, 6, 0.5 * MiB, 6, 0.0));
    const auto flaky = advisor.advise(host(2.0, 6, 0.5 * MiB, 6, 0.6));
    // Reliable: connect ceil(9) = 9, limit 16 KiB/s, time 35 s.
    EXPECT_EQ(reliable.connectTimeoutSeconds, 9);
    EXPECT_EQ(reliable.lowSpeedLimitBytes, 16 * KiB);
    EXPECT_EQ(reliable.lowSpeedTimeSeconds, 35);
    // Flaky (patience 2.2): connect ceil(19.8) = 20, limit 16 KiB/s / 2.2, time capped at 60.
    EXPECT_EQ(flaky.connectTimeoutSeconds, 20);
    EXPECT_EQ(flaky.lowSpeedLimitBytes, static_cast<std::int64_t>(16.0 * KiB / 2.2));
    EXPECT_EQ(flaky.lowSpeedTimeSeconds, 60);
    EXPECT_NE(flaky.why.find("failure rate 60%"), std::string::npos) << flaky.why;

    // And monotonically so.
    int lastConnect = 0;
    std::int64_t lastLimit = std::numeric_limits<std::int64_t>::max();
    for (double f = 0; f <= 1.0; f += 0.05) {
        const auto a = advisor.advise(host(1.0, 6, 2.0 * MiB, 6, f));
        EXPECT_GE(a.connectTimeoutSeconds, lastConnect) << f;
        EXPECT_LE(a.lowSpeedLimitBytes, lastLimit) << f;
        lastConnect = a.connectTimeoutSeconds;
        lastLimit = a.lowSpeedLimitBytes;
    }
}

TEST(TimeoutAdvisor, NeverMoreLenientThanTheUser) {
    NetworkSettings n;
    n.connectTimeoutSeconds = 4;       // below our 6 s floor: the user's word wins
    n.lowSpeedLimitBytes = 512 * 1024; // above our 32 KiB/s ceiling: never lowered
    n.lowSpeedTimeSeconds = 10;        // below our 15 s floor
    const TimeoutAdvisor advisor(n);
    for (const double failure : {0.0, 1.0}) {
        const auto a = advisor.advise(host(5.0, 10, 100.0 * MiB, 10, failure));
        EXPECT_EQ(a.connectTimeoutSeconds, 4);
        EXPECT_EQ(a.lowSpeedLimitBytes, 512 * 1024);
        EXPECT_EQ(a.lowSpeedTimeSeconds, 10);
    }
}

TEST(TimeoutAdvisor, DisabledLowSpeedCheckStaysDisabled) {
    NetworkSettings n;
    n.lowSpeedLimitBytes = 0;
    const TimeoutAdvisor advisor(n);
    const auto a = advisor.advise(host(0.1, 10, 5.0 * MiB, 10));
    EXPECT_EQ(a.lowSpeedLimitBytes, 0);
    EXPECT_EQ(a.lowSpeedTimeSeconds, n.lowSpeedTimeSeconds);
    EXPECT_EQ(a.connectTimeoutSeconds, 6); // the connect timeout still adapts
    EXPECT_NE(a.why.find("low-speed check off"), std::string::npos) << a.why;
}

TEST(TimeoutAdvisor, SpeedLimitShareCapsTheStallLine) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    const auto unlimited = advisor.advise(host(0.1, 10, 8.0 * MiB, 10));
    EXPECT_EQ(unlimited.lowSpeedLimitBytes, 32 * KiB);
    // 2 MiB/s shared by 8 downloads x 8 connections: 32 KiB/s each; a quarter of it.
    const auto limited = advisor.advise(host(0.1, 10, 8.0 * MiB, 10), 32 * KiB);
    EXPECT_EQ(limited.lowSpeedLimitBytes, 8 * KiB);
    EXPECT_NE(limited.why.find("speed limit 32.0 KiB/s per connection"), std::string::npos)
        << limited.why;
    // A share so small that a quarter of it is under the config's floor: the floor holds.
    const auto tiny = advisor.advise(host(0.1, 10, 8.0 * MiB, 10), 2 * KiB);
    EXPECT_EQ(tiny.lowSpeedLimitBytes, 1024);
}

TEST(TimeoutAdvisor, HostNearTheStallLineKeepsTheConfiguredTime) {
    const TimeoutAdvisor advisor{NetworkSettings{}};
    // 16 KiB/s per connection: 1/32 is under the floor, so the line is the config's 1 KiB/s;
    // 16x above it: clearly stalled below it, the time may shrink.
    const auto slow = advisor.advise(host(0.5, 5, 16.0 * KiB, 5));
    EXPECT_EQ(slow.lowSpeedLimitBytes, 1024);
    EXPECT_EQ(slow.lowSpeedTimeSeconds, 20);
    // 4 KiB/s per connection: its ordinary dips reach 1 KiB/s; keep the full 60 s.
    const auto crawl = advisor.advise(host(0.5, 5, 4.0 * KiB, 5));
    EXPECT_EQ(crawl.lowSpeedLimitBytes, 1024);
    EXPECT_EQ(crawl.lowSpeedTimeSeconds, 60);
    EXPECT_NE(crawl.why.find("close to the stall line"), std::string::npos) << crawl.why;
}

TEST(TimeoutAdvisor, EachFigureAdaptsOnlyFromItsOwnMeasurements) {
    const NetworkSettings n;
    const TimeoutAdvisor advisor(n);
    // TTFB known, speed not (small files only): connect adapts, low speed stays configured.
    const auto ttfbOnly = advisor.advise(host(0.3, 5, 0, 0));
    EXPECT_EQ(ttfbOnly.connectTimeoutSeconds, 6);
    EXPECT_EQ(ttfbOnly.lowSpeedLimitBytes, n.lowSpeedLimitBytes);
    EXPECT_EQ(ttfbOnly.lowSpeedTimeSeconds, n.lowSpeedTimeSeconds);
    EXPECT_TRUE(ttfbOnly.adapted);
    // Speed known, TTFB not: the limit adapts; time (needs the RTT) and connect do not.
    const auto speedOnly = advisor.advise(host(0, 0, 1.0 * MiB, 5));
    EXPECT_EQ(speedOnly.connectTimeoutSeconds, n.connectTimeoutSeconds);
    EXPECT_EQ(speedOnly.lowSpeedLimitBytes, 32 * KiB);
    EXPECT_EQ(speedOnly.lowSpeedTimeSeconds, n.lowSpeedTimeSeconds);
    EXPECT_NE(speedOnly.why.find("TTFB not measured"), std::string::npos) << speedOnly.why;
}
