// Unit tests for maria2::ConnectionTuner: ramp while the total rises, give back a step that did
// not pay and remember the cap, halve on throttling or resets and cool down, re-probe after a
// long hold, respect the user's limit and the ceiling, and do not oscillate on noise.
#include "core/routing/ConnectionTuner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

using maria2::ConnectionTuner;
using maria2::TunerConfig;
using maria2::TunerEvent;
using maria2::TunerPhase;
using std::chrono::seconds;

namespace {

ConnectionTuner::Clock::time_point at(int s) {
    return ConnectionTuner::Clock::time_point{} + seconds(s);
}

// A server whose total throughput stops growing past `cap` connections (1 MB/s each).
std::function<double(int)> cappedAt(int cap) {
    return [cap](int n) {
        return std::min(n, cap) * 1e6;
    };
}

// Runs `steps` control steps 5 s apart from `conns`, returning every count used.
std::vector<int> run(ConnectionTuner& tuner, const std::string& host, int conns,
                     const std::function<double(int)>& server, int steps, int startSecond = 0,
                     int userMax = 0) {
    std::vector<int> used;
    for (int i = 0; i < steps; ++i) {
        used.push_back(conns);
        conns = tuner.next(host, conns, server(conns), TunerEvent::None, at(startSecond + 5 * i),
                           userMax);
    }
    used.push_back(conns);
    return used;
}

} // namespace

TEST(ConnectionTuner, StartsAtTheConfiguredCountWithinTheUserLimit) {
    ConnectionTuner tuner;
    EXPECT_EQ(tuner.initial("h"), 4);
    EXPECT_EQ(tuner.initial("h", 2), 2);
    EXPECT_EQ(tuner.initial("h", 1), 1);
    EXPECT_EQ(tuner.learnedCap("h"), 0);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Ramping);
}

TEST(ConnectionTuner, RampsThenGivesBackTheStepThatDidNotPay) {
    ConnectionTuner tuner;
    const int start = tuner.initial("h");
    const auto used = run(tuner, "h", start, cappedAt(12), 6);
    // x2 below 8, then +25%; 15 made no more than 12, so back to 12 and hold.
    EXPECT_EQ(used, (std::vector<int>{4, 8, 10, 12, 15, 12, 12}));
    EXPECT_EQ(tuner.learnedCap("h"), 12);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
}

TEST(ConnectionTuner, AGainBelowTheMarginIsFlat) {
    ConnectionTuner tuner;
    tuner.initial("h");
    EXPECT_EQ(tuner.next("h", 4, 4e6, TunerEvent::None, at(0)), 8);
    EXPECT_EQ(tuner.next("h", 8, 4.39e6, TunerEvent::None, at(5)), 4); // +9.75%: flat
    EXPECT_EQ(tuner.learnedCap("h"), 4);
}

TEST(ConnectionTuner, NewDownloadStartsAtTheLearnedCap) {
    ConnectionTuner tuner;
    run(tuner, "h", tuner.initial("h"), cappedAt(12), 6);
    EXPECT_EQ(tuner.initial("h"), 12);
    EXPECT_EQ(tuner.initial("h", 6), 6); // the user's limit still wins
    EXPECT_EQ(tuner.initial("other"), 4);
}

TEST(ConnectionTuner, ThrottlingHalvesLearnsAndCoolsDown) {
    ConnectionTuner tuner;
    tuner.initial("h");
    EXPECT_EQ(tuner.next("h", 16, 8e6, TunerEvent::Throttled, at(0)), 8);
    EXPECT_EQ(tuner.learnedCap("h"), 8);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::CoolingDown);
    // During the cool-down nothing grows, however good the numbers look.
    EXPECT_EQ(tuner.next("h", 8, 50e6, TunerEvent::None, at(10)), 8);
    EXPECT_EQ(tuner.next("h", 12, 50e6, TunerEvent::None, at(20)), 8);
    // After it, hold.
    EXPECT_EQ(tuner.next("h", 8, 8e6, TunerEvent::None, at(31)), 8);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
}

TEST(ConnectionTuner, ResetsBackOffLikeThrottling) {
    ConnectionTuner tuner;
    EXPECT_EQ(tuner.next("h", 10, 1e6, TunerEvent::Reset, at(0)), 5);
    EXPECT_EQ(tuner.next("h", 5, 1e6, TunerEvent::Reset, at(1)), 2);
    EXPECT_EQ(tuner.next("h", 2, 1e6, TunerEvent::Reset, at(2)), 1);
    EXPECT_EQ(tuner.next("h", 1, 1e6, TunerEvent::Reset, at(3)), 1); // never below 1
    EXPECT_EQ(tuner.learnedCap("h"), 1);
}

