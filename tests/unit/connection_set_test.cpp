// Unit tests for maria2::ConnectionSet: ownership (find by easy handle, peak) and the
// decisions taken without a network: the range of a new connection, the endgame race, the
// slow connection to close and the one to drop first.
#include "core/engine/ConnectionSet.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

using maria2::Connection;
using maria2::ConnectionSet;
using maria2::Segment;
using maria2::SegmentPlanner;
using Clock = ConnectionSet::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const Clock::time_point t0 = Clock::now();

// A connection on segment `segmentId` that started at `started` and moved bytesPerSecond
// over the second before `now`.
std::unique_ptr<Connection> connection(int segmentId, Clock::time_point started,
                                       Clock::time_point now, std::int64_t bytesPerSecond) {
    auto c = std::make_unique<Connection>();
    c->segmentId = segmentId;
    c->startedAt = started;
    c->speed.sample(now - seconds(1), 0);
    c->speed.sample(now, bytesPerSecond);
    return c;
}

TEST(ConnectionSet, OwnsFindsByEasyHandleAndCountsThePeak) {
    ConnectionSet set;
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.slowest(), nullptr);
    auto a = std::make_unique<Connection>();
    a->easy = curl_easy_init();
    auto b = std::make_unique<Connection>();
    b->easy = curl_easy_init();
    CURL* easyA = a->easy;
    CURL* easyB = b->easy;
    Connection& ra = set.add(std::move(a));
    Connection& rb = set.add(std::move(b));
    EXPECT_EQ(set.size(), 2U);
    EXPECT_EQ(set.peak(), 2);
    EXPECT_EQ(set.find(easyA), &ra);
    EXPECT_EQ(set.find(easyB), &rb);
    set.remove(&ra);
    EXPECT_EQ(set.find(easyA), nullptr);
    EXPECT_EQ(set.find(easyB), &rb);
    EXPECT_EQ(set.count(), 1);
    EXPECT_EQ(set.peak(), 2); // until reset
    set.resetPeak();
    EXPECT_EQ(set.peak(), 1);
}

TEST(ConnectionSet, NewConnectionsShareWhatIsLeftEvenly) {
    SegmentPlanner planner(1000, 10);
    ConnectionSet set;
    std::int64_t covered = 0;
    while (const auto s = set.nextSegment(planner, 4)) {
        EXPECT_EQ(s->begin, covered);
        EXPECT_EQ(s->end - s->begin, 250);
        covered = s->end;
        set.add(connection(s->id, t0, t0, 0));
    }
    EXPECT_EQ(set.count(), 4);
    EXPECT_EQ(covered, 1000);
    EXPECT_FALSE(set.nextSegment(planner, 4).has_value()); // enough open
}

TEST(ConnectionSet, WithNoGapLeftANewConnectionTakesHalfTheLargestRange) {
    SegmentPlanner planner(100000, 1000);
    ConnectionSet set;
    const auto first = planner.claim({0, 100000});
    ASSERT_TRUE(first.has_value());
    set.add(connection(first->id, t0, t0, 0));
    planner.advance(first->id, 20000);
    const auto second = set.nextSegment(planner, 2);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->end, 100000);
    // About half of the 80000 bytes left (split points are aligned to 4 KiB).
    EXPECT_NEAR(static_cast<double>(second->begin), 60000.0, 4096.0);
    EXPECT_EQ(planner.find(first->id)->end, second->begin);
}

TEST(ConnectionSet, EndgameThresholdIsTwiceTheMedianTimeToFirstByte) { // and medianTtfb
    ConnectionSet set;
    EXPECT_DOUBLE_EQ(set.endgameThreshold(), ConnectionSet::kEndgameFloorSeconds);
    EXPECT_EQ(set.medianTtfb(), -1);
    for (int ms : {100, 300, 200}) {
        auto c = connection(0, t0, t0, 0);
        c->bodyStarted = true;
        c->firstByteAt = t0 + milliseconds(ms);
        set.add(std::move(c));
    }
    set.add(connection(0, t0, t0, 0)); // no first byte yet: not counted
    EXPECT_NEAR(set.endgameThreshold(), 0.4, 1e-9);
    EXPECT_NEAR(set.medianTtfb(), 0.2, 1e-9);

    ConnectionSet fast;
    auto c = connection(0, t0, t0, 0);
    c->bodyStarted = true;
    c->firstByteAt = t0 + milliseconds(1);
    fast.add(std::move(c));
    EXPECT_DOUBLE_EQ(fast.endgameThreshold(), ConnectionSet::kEndgameFloorSeconds);
}

