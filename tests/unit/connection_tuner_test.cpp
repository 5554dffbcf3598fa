// Unit tests of maria2::ConnectionTuner's control law, on a fake clock and a simulated host:
// doubling every measured window while the rate scales, holding at the fewest connections that
// reach 95% of a total cap, a second look when new connections are still starting, halving at
// once on push-back (once per window) and cooling down, windows that only count with every
// connection open, the learned cap and the start hint, re-probing, limits, and no oscillation
// on noise.
#include "core/routing/ConnectionTuner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

using maria2::ConnectionTuner;
using maria2::TunerConfig;
using maria2::TunerEvent;
using maria2::TunerPhase;
using maria2::TunerSample;
using std::chrono::milliseconds;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

// Far from the clock's zero, which the tuner reads as "not yet".
ConnectionTuner::Clock::time_point at(milliseconds t) {
    return ConnectionTuner::Clock::time_point{} + std::chrono::hours(1) + t;
}

// Each connection gets `perConnection` until the host's total reaches `total` (0: no cap).
std::function<double(int)> capped(double perConnection, double total = 0) {
    return [=](int n) {
        const double sum = n * perConnection;
        return total > 0 ? std::min(sum, total) : sum;
    };
}

// The host as the pool sees it: every `every`, one progress report with the bytes that
// arrived since the last one. The Job opens a new count at once (setConnectionLimit); a new
// connection then delivers nothing for `lag` (connect, request, first byte), then `burst`
// bytes at once (a server that limits each connection but lets a socket buffer through).
class Sim {
public:
    Sim(ConnectionTuner& tuner, std::function<double(int)> server, int start)
        : m_tuner(tuner)
        , m_server(std::move(server)) {
        resize(start);
    }

    milliseconds lag{0};
    double burst = 0;
    // nginx's limit_rate with sendfile: each connection sends `lump` bytes whenever what it
    // sent so far is within its rate `lumpRate` (so a lump at once, then one every lump / rate
    // seconds); the server function is then not used.
    double lump = 0;
    double lumpRate = 0;
    milliseconds every{200};
    // Optional: each delivering connection's own rate (B/s) by its place among them (0 = the
    // oldest) when n deliver. The total is their sum (the server function is not used), and
    // every report carries the fastest one's rate, as the pool's reports do.
    std::function<double(int index, int n)> perConnection;
    // Sent with the first report: the first connection's rate before the split (0 = none).
    double single = 0;
    int limit = 0;
    int downloads = 1;
    bool measurable = true;
    std::string host = "h";

    int count() const { return static_cast<int>(m_started.size()); }
    milliseconds now() const { return m_now; }

    // One progress interval, then the report; returns the count the tuner answers.
    int step(TunerEvent event = TunerEvent::None) {
        const milliseconds slice{10};
        std::vector<double> took(m_started.size(), 0.0);
        for (milliseconds t{0}; t < every; t += slice) {
            int delivering = 0;
            for (auto& c : m_started) {
                const milliseconds age = m_now + t - c.started;
                if (age >= lag) {
                    ++delivering;
                }
            }
            int place = 0;
            for (std::size_t i = 0; i < m_started.size(); ++i) {
                auto& c = m_started[i];
                const milliseconds age = m_now + t - c.started;
                if (age < lag) {
                    continue;
                }
                if (perConnection) {
                    const double b = perConnection(place, delivering) * 0.010;
                    took[i] += b;
                    m_bytes += b;
                }
                ++place;
                m_bytes += c.burstSent ? 0.0 : burst;
                c.burstSent = true;
                while (lump > 0 &&
                       c.sent <= lumpRate * std::chrono::duration<double>(age - lag).count()) {
                    c.sent += lump;
                    m_bytes += lump;
                }
            }
            m_bytes += lump > 0 || perConnection ? 0.0 : m_server(delivering) * 0.010;
        }
        m_now += every;
        TunerSample sample;
        if (perConnection) {
            const double fastest = took.empty() ? 0.0 : *std::max_element(took.begin(), took.end());
            sample.fastConnectionRate = fastest / std::chrono::duration<double>(every).count();
        }
        sample.singleConnectionRate = std::exchange(single, 0.0);
        sample.connections = count();
        sample.bytes = static_cast<std::int64_t>(m_bytes);
        m_bytes -= static_cast<double>(sample.bytes);
        sample.downloads = downloads;
        sample.limit = limit;
        sample.measurable = measurable;
        sample.event = event;
        resize(m_tuner.update(host, sample, at(m_now)));
        return count();
    }

