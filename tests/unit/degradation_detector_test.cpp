// Unit tests for maria2::DegradationDetector on synthetic speed traces and a fake clock: one
// sample per simulated second, no sleeping.
#include "core/adapt/DegradationDetector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

using maria2::Degradation;
using maria2::DegradationDetector;
using maria2::DegradationSettings;
using Clock = DegradationDetector::Clock;
using std::chrono::seconds;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

struct Event {
    int second; // the fake clock's second at which it fired
    Degradation degradation;
};

// Drives a detector one sample per fake second from an arbitrary origin.
class Trace {
public:
    explicit Trace(DegradationSettings settings = {})
        : detector(settings) {}

    // n samples at `speed`, one per second.
    void run(int n, double speed, bool limited = false) {
        for (int i = 0; i < n; ++i) {
            sample(speed, limited);
        }
    }
    // n samples whose speed is f(index within this call).
    void run(int n, const std::function<double(int)>& f) {
        for (int i = 0; i < n; ++i) {
            sample(f(i));
        }
    }
    void sample(double speed, bool limited = false) {
        ++now;
        if (auto d = detector.update(at(now), speed, limited)) {
            events.push_back({now, *d});
        }
    }
    void skip(int secondsWithoutSamples) { now += secondsWithoutSamples; }

    static Clock::time_point at(int second) { return Clock::time_point{} + seconds(3600 + second); }

    DegradationDetector detector;
    std::vector<Event> events;
    int now = 0;
};

} // namespace

TEST(DegradationDetector, SteadySpeedNeverFires) {
    Trace t;
    // +-20% wobble around 1 MiB/s for ten minutes.
    t.run(600, [](int i) { return MiB * (1.0 + 0.2 * std::sin(i * 0.7)); });
    EXPECT_TRUE(t.events.empty());
    EXPECT_TRUE(t.detector.warmedUp());
    EXPECT_NEAR(t.detector.baseline(), MiB, 0.1 * MiB);
    EXPECT_EQ(t.detector.count(), 0);
}

TEST(DegradationDetector, RampUpFromZeroNeverFires) {
    Trace t;
    // Connecting, then TCP slow start, then full speed: the start is slow, not degraded.
    t.run(20, [](int i) { return i < 3 ? 0.0 : MiB * std::min(1.0, (i - 2) / 8.0); });
    t.run(120, MiB);
    EXPECT_TRUE(t.events.empty());
}

TEST(DegradationDetector, DropToTwentyPercentForTenSecondsFiresOnceWithTheFigures) {
    Trace t;
    t.run(60, MiB);
    t.run(15, 0.2 * MiB);
    ASSERT_EQ(t.events.size(), 1u);
    const auto& e = t.events[0];
    EXPECT_EQ(e.second, 70); // the 10th low second
    EXPECT_NEAR(e.degradation.baselineBytesPerSecond, MiB, 1.0);
    EXPECT_NEAR(e.degradation.currentBytesPerSecond, 0.2 * MiB, 1.0);
    EXPECT_NEAR(e.degradation.forSeconds, 10.0, 1e-6);
    EXPECT_EQ(e.degradation.count, 1);
    EXPECT_EQ(t.detector.count(), 1);
    // Low samples did not drag the baseline down.
    EXPECT_NEAR(t.detector.baseline(), MiB, 1.0);

    // Recovery: quiet from then on.
    t.run(120, MiB);
    EXPECT_EQ(t.events.size(), 1u);
}

TEST(DegradationDetector, DescribeNamesTheFigures) {
    Degradation d;
    d.baselineBytesPerSecond = MiB;
    d.currentBytesPerSecond = 0.2 * MiB;
    d.forSeconds = 10;
    d.count = 1;
    EXPECT_EQ(maria2::describe(d),
              "speed 204.8 KiB/s is 20% of the recent 1.0 MiB/s for 10 s (event 1)");
}

TEST(DegradationDetector, ShortDropThenRecoveryDoesNotFire) {
    Trace t;
    t.run(60, MiB);
    t.run(8, 0.2 * MiB);
    t.run(1, MiB);
    t.run(8, 0.1 * MiB); // two short dips do not add up
    t.run(60, MiB);
    EXPECT_TRUE(t.events.empty());
}