TEST(ConnectionSet, EndgameRacesTheRangeThatNeedsLongest) {
    SegmentPlanner planner(2000000, 1000);
    ConnectionSet set;
    const auto a = planner.claim({0, 1000000});
    const auto b = planner.claim({1000000, 2000000});
    ASSERT_TRUE(a && b);
    const auto now = t0 + seconds(10);
    Connection& fast = set.add(connection(a->id, t0, now, 1000000)); // 1 s left
    Connection& slow = set.add(connection(b->id, t0, now, 100000));  // 10 s left
    double left = 0;
    EXPECT_EQ(set.endgameVictim(planner, now, &left), &slow);
    EXPECT_NEAR(left, 10.0, 1e-6);
    (void)fast;

    // Too young to have a pace: not raced.
    ConnectionSet young;
    young.add(connection(b->id, now - milliseconds(500), now, 1000));
    EXPECT_EQ(young.endgameVictim(planner, now, &left), nullptr);

    // Already racing: never raced twice.
    const auto racer = planner.duplicate(b->id);
    ASSERT_TRUE(racer.has_value());
    ConnectionSet racing;
    racing.add(connection(racer->id, t0, now, 1000));
    EXPECT_EQ(racing.endgameVictim(planner, now, &left), nullptr);
}

TEST(ConnectionSet, EndgameLeavesRangesThatEndSoon) {
    SegmentPlanner planner(1000, 10);
    ConnectionSet set;
    const auto a = planner.claim({0, 1000});
    ASSERT_TRUE(a.has_value());
    const auto now = t0 + seconds(10);
    set.add(connection(a->id, t0, now, 1000000)); // 1 ms left: below the 20 ms floor
    double left = -1;
    EXPECT_EQ(set.endgameVictim(planner, now, &left), nullptr);
    EXPECT_EQ(left, -1); // untouched
}

TEST(ConnectionSet, ClosesAConnectionSlowForLongEnough) {
    SegmentPlanner planner(30000000, 1000);
    ConnectionSet set;
    const auto now = t0 + seconds(10);
    Connection* slow = nullptr;
    for (int i = 0; i < 3; ++i) {
        const auto s = planner.claim({i * 10000000, (i + 1) * 10000000});
        ASSERT_TRUE(s.has_value());
        Connection& c = set.add(connection(s->id, t0, now, i == 2 ? 100000 : 1000000));
        if (i == 2) {
            slow = &c;
        }
    }
    EXPECT_EQ(set.slowest(), slow);
    EXPECT_EQ(set.slowToClose(planner, now), nullptr); // marked, not yet sustained
    EXPECT_EQ(slow->slowSince, now);
    EXPECT_EQ(set.slowToClose(planner, now + seconds(4)), nullptr);
    EXPECT_EQ(set.slowToClose(planner, now + ConnectionSet::kSlowFor), slow);
}

TEST(ConnectionSet, SlowMarkClearsWhenItCatchesUpAndNeedsThreePeers) {
    SegmentPlanner planner(30000000, 1000);
    ConnectionSet set;
    const auto now = t0 + seconds(10);
    std::vector<Connection*> all;
    for (int i = 0; i < 3; ++i) {
        const auto s = planner.claim({i * 10000000, (i + 1) * 10000000});
        ASSERT_TRUE(s.has_value());
        all.push_back(&set.add(connection(s->id, t0, now, i == 2 ? 100000 : 1000000)));
    }
    EXPECT_EQ(set.slowToClose(planner, now), nullptr);
    EXPECT_NE(all[2]->slowSince, Clock::time_point{});
    all[2]->speed.sample(now + seconds(1), 100000 + 2000000); // caught up
    EXPECT_EQ(set.slowToClose(planner, now + seconds(1)), nullptr);
    EXPECT_EQ(all[2]->slowSince, Clock::time_point{});

    set.remove(all[0]);
    all[2]->slowSince = now - seconds(60);
    EXPECT_EQ(set.slowToClose(planner, now), nullptr); // two connections: no median to judge
}

TEST(ConnectionSet, NewConnectionsAreNotCalledSlow) {
    SegmentPlanner planner(30000000, 1000);
    ConnectionSet set;
    const auto now = t0 + seconds(10);
    for (int i = 0; i < 3; ++i) {
        const auto s = planner.claim({i * 10000000, (i + 1) * 10000000});
        ASSERT_TRUE(s.has_value());
        const auto started = i == 2 ? now - seconds(1) : t0; // within the grace period
        set.add(connection(s->id, started, now, i == 2 ? 1 : 1000000));
    }
    EXPECT_EQ(set.slowToClose(planner, now), nullptr);
    EXPECT_EQ(set.slowToClose(planner, now + seconds(2)), nullptr);
    EXPECT_EQ(set.at(2).slowSince, Clock::time_point{});
}

} // namespace