    // Steps until `until` has passed, returning every count used (the start included).
    std::vector<int> runFor(milliseconds until) {
        std::vector<int> used{count()};
        const milliseconds end = m_now + until;
        while (m_now < end) {
            used.push_back(step());
        }
        return used;
    }

private:
    void resize(int n) {
        while (count() < n) {
            m_started.push_back({m_now, false, 0.0});
        }
        while (count() > n) {
            m_started.pop_back(); // the newest go first
        }
    }

    ConnectionTuner& m_tuner;
    std::function<double(int)> m_server;
    struct Started {
        milliseconds started;
        bool burstSent;
        double sent; // in lumps
    };
    std::vector<Started> m_started;
    milliseconds m_now{0};
    double m_bytes = 0;
};

int maxOf(const std::vector<int>& v) {
    return *std::max_element(v.begin(), v.end());
}

} // namespace

TEST(ConnectionTuner, StartsAtTheConfiguredCountWithinTheUserLimit) {
    ConnectionTuner tuner;
    EXPECT_EQ(tuner.initial("h"), 4);
    EXPECT_EQ(tuner.count("h"), 4);
    EXPECT_EQ(tuner.initial("h", 2), 2);
    EXPECT_EQ(tuner.initial("h", 1), 1);
    EXPECT_EQ(tuner.learnedCap("h"), 0);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Ramping);
    EXPECT_EQ(tuner.count("never-seen"), 0);
}

TEST(ConnectionTuner, DoublesEveryWindowWhileEachConnectionAddsItsShare) {
    // A server that caps each connection at 4 MiB/s: from 8 to the ceiling in well under a
    // second. The first report starts the window, the second is the baseline.
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(4 * MiB), tuner.initial("h"));
    const auto used = sim.runFor(milliseconds(1200));
    EXPECT_EQ(used, (std::vector<int>{8, 8, 8, 16, 32, 64, 64}));
    EXPECT_EQ(tuner.learnedCap("h"), 64); // scales to the ceiling: the next one starts there
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
    EXPECT_EQ(tuner.initial("h"), 64);
}

TEST(ConnectionTuner, HoldsAtTheFewestConnectionsThatReach95PercentOfATotalCap) {
    // 1 MB/s per connection, 12 MB/s in all: 4 -> 8 -> 16 gains only half its share, twice
    // (the second look), so the host caps the total: ceil(0.95 * 12) = 12 connections.
    ConnectionTuner tuner;
    Sim sim(tuner, capped(1e6, 12e6), tuner.initial("h"));
    const auto used = sim.runFor(milliseconds(2000));
    EXPECT_EQ(used.back(), 12);
    EXPECT_LE(maxOf(used), 16);
    EXPECT_EQ(tuner.learnedCap("h"), 12);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);

    // A cap at 10.2 connections' worth: 10 reach 95% of it (9 would not).
    ConnectionTuner other;
    Sim sim2(other, capped(1e6, 10.2e6), other.initial("h"));
    EXPECT_EQ(sim2.runFor(milliseconds(2000)).back(), 10);
}

TEST(ConnectionTuner, AStepThatAddsNothingIsGivenBack) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(1e6, 4e6), tuner.initial("h"));
    const auto used = sim.runFor(milliseconds(2000));
    EXPECT_EQ(used.back(), 4);
    EXPECT_EQ(maxOf(used), 8);
    EXPECT_EQ(tuner.learnedCap("h"), 4);
}

TEST(ConnectionTuner, NewConnectionsStillStartingGetASecondLook) {
    // Each new connection delivers nothing for its first 150 ms (a long round trip): the first
    // window after a step shows only part of its gain. The tuner looks again instead of
    // taking that for a cap, and still reaches the ceiling.
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(4 * MiB), tuner.initial("h"));
    sim.lag = milliseconds(150);
    const auto used = sim.runFor(milliseconds(3000));
    EXPECT_EQ(used.back(), 64);
    EXPECT_EQ(tuner.learnedCap("h"), 64);
}