TEST(DegradationDetector, LimitedSamplesNeitherFireNorMoveTheBaseline) {
    Trace t;
    t.run(60, MiB);
    t.run(120, 0.05 * MiB, /*limited=*/true); // a speed limit holds it at 5%
    EXPECT_TRUE(t.events.empty());
    EXPECT_NEAR(t.detector.baseline(), MiB, 1.0);

    // Low seconds interrupted by a limited one every 9 s never make 10 in a row.
    for (int i = 0; i < 10; ++i) {
        t.run(9, 0.1 * MiB);
        t.run(1, 0.1 * MiB, /*limited=*/true);
    }
    EXPECT_TRUE(t.events.empty());

    // Without the limited seconds, the same trace fires.
    t.run(10, 0.1 * MiB);
    EXPECT_EQ(t.events.size(), 1u);
}

TEST(DegradationDetector, FiresAgainOnlyAfterTheCoolDownIfStillDegraded) {
    DegradationSettings s;
    s.relearnAfter = 0; // never accept the slow speed: keeps firing every cool-down
    Trace t(s);
    t.run(60, MiB);
    t.run(90, 0.2 * MiB); // seconds 61..150
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events[0].second, 70);
    EXPECT_EQ(t.events[1].second, 100); // 30 s cool-down
    EXPECT_EQ(t.events[2].second, 130);
    EXPECT_NEAR(t.events[1].degradation.forSeconds, 40.0, 1e-6); // low since second 61
    EXPECT_EQ(t.events[1].degradation.count, 2);
    EXPECT_EQ(t.events[2].degradation.count, 3);
    // The baseline is still the speed before the fall.
    EXPECT_NEAR(t.events[2].degradation.baselineBytesPerSecond, MiB, 1.0);
}

TEST(DegradationDetector, RecoveryInsideTheCoolDownNeedsAFreshSustainedRun) {
    Trace t;
    t.run(60, MiB);
    t.run(10, 0.2 * MiB); // event at 70
    t.run(5, MiB);        // recovered
    t.run(24, 0.2 * MiB); // low again 76..99: sustained since 85 but cooling down until 100
    ASSERT_EQ(t.events.size(), 1u);
    t.run(1, 0.2 * MiB); // 100: cool-down over, still low
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[1].second, 100);
    EXPECT_NEAR(t.events[1].degradation.forSeconds, 25.0, 1e-6);
}

TEST(DegradationDetector, AcceptsTheNewSpeedAfterRepeatedEventsWithoutRecovery) {
    Trace t; // relearnAfter = 3
    t.run(60, MiB);
    t.run(200, 0.2 * MiB);
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events[2].second, 130);
    // Relearned: 0.2 MiB/s is the normal now, and a fall from there is news again.
    EXPECT_NEAR(t.detector.baseline(), 0.2 * MiB, 1.0);
    t.run(20, 0.02 * MiB);
    ASSERT_EQ(t.events.size(), 4u);
    EXPECT_NEAR(t.events[3].degradation.baselineBytesPerSecond, 0.2 * MiB, 1.0);
    EXPECT_EQ(t.events[3].degradation.count, 4);
}

TEST(DegradationDetector, SlowDeclineOfFivePercentPerSecondFires) {
    Trace t;
    t.run(60, MiB);
    double speed = MiB;
    t.run(50, [&speed](int) { return speed *= 0.95; });
    ASSERT_EQ(t.events.size(), 1u) << "speed at the end " << speed / MiB << " MiB/s";
    const auto& e = t.events[0];
    // Below 30% of the start after 24 s; sustained 10 s more; the baseline lags a little.
    EXPECT_GE(e.second, 60 + 24 + 10);
    EXPECT_LE(e.second, 60 + 50);
    // The decline did not drag the baseline down with it.
    EXPECT_GT(e.degradation.baselineBytesPerSecond, 0.6 * MiB);
    EXPECT_LT(e.degradation.currentBytesPerSecond, 0.3 * e.degradation.baselineBytesPerSecond);
}

TEST(DegradationDetector, EvenASlowerDeclineOfTwoPercentPerSecondIsCaught) {
    // The baseline falls with a 90 s time constant; with 30 s this trace never fires.
    for (const bool slowFall : {true, false}) {
        DegradationSettings s;
        if (!slowFall) {
            s.fallTimeConstant = s.riseTimeConstant;
        }
        Trace t(s);
        t.run(60, MiB);
        double speed = MiB;
        t.run(150, [&speed](int) { return speed *= 0.98; });
        if (slowFall) {
            ASSERT_FALSE(t.events.empty());
            EXPECT_GT(t.events[0].degradation.baselineBytesPerSecond, 0.5 * MiB);
            EXPECT_LT(t.events[0].degradation.currentBytesPerSecond, 0.2 * MiB);
        } else {
            EXPECT_TRUE(t.events.empty());
        }
    }
}