TEST(ConnectionTuner, ReprobesAfterALongHoldAndFollowsAFasterServer) {
    ConnectionTuner tuner;
    run(tuner, "h", tuner.initial("h"), cappedAt(12), 6); // holds at 12 from t=20
    // Within the re-probe interval: hold.
    EXPECT_EQ(tuner.next("h", 12, 12e6, TunerEvent::None, at(100)), 12);
    // The server got faster; the probe finds it and the ramp continues to the new cap.
    const auto used = run(tuner, "h", 12, cappedAt(24), 6, 200);
    // 27 made no more than 22 did (the server tops out at 24): settle on 22, within a step.
    EXPECT_EQ(used, (std::vector<int>{12, 15, 18, 22, 27, 22, 22}));
    EXPECT_EQ(tuner.learnedCap("h"), 22);
}

TEST(ConnectionTuner, AFailedProbeGoesBackAndWaitsAgain) {
    ConnectionTuner tuner;
    run(tuner, "h", tuner.initial("h"), cappedAt(12), 6);                // hold from t=20
    EXPECT_EQ(tuner.next("h", 12, 12e6, TunerEvent::None, at(150)), 15); // probe
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Probing);
    EXPECT_EQ(tuner.next("h", 15, 12e6, TunerEvent::None, at(155)), 12); // did not pay
    EXPECT_EQ(tuner.learnedCap("h"), 12);
    EXPECT_EQ(tuner.next("h", 12, 12e6, TunerEvent::None, at(200)), 12); // too soon to probe
    EXPECT_EQ(tuner.next("h", 12, 12e6, TunerEvent::None, at(275)), 15); // 120 s later
}

TEST(ConnectionTuner, NeverAboveTheUserLimitOrTheCeiling) {
    ConnectionTuner ceiling10(10);
    const auto used = run(ceiling10, "h", ceiling10.initial("h"), cappedAt(1000), 40);
    EXPECT_EQ(*std::max_element(used.begin(), used.end()), 10);
    EXPECT_EQ(used.back(), 10);

    ConnectionTuner tuner;
    const auto limited = run(tuner, "u", tuner.initial("u", 6), cappedAt(1000), 40, 0, 6);
    EXPECT_EQ(*std::max_element(limited.begin(), limited.end()), 6);
    // A count above the limit passed in is brought back within it.
    EXPECT_LE(tuner.next("u", 50, 1e6, TunerEvent::None, at(1000), 6), 6);
}

TEST(ConnectionTuner, DefaultCeilingIs64) {
    ConnectionTuner tuner;
    const auto used = run(tuner, "h", tuner.initial("h"), cappedAt(1000), 40);
    EXPECT_EQ(*std::max_element(used.begin(), used.end()), 64);
    EXPECT_EQ(tuner.config().ceiling, 64);
}

TEST(ConnectionTuner, NoMeasurementNoMove) {
    ConnectionTuner tuner;
    tuner.initial("h");
    EXPECT_EQ(tuner.next("h", 4, 0, TunerEvent::None, at(0)), 4);
    EXPECT_EQ(tuner.next("h", 4, std::nan(""), TunerEvent::None, at(5)), 4);
    EXPECT_EQ(tuner.next("h", 4, 4e6, TunerEvent::None, at(10)), 8); // now it moves
}

TEST(ConnectionTuner, DoesNotOscillateOnNoise) {
    ConnectionTuner tuner;
    // +-4% noise around a server capped at 12: even the worst pair of samples (1.04 / 0.96,
    // +8.3%) stays inside the 10% margin, so noise alone never moves the count.
    int step = 0;
    auto noisy = [&step](int n) {
        return std::min(n, 12) * 1e6 * (1 + 0.04 * std::sin(step++));
    };
    const auto used = run(tuner, "h", tuner.initial("h"), noisy, 400); // 2000 s
    const auto settled = std::vector<int>(used.begin() + 10, used.end());
    const auto at12 = std::count(settled.begin(), settled.end(), 12);
    EXPECT_GE(at12, static_cast<long>(settled.size() * 9 / 10));
    EXPECT_LE(*std::max_element(settled.begin(), settled.end()), 15); // probes are one step
    EXPECT_GE(*std::min_element(settled.begin(), settled.end()), 8);  // noise never cuts
}

TEST(ConnectionTuner, SeededCapIsTrustedThenProbed) {
    ConnectionTuner tuner;
    tuner.setLearnedCap("h", 20);
    EXPECT_EQ(tuner.learnedCap("h"), 20);
    EXPECT_EQ(tuner.initial("h"), 20);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
    EXPECT_EQ(tuner.next("h", 20, 20e6, TunerEvent::None, at(60)), 20);
    EXPECT_EQ(tuner.next("h", 20, 20e6, TunerEvent::None, at(200)), 25); // a probe
    tuner.setLearnedCap("big", 1000);
    EXPECT_EQ(tuner.learnedCap("big"), 64);
}

TEST(ConnectionTuner, HostsAreBounded) {
    TunerConfig config;
    config.maxHosts = 2;
    ConnectionTuner tuner(config);
    tuner.setLearnedCap("a", 5);
    tuner.setLearnedCap("b", 6);
    tuner.setLearnedCap("c", 7);
    EXPECT_EQ(tuner.learnedCap("a"), 0);
    EXPECT_EQ(tuner.learnedCap("b"), 6);
    EXPECT_EQ(tuner.learnedCap("c"), 7);
}