TEST(ConnectionTuner, ABurstAtEachNewConnectionsStartIsNotTakenForTheBaseline) {
    // nginx's limit_rate lets the first socket buffer of each response through at once: the
    // window in which connections start looks far better than they will do. Taken for the
    // baseline it would make the next, honest window look like a cap.
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(4 * MiB), tuner.initial("h"));
    sim.burst = 2 * MiB;
    const auto used = sim.runFor(milliseconds(3000));
    EXPECT_EQ(used.back(), 64);
    EXPECT_EQ(*std::min_element(used.begin(), used.end()), 8);
    EXPECT_EQ(tuner.learnedCap("h"), 64);
}

TEST(ConnectionTuner, LumpyConnectionsStillRampToTheCeiling) {
    // nginx's limit_rate 4m with sendfile sends 2 MiB at a time: eight connections opened
    // together deliver 16 MiB in one window and nothing in the next. No window is a fair
    // measure alone; the ramp must still go all the way (and never below its start).
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    for (int phase = 0; phase < 5; ++phase) {
        const std::string host = "h" + std::to_string(phase);
        Sim sim(tuner, capped(0), tuner.initial(host));
        sim.host = host;
        sim.lump = 2 * MiB;
        sim.lumpRate = 4 * MiB;
        sim.lag = milliseconds(40 * phase); // where the reports fall against the lumps
        const auto used = sim.runFor(milliseconds(4000));
        EXPECT_EQ(used.back(), 64) << "phase " << phase;
        EXPECT_GE(*std::min_element(used.begin(), used.end()), 8) << "phase " << phase;
    }
}

// A file whose middle crawls (an uncached part of a mirror): seven connections stay at 8 MiB/s
// in the fast part, every other one gets 1 MiB/s there. Doubling adds little in total (the new
// ones land in the slow part), but the fast ones keep their pace: no total cap, so the ramp
// goes on, and more connections in the slow part are what finishes it sooner.
TEST(ConnectionTuner, NewConnectionsInASlowRangeDoNotStopTheRamp) {
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int place, int) {
        return place < 7 ? 8 * MiB : 1 * MiB;
    };
    const auto used = sim.runFor(milliseconds(1400));
    EXPECT_EQ(used.back(), 64);
    // A step per window from the first settled one: 8, 16, 32, 64 within a second.
    EXPECT_LE(std::find(used.begin(), used.end(), 64) - used.begin(), 5);

    // Without the fastest connection's pace (what the law had before), the same host looked
    // capped at the first step.
    ConnectionTuner blind(config);
    Sim aggregate(
        blind, [](int n) { return std::min(n, 7) * 8 * MiB + std::max(0, n - 7) * MiB; },
        blind.initial("h"));
    EXPECT_LE(maxOf(aggregate.runFor(milliseconds(1400))), 16);
}

// Only the first connection is in the fast part (the rest of the file crawls): still no cap.
TEST(ConnectionTuner, OneFastConnectionAmongSlowOnesIsEnoughToGoOn) {
    TunerConfig config;
    config.initial = 2;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int place, int) {
        return place == 0 ? 4 * MiB : 256 * 1024.0;
    };
    EXPECT_EQ(sim.runFor(milliseconds(3000)).back(), 64);
}

// A total cap that one connection takes a bigger share of (TCP is not fair): the others'
// shares shrink with each step and the total stops growing, so the cap is still found.
TEST(ConnectionTuner, AnUnfairShareOfATotalCapIsStillACap) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int place, int n) {
        const double total = std::min(n * 1e6, 12e6);
        return place == 0 ? total * 0.3 : total * 0.7 / std::max(1, n - 1);
    };
    const auto used = sim.runFor(milliseconds(3000));
    EXPECT_LE(used.back(), 16);
    EXPECT_LE(maxOf(used), 32);
    EXPECT_GT(tuner.learnedCap("h"), 0);
}