TEST(DegradationDetector, NoEventDuringTheWarmUp) {
    DegradationSettings s;
    s.sustain = seconds(2); // short, so only the warm-up can hold an event back
    Trace t(s);
    t.run(3, MiB);
    for (int i = 0; i < 7; ++i) {
        EXPECT_FALSE(t.detector.warmedUp()) << t.now;
        t.sample(0.05 * MiB);
    }
    EXPECT_TRUE(t.events.empty()); // 10 s in, 7 of them at 5%
    EXPECT_TRUE(t.detector.warmedUp());
    t.run(5, 0.05 * MiB);
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_EQ(t.events[0].second, 12); // the first moment it may: warm-up 10 s + sustain 2 s
}

TEST(DegradationDetector, AGapEndsTheRunAndWarmsUpAgainButKeepsTheBaseline) {
    Trace t;
    t.run(60, MiB);
    t.run(6, 0.1 * MiB);
    t.skip(20); // paused: no samples
    t.run(9, 0.1 * MiB);
    EXPECT_TRUE(t.events.empty());
    EXPECT_NEAR(t.detector.baseline(), MiB, 1.0);
    // After the gap: 10 s warm-up, then 10 s low in a row.
    t.run(11, 0.1 * MiB);
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_EQ(t.events[0].second, 86 + 20);
    EXPECT_NEAR(t.events[0].degradation.forSeconds, 10.0, 1e-6);
    EXPECT_NEAR(t.events[0].degradation.baselineBytesPerSecond, MiB, 1.0);
}

TEST(DegradationDetector, ResetForgetsEverything) {
    Trace t;
    t.run(60, MiB);
    t.run(10, 0.2 * MiB);
    ASSERT_EQ(t.events.size(), 1u);
    t.detector.reset();
    EXPECT_EQ(t.detector.count(), 0);
    EXPECT_EQ(t.detector.baseline(), 0.0);
    EXPECT_FALSE(t.detector.warmedUp());
    // A fresh download at 4 MiB/s that drops to 0.
    t.run(30, 4 * MiB);
    t.run(10, 0.0);
    ASSERT_EQ(t.events.size(), 2u);
    EXPECT_EQ(t.events[1].degradation.count, 1);
    EXPECT_NEAR(t.events[1].degradation.baselineBytesPerSecond, 4 * MiB, 1.0);
    EXPECT_EQ(t.events[1].degradation.currentBytesPerSecond, 0.0);
}

TEST(DegradationDetector, JunkSamplesAreIgnored) {
    Trace t;
    t.run(60, MiB);
    const auto last = Trace::at(t.now);
    EXPECT_FALSE(t.detector.update(last, 0.0, false));              // same instant
    EXPECT_FALSE(t.detector.update(last - seconds(3), 0.0, false)); // earlier
    EXPECT_FALSE(
        t.detector.update(last + seconds(1), std::numeric_limits<double>::quiet_NaN(), false));
    EXPECT_FALSE(t.detector.update(last + seconds(1), -5.0, false));
    EXPECT_FALSE(
        t.detector.update(last + seconds(1), std::numeric_limits<double>::infinity(), false));
    EXPECT_NEAR(t.detector.baseline(), MiB, 1.0);
    EXPECT_TRUE(std::isfinite(t.detector.baseline()));
    t.run(60, MiB);
    EXPECT_TRUE(t.events.empty());
}

TEST(DegradationDetector, ATrickleIsNotJudged) {
    Trace t;
    t.run(60, 4 * 1024.0); // 4 KiB/s, under minBaselineBytesPerSecond
    t.run(30, 0.0);
    EXPECT_TRUE(t.events.empty());
    EXPECT_FALSE(t.detector.warmedUp());
}

TEST(DegradationDetector, UnevenSampleSpacingIsWeighedByTime) {
    Trace t;
    // 2 s samples: the sustain is time, not a sample count.
    for (int i = 0; i < 30; ++i) {
        t.skip(1);
        t.sample(MiB);
    }
    for (int i = 0; i < 4; ++i) {
        t.skip(1);
        t.sample(0.1 * MiB);
    }
    EXPECT_TRUE(t.events.empty()); // 8 s low
    t.skip(1);
    t.sample(0.1 * MiB);
    ASSERT_EQ(t.events.size(), 1u); // 10 s low
    EXPECT_NEAR(t.events[0].degradation.forSeconds, 10.0, 1e-6);
}
