// Unit tests for maria2::SpeedMeter: bytes per second over a sliding window. Time is
// synthetic (time points built from a zero epoch), so nothing sleeps and results are exact.
#include "core/engine/SpeedMeter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

using maria2::SpeedMeter;
using std::chrono::milliseconds;

namespace {

SpeedMeter::Clock::time_point at(std::int64_t ms) {
    return SpeedMeter::Clock::time_point{} + milliseconds(ms);
}

// Samples a steady `rate` (B/s) every `stepMs` from `fromMs` to `toMs` inclusive, starting at
// `startBytes`; returns the byte count at `toMs`.
std::int64_t feedSteady(SpeedMeter& m, std::int64_t fromMs, std::int64_t toMs, std::int64_t stepMs,
                        std::int64_t rate, std::int64_t startBytes) {
    std::int64_t bytes = startBytes;
    for (std::int64_t t = fromMs; t <= toMs; t += stepMs) {
        bytes = startBytes + rate * (t - fromMs) / 1000;
        m.sample(at(t), bytes);
    }
    return bytes;
}

TEST(SpeedMeter, ZeroWithoutSamples) {
    const SpeedMeter m;
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
}

TEST(SpeedMeter, ZeroWithOneSample) {
    SpeedMeter m;
    m.sample(at(1000), 5000);
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
}

TEST(SpeedMeter, TwoSamples) {
    SpeedMeter m;
    m.sample(at(0), 0);
    m.sample(at(500), 1000);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 2000.0);
}

TEST(SpeedMeter, SameInstantGivesZeroNotInfinity) {
    SpeedMeter m;
    m.sample(at(100), 0);
    m.sample(at(100), 1000);
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
}

TEST(SpeedMeter, SteadyRate) {
    SpeedMeter m;
    feedSteady(m, 0, 10000, 100, 10000, 0);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 10000.0);
}

TEST(SpeedMeter, SteadyRateWithIrregularSampling) {
    SpeedMeter m;
    const std::int64_t times[] = {0, 13, 250, 251, 900, 1777, 2400, 3100, 3999, 5200, 6000};
    for (std::int64_t t : times) {
        m.sample(at(t), 3 * t); // 3000 B/s
    }
    EXPECT_NEAR(m.bytesPerSecond(), 3000.0, 1e-6);
}

TEST(SpeedMeter, WindowSlidesToTheNewRate) {
    SpeedMeter m(milliseconds(3000));
    // 10 s at 1000 B/s, then 10 s at 5000 B/s.
    const std::int64_t bytes = feedSteady(m, 0, 10000, 100, 1000, 0);
    feedSteady(m, 10000, 10500, 100, 5000, bytes);
    const double early = m.bytesPerSecond();
    // Half a second into the change: moving towards the new rate, not there yet.
    EXPECT_GT(early, 1000.0);
    EXPECT_LT(early, 5000.0);

    feedSteady(m, 10500, 15000, 100, 5000, bytes + 2500);
    // Five seconds later the window holds only the new rate. A cumulative average would say
    // (10000 + 25000) / 15 = 2333 B/s.
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 5000.0);
}

TEST(SpeedMeter, WindowFollowsASlowDown) {
    SpeedMeter m(milliseconds(2000));
    const std::int64_t bytes = feedSteady(m, 0, 20000, 200, 100000, 0);
    feedSteady(m, 20000, 25000, 200, 1000, bytes);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 1000.0);
}

TEST(SpeedMeter, StallDropsToZeroAfterWindow) {
    SpeedMeter m(milliseconds(3000));
    const std::int64_t bytes = feedSteady(m, 0, 5000, 100, 8000, 0);
    EXPECT_GT(m.bytesPerSecond(), 0.0);
    for (std::int64_t t = 5100; t <= 9000; t += 100) {
        m.sample(at(t), bytes); // nothing arrives
    }
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
}

TEST(SpeedMeter, ShorterWindowForgetsSooner) {
    SpeedMeter shortWindow(milliseconds(1000));
    SpeedMeter longWindow(milliseconds(10000));
    for (SpeedMeter* m : {&shortWindow, &longWindow}) {
        const std::int64_t bytes = feedSteady(*m, 0, 10000, 100, 1000, 0);
        feedSteady(*m, 10000, 12000, 100, 9000, bytes);
    }
    EXPECT_DOUBLE_EQ(shortWindow.bytesPerSecond(), 9000.0);
    EXPECT_LT(longWindow.bytesPerSecond(), 9000.0);
    EXPECT_GT(longWindow.bytesPerSecond(), 1000.0);
}

TEST(SpeedMeter, RestartToZeroClearsHistory) {
    SpeedMeter m;
    feedSteady(m, 0, 2000, 100, 50000, 0);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 50000.0);

    // The transfer restarted from zero (e.g. the server ignored the range): the old samples
    // must not produce a negative or mixed speed.
    m.sample(at(2100), 0);
    EXPECT_EQ(m.bytesPerSecond(), 0.0);

    m.sample(at(3100), 2000);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 2000.0);
}

TEST(SpeedMeter, RestartToLowerCountClearsHistory) {
    SpeedMeter m;
    m.sample(at(0), 0);
    m.sample(at(1000), 100000);
    m.sample(at(1100), 500); // lower than before: a restart, not negative speed
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
    m.sample(at(1600), 1500);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 2000.0);
}

TEST(SpeedMeter, ResetClears) {
    SpeedMeter m;
    feedSteady(m, 0, 1000, 100, 4000, 0);
    ASSERT_GT(m.bytesPerSecond(), 0.0);
    m.reset();
    EXPECT_EQ(m.bytesPerSecond(), 0.0);
    m.sample(at(2000), 4000);
    EXPECT_EQ(m.bytesPerSecond(), 0.0); // one sample after reset: still unknown
    m.sample(at(3000), 7000);
    EXPECT_DOUBLE_EQ(m.bytesPerSecond(), 3000.0);
}

TEST(SpeedMeter, NeverNegative) {
    SpeedMeter m;
    std::int64_t bytes = 0;
    for (std::int64_t t = 0; t < 20000; t += 150) {
        bytes = (t % 3000 == 0) ? 0 : bytes + (t % 7) * 100; // restarts now and then
        m.sample(at(t), bytes);
        EXPECT_GE(m.bytesPerSecond(), 0.0) << "t=" << t;
    }
}

} // namespace