// The same total cap as above, seen connection by connection: a fair share each. The fastest
// connection slows down with every step, so the cap is still found, at the same count.
TEST(ConnectionTuner, ATotalCapIsFoundWhenEachConnectionIsMeasured) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int, int n) {
        return std::min(1e6, 12e6 / n);
    };
    const auto used = sim.runFor(milliseconds(2000));
    EXPECT_EQ(used.back(), 12);
    EXPECT_LE(maxOf(used), 16);
    EXPECT_EQ(tuner.learnedCap("h"), 12);
}

// A server that serves eight at once and lets the others wait in its queue: the first eight
// keep their pace but the waiting ones add nothing. That is a cap, not a slow range.
TEST(ConnectionTuner, ConnectionsThatGetNothingAreNotKept) {
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int place, int) {
        return place < 8 ? 4 * MiB : 0.0;
    };
    const auto used = sim.runFor(milliseconds(2000));
    EXPECT_EQ(used.back(), 8);
    EXPECT_LE(maxOf(used), 16);
    EXPECT_EQ(tuner.learnedCap("h"), 8);
}

// The first connection's rate before the split stands for one connection: when the start
// count makes eight times that, the first window doubles (a step earlier than without it).
TEST(ConnectionTuner, TheFirstConnectionsRateLetsTheFirstWindowDouble) {
    TunerConfig config;
    config.initial = 8;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(0), tuner.initial("h"));
    sim.perConnection = [](int, int) {
        return 4 * MiB;
    };
    sim.single = 4 * MiB;
    EXPECT_EQ(sim.runFor(milliseconds(800)), (std::vector<int>{8, 8, 16, 32, 64}));

    // A first connection that was much faster alone than each of eight is (a total cap near
    // 2 connections' worth): no early step, and the cap is found as before.
    ConnectionTuner capped2(config);
    Sim slow(capped2, capped(0), capped2.initial("h"));
    slow.perConnection = [](int, int n) {
        return 8 * MiB / n;
    };
    slow.single = 4 * MiB;
    const auto used = slow.runFor(milliseconds(2000));
    EXPECT_EQ(used[2], 8);
    EXPECT_LE(maxOf(used), 16);
}

TEST(ConnectionTuner, PushBackHalvesAtOnceOncePerWindowAndCoolsDown) {
    TunerConfig config;
    config.initial = 16;
    ConnectionTuner tuner(config);
    Sim sim(tuner, capped(1e6), tuner.initial("h"));
    EXPECT_EQ(sim.step(TunerEvent::Throttled), 8); // at once, not after a window
    EXPECT_EQ(tuner.learnedCap("h"), 8);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::CoolingDown);
    // Several failed connections of the same push-back, inside one window: one halving.
    sim.every = milliseconds(50);
    EXPECT_EQ(sim.step(TunerEvent::Throttled), 8);
    sim.every = milliseconds(200);
    EXPECT_EQ(sim.step(TunerEvent::Reset), 4); // a window later: halve again
    // During the cool-down nothing grows, however well each connection does.
    const auto cooling = sim.runFor(std::chrono::seconds(29));
    EXPECT_EQ(maxOf(cooling), 4);
    // After it, hold.
    sim.runFor(std::chrono::seconds(2));
    EXPECT_EQ(sim.count(), 4);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
}

TEST(ConnectionTuner, ResetsBackOffLikeThrottlingNeverBelowOne) {
    ConnectionTuner tuner;
    tuner.initial("h");
    TunerSample reset;
    reset.event = TunerEvent::Reset;
    EXPECT_EQ(tuner.update("h", reset, at(milliseconds(0))), 2);
    EXPECT_EQ(tuner.update("h", reset, at(milliseconds(200))), 1);
    EXPECT_EQ(tuner.update("h", reset, at(milliseconds(400))), 1);
    EXPECT_EQ(tuner.learnedCap("h"), 1);
}

TEST(ConnectionTuner, AWindowCountsOnlyWithEveryConnectionOpen) {
    ConnectionTuner tuner;
    tuner.initial("h");
    // The Job has not opened them yet (a tail, a back-off): however long, no move.
    for (int i = 1; i <= 10; ++i) {
        TunerSample s;
        s.connections = 2;
        s.bytes = 1'000'000;
        EXPECT_EQ(tuner.update("h", s, at(milliseconds(200 * i))), 4);
    }
    // Not downloading, or held by a speed limit: no move either.
    for (int i = 11; i <= 20; ++i) {
        TunerSample s;
        s.connections = 4;
        s.bytes = 1'000'000;
        s.measurable = false;
        EXPECT_EQ(tuner.update("h", s, at(milliseconds(200 * i))), 4);
    }
    // All open and measurable: the window since the last report that was not may hold the
    // connections' start, so the next one is the baseline, and the count doubles.
    TunerSample s;
    s.connections = 4;
    s.bytes = 1'000'000;
    EXPECT_EQ(tuner.update("h", s, at(milliseconds(4200))), 4);
    EXPECT_EQ(tuner.update("h", s, at(milliseconds(4400))), 8);
}

TEST(ConnectionTuner, ADownloadJoiningOrLeavingRestartsTheWindow) {
    // Two downloads share the host's count. One ends in the middle of a window and its last
    // bytes are never reported: that window must not look like a cap.
    ConnectionTuner tuner;
    tuner.initial("h");
    auto report = [&](int ms, int connections, std::int64_t bytes, int downloads) {
        TunerSample s;
        s.connections = connections;
        s.bytes = bytes;
        s.downloads = downloads;
        return tuner.update("h", s, at(milliseconds(ms)));
    };
    EXPECT_EQ(report(0, 4, 0, 2), 4);              // starts the window
    EXPECT_EQ(report(200, 4, 800'000, 2), 4);      // the connections' start: no baseline
    EXPECT_EQ(report(400, 4, 800'000, 2), 8);      // baseline: 4 MB/s
    EXPECT_EQ(report(600, 8, 1'600'000, 2), 16);   // in proportion
    EXPECT_EQ(report(800, 16, 800'000, 1), 16);    // one left: not judged
    EXPECT_EQ(report(1000, 16, 3'200'000, 1), 32); // in proportion to the baseline
}

TEST(ConnectionTuner, NothingArrivedNoMove) {
    ConnectionTuner tuner;
    Sim sim(
        tuner, [](int) { return 0.0; }, tuner.initial("h"));
    EXPECT_EQ(maxOf(sim.runFor(milliseconds(2000))), 4);
    EXPECT_EQ(tuner.learnedCap("h"), 0);
}

TEST(ConnectionTuner, NewDownloadStartsAtTheLearnedCapOrWhereItScaled) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(1e6, 12e6), tuner.initial("h"));
    sim.runFor(milliseconds(2000));
    EXPECT_EQ(tuner.initial("h"), 12);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
    EXPECT_EQ(tuner.initial("h", 6), 6); // the user's limit still wins
    EXPECT_EQ(tuner.initial("other"), 4);

    // A file too small for more than 16 pieces stops the ramp at 16 without a cap: the next
    // download there starts at 16 and ramps on.
    ConnectionTuner small;
    Sim sim2(small, capped(1e6), small.initial("s"));
    sim2.host = "s";
    sim2.limit = 16;
    EXPECT_EQ(maxOf(sim2.runFor(milliseconds(2000))), 16);
    EXPECT_EQ(small.learnedCap("s"), 0);
    EXPECT_EQ(small.initial("s"), 16);
    EXPECT_EQ(small.phase("s"), TunerPhase::Ramping);
}

TEST(ConnectionTuner, ARisingLimitLetsTheRampGoOnAndAFallingOneIsFollowed) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(1e6), tuner.initial("h"));
    sim.limit = 8;
    EXPECT_EQ(maxOf(sim.runFor(milliseconds(2000))), 8);
    sim.limit = 0; // e.g. a second download joined
    sim.runFor(milliseconds(1000));
    EXPECT_EQ(sim.count(), 64);
    sim.limit = 5; // the governor's cut
    EXPECT_EQ(sim.step(), 5);
}

TEST(ConnectionTuner, ReprobesAfterALongHoldAndFollowsAFasterServer) {
    ConnectionTuner tuner;
    double total = 12e6;
    Sim sim(
        tuner, [&](int n) { return std::min(n * 1e6, total); }, tuner.initial("h"));
    sim.runFor(std::chrono::seconds(2));
    ASSERT_EQ(sim.count(), 12);
    // Within the re-probe interval: hold.
    EXPECT_EQ(maxOf(sim.runFor(std::chrono::seconds(100))), 12);
    // The server got faster; the probe (+25%) finds it and the ramp goes on to the new cap.
    total = 30e6;
    const auto used = sim.runFor(std::chrono::seconds(30));
    // 12 -> 15 -> 30 in proportion; 60 adds nothing: ceil(0.95 * 30) = 29.
    EXPECT_EQ(used.back(), 29);
    EXPECT_EQ(maxOf(used), 60);
    EXPECT_EQ(tuner.learnedCap("h"), 29);
}

TEST(ConnectionTuner, AFailedProbeGoesBackAndWaitsAgain) {
    ConnectionTuner tuner;
    Sim sim(tuner, capped(1e6, 12e6), tuner.initial("h"));
    sim.runFor(std::chrono::seconds(2));
    ASSERT_EQ(sim.count(), 12);
    const auto used = sim.runFor(std::chrono::seconds(125));
    EXPECT_EQ(maxOf(used), 15); // one probe of +25% ...
    EXPECT_EQ(used.back(), 12); // ... given back
    EXPECT_EQ(tuner.learnedCap("h"), 12);
    EXPECT_EQ(maxOf(sim.runFor(std::chrono::seconds(110))), 12); // too soon to probe again
    EXPECT_EQ(maxOf(sim.runFor(std::chrono::seconds(20))), 15);  // 120 s later
}

TEST(ConnectionTuner, NeverAboveTheUserLimitOrTheCeiling) {
    ConnectionTuner ceiling10(10);
    Sim sim(ceiling10, capped(1e6), ceiling10.initial("h"));
    const auto used = sim.runFor(std::chrono::seconds(10));
    EXPECT_EQ(maxOf(used), 10);
    EXPECT_EQ(used.back(), 10);
    EXPECT_EQ(ConnectionTuner().config().ceiling, 64);
    EXPECT_EQ(ConnectionTuner().initial("u", 3), 3);
}

TEST(ConnectionTuner, DoesNotOscillateOnNoise) {
    // +-4% noise around a server capped at 12: once settled, noise alone never moves the count;
    // only the probes every 120 s do, one step each.
    ConnectionTuner tuner;
    int step = 0;
    Sim sim(
        tuner, [&step](int n) { return std::min(n, 12) * 1e6 * (1 + 0.04 * std::sin(step++)); },
        tuner.initial("h"));
    sim.runFor(std::chrono::seconds(3));
    const auto settled = sim.runFor(std::chrono::seconds(600));
    const auto at12 = std::count(settled.begin(), settled.end(), 12);
    EXPECT_GE(at12, static_cast<long>(settled.size() * 95 / 100));
    EXPECT_LE(maxOf(settled), 15);                                    // probes are one step
    EXPECT_GE(*std::min_element(settled.begin(), settled.end()), 12); // noise never cuts
}

TEST(ConnectionTuner, SeededCapIsTrustedThenProbed) {
    ConnectionTuner tuner;
    tuner.setLearnedCap("h", 20);
    EXPECT_EQ(tuner.learnedCap("h"), 20);
    EXPECT_EQ(tuner.initial("h"), 20);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::Holding);
    Sim sim(tuner, capped(1e6), 20);
    EXPECT_EQ(maxOf(sim.runFor(std::chrono::seconds(110))), 20);
    sim.runFor(std::chrono::seconds(11));
    EXPECT_GT(sim.count(), 20); // a probe that paid: the ramp goes on
    tuner.setLearnedCap("big", 1000);
    EXPECT_EQ(tuner.learnedCap("big"), 64);
}

TEST(ConnectionTuner, AUserPushbackCapsTheHost) {
    ConnectionTuner tuner;
    tuner.noteUserPushback("h", 16, at(milliseconds(0)));
    EXPECT_EQ(tuner.learnedCap("h"), 8);
    tuner.noteUserPushback("h", 32, at(milliseconds(100)));
    EXPECT_EQ(tuner.learnedCap("h"), 8); // only ever lowers it
    EXPECT_EQ(tuner.initial("h"), 8);
    EXPECT_EQ(tuner.phase("h"), TunerPhase::CoolingDown);
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
