// Unit tests for maria2::SegmentPlanner: how a multi-connection download's bytes are handed out,
// split and raced. Connections are plain loops; a per-byte write count catches double writes.
#include "core/segment/SegmentPlanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <random>
#include <set>
#include <vector>

using maria2::ByteRange;
using maria2::IntervalSet;
using maria2::Segment;
using maria2::SegmentPlanner;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * KiB;

void finish(SegmentPlanner& p, int id) {
    p.advance(id, p.writable(id, p.totalSize()));
}

ByteRange span(const Segment& s) {
    return {s.begin, s.end};
}

IntervalSet setOf(std::initializer_list<ByteRange> ranges) {
    IntervalSet set;
    for (const ByteRange& r : ranges) {
        set.add(r);
    }
    return set;
}

// A download's connections simulated as plain loops, with a count of writes per byte.
struct Harness {
    Harness(unsigned seed, std::int64_t total, std::int64_t minSplit)
        : rng(seed)
        , p(total, minSplit)
        , writes(static_cast<std::size_t>(total), 0) {}

    std::int64_t pick(std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    }
    void resumeWithHoles() {
        IntervalSet done;
        for (std::int64_t k = pick(0, 4), a = 0; k > 0; --k) {
            a = pick(0, p.totalSize());
            done.add({a, pick(a, p.totalSize())});
        }
        p.markWritten(done);
        for (const ByteRange& r : done.ranges()) {
            std::fill(writes.begin() + r.begin, writes.begin() + r.end, 1);
        }
        lastWritten = p.writtenBytes();
    }
    // Writes what the planner allows; only racers may ever write a byte twice.
    void write(int id, std::int64_t n) {
        const Segment* s = p.find(id);
        n = p.writable(id, n);
        for (std::int64_t i = s ? s->cursor : 0, e = i + n; i < e; ++i) {
            if (writes[i]++ != 0 && raced.count(id) == 0) {
                FAIL() << "byte " << i << " written twice, by #" << id;
            }
        }
        p.advance(id, n);
        if (p.isDone(id)) {
            p.release(id);
        }
    }
    void step() {
        const std::int64_t op = pick(0, 99);
        const auto act = p.active();
        const int id = act.empty() ? 0 : act[pick(0, std::ssize(act) - 1)].id;
        if (op < 40) {
            write(id, pick(1, 32 * KiB));
        } else if (op < 60 && act.size() < 8) {
            p.assign(pick(0, p.totalSize()));
        } else if (op < 68) {
            p.release(id); // often unfinished: its rest becomes a gap
        } else if (const auto r = op < 80 ? p.duplicate(id) : std::nullopt) {
            raced.insert({id, r->id});
        } else if (op >= 80 && op < 90) {
            const std::int64_t a = pick(0, p.totalSize());
            p.claim({a, pick(a, p.totalSize() + 10)});
        }
        check();
    }
    void check() {
        ASSERT_EQ(p.invariantViolation(), "");
        ASSERT_GE(p.writtenBytes(), lastWritten) << "writtenBytes decreased";
        lastWritten = p.writtenBytes();
        ASSERT_EQ(p.complete(), p.writtenBytes() == p.totalSize());
    }
    void expectAllWritten() {
        const auto hole = std::find(writes.begin(), writes.end(), 0);
        ASSERT_EQ(hole, writes.end()) << "byte " << hole - writes.begin() << " never written";
    }
    void driveToCompletion() {
        for (int round = 0; !p.complete(); ++round) {
            ASSERT_LT(round, 10000) << "no progress";
            while (p.active().size() < 4 && p.assign(64 * KiB)) {
            }
            ASSERT_FALSE(p.active().empty()) << "incomplete but nothing to assign";
            for (const Segment& s : p.active()) {
                ASSERT_NO_FATAL_FAILURE(write(s.id, 16 * KiB)); // racer may be gone: no-op
                ASSERT_NO_FATAL_FAILURE(check());
            }
        }
        expectAllWritten();
    }

    std::mt19937_64 rng;
    SegmentPlanner p;
    std::vector<std::uint8_t> writes; // times each byte was written
    std::set<int> raced;              // ids that ever raced
    std::int64_t lastWritten = 0;
};

TEST(SegmentPlanner, ZeroSizeIsCompleteAtOnce) {
    SegmentPlanner p(0, MiB);
    EXPECT_TRUE(p.complete());
    EXPECT_EQ(p.unassignedBytes(), 0);
    EXPECT_FALSE(p.assign(MiB));
    EXPECT_FALSE(p.claim({0, 100}));
}

class SegmentPlannerEvenSplit : public ::testing::TestWithParam<int> {};

TEST_P(SegmentPlannerEvenSplit, InitialSplitGivesEqualSegments) {
    const int n = GetParam();
    const std::int64_t each = 100 * MiB / n;
    SegmentPlanner fresh(100 * MiB, MiB);
    for (int i = 0; i < n; ++i) {
        const auto s = fresh.assign(each);
        ASSERT_TRUE(s);
        EXPECT_EQ(s->id, i + 1) << "ids start at 1";
        EXPECT_EQ(span(*s), (ByteRange{i * each, (i + 1) * each}));
    }
    EXPECT_EQ(fresh.unassignedBytes(), 0);
    // The first GET, made before the size was known, then halving: equal for powers of two.
    SegmentPlanner claimed(100 * MiB, MiB);
    ASSERT_TRUE(claimed.claim({0, 100 * MiB}));
    for (int i = 1; i < n; ++i) {
        ASSERT_TRUE(claimed.assign(each));
    }
    for (const Segment& s : claimed.active()) {
        EXPECT_EQ(s.end - s.begin, each) << "segment " << s.id;
    }
}

INSTANTIATE_TEST_SUITE_P(Connections, SegmentPlannerEvenSplit, ::testing::Values(4, 8, 16));

// Successive assign() sizes in KiB, with nothing written, until nullopt. The rule: a cut is
// max(target, minSplit) but takes the whole gap when less than minSplit would be left behind;
// once no gap is left, halves are stolen while a segment holds at least 2*minSplit.
struct MinSplitCase {
    std::int64_t total, minSplit, target;
    std::vector<std::int64_t> sizes;
};

class SegmentPlannerMinSplit : public ::testing::TestWithParam<MinSplitCase> {};

TEST_P(SegmentPlannerMinSplit, AssignSizes) {
    const MinSplitCase& c = GetParam();
    SegmentPlanner p(c.total * KiB, c.minSplit * KiB);
    std::vector<std::int64_t> sizes;
    while (const auto s = p.assign(c.target * KiB)) {
        sizes.push_back((s->end - s->begin) / KiB);
    }
    EXPECT_EQ(sizes, c.sizes);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SegmentPlannerMinSplit,
    ::testing::Values(
        // 1.5 MiB, minSplit 1 MiB: a 1 MiB cut would leave 0.5 MiB, too little -> one segment.
        MinSplitCase{1536, 1024, 512, {1536}}, MinSplitCase{2048, 1024, 512, {1024, 1024}},
        MinSplitCase{2560, 1024, 1024, {1024, 1536}},
        MinSplitCase{3072, 1024, 1024, {1024, 1024, 1024}}, MinSplitCase{100, 1000, 10, {100}},
        MinSplitCase{
            10240, 1024, 4096, {4096, 4096, 2048, 2048, 2048, 1024, 1024, 1024, 1024, 1024}},
        // targetSize <= 0: whole gaps, then halving.
        MinSplitCase{5120, 1024, 0, {5120, 2560, 1280, 1280}}));

TEST(SegmentPlanner, ClaimIsClippedAndMustNotOverlap) {
    SegmentPlanner p(100, 1);
    p.markWritten(setOf({{0, 10}, {60, 70}}));
    EXPECT_FALSE(p.claim({5, 50})) << "starts on a written byte";
    const auto s = p.claim({10, 100});
    ASSERT_TRUE(s);
    EXPECT_EQ(span(*s), (ByteRange{10, 60})) << "stops at the first written byte";
    EXPECT_FALSE(p.claim({40, 55})) << "overlaps the active segment";
    EXPECT_EQ(p.claim({70, 200}).value_or(Segment{}).end, 100) << "clipped to the file";
    EXPECT_EQ(p.unassignedBytes(), 0);
}

// The victim claims the whole file and writes `advanced` bytes; split 0 = no steal expected.
struct StealCase {
    std::int64_t total, minSplit, advanced, split;
};

class SegmentPlannerSteal : public ::testing::TestWithParam<StealCase> {};

TEST_P(SegmentPlannerSteal, SplitsRemainingInHalfAlignedWhenPossible) {
    const StealCase& c = GetParam();
    SegmentPlanner p(c.total, c.minSplit);
    const int victim = p.claim({0, c.total})->id;
    p.advance(victim, c.advanced);
    const std::int64_t before = p.writable(victim, c.total);
    const auto thief = p.assign(c.total);
    if (c.split == 0) {
        EXPECT_FALSE(thief);
        EXPECT_EQ(p.writable(victim, c.total), before);
        return;
    }
    ASSERT_TRUE(thief);
    EXPECT_EQ(span(*thief), (ByteRange{c.split, c.total}));
    EXPECT_EQ(p.find(victim)->end, c.split);
    EXPECT_EQ(p.writable(victim, c.total), c.split - c.advanced) << "victim's writable shrinks";
    EXPECT_EQ(p.writable(victim, 10), 10);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SegmentPlannerSteal,
    ::testing::Values(StealCase{8 * MiB, MiB, MiB, 9 * MiB / 2}, // exact half
                      StealCase{100000, 16384, 1, 49152},        // 50000 aligned down
                      StealCase{20000, 10000, 0, 10000},         // aligning would break minSplit
                      StealCase{20001, 10000, 1, 10001},         // remaining exactly 2*minSplit
                      StealCase{20000, 10000, 1, 0},             // remaining < 2*minSplit
                      StealCase{8 * MiB, MiB, 8 * MiB, 0}));     // victim done

TEST(SegmentPlanner, FinishedConnectionsTakeOverHalfOfTheLargestRemaining) {
    constexpr std::int64_t total = 8 * MiB, minSplit = 256 * KiB;
    const std::vector<std::int64_t> speeds = {16 * KiB, 40 * KiB, 96 * KiB, 200 * KiB};
    Harness h(1, total, minSplit);
    std::vector<int> ids(speeds.size(), 0);
    std::vector<std::int64_t> bytesBy(speeds.size(), 0);
    int assignments = 0;
    for (int round = 0; !h.p.complete(); ++round) {
        ASSERT_LT(round, 100000);
        for (std::size_t c = 0; c < speeds.size(); ++c) {
            if (ids[c] == 0) {
                const auto s = h.p.assign(total / 4);
                ids[c] = s ? s->id : 0;
                assignments += s ? 1 : 0;
                continue;
            }
            bytesBy[c] += h.p.writable(ids[c], speeds[c]);
            ASSERT_NO_FATAL_FAILURE(h.write(ids[c], speeds[c])); // releases it when done
            ids[c] = h.p.find(ids[c]) ? ids[c] : 0;
        }
        ASSERT_NO_FATAL_FAILURE(h.check());
    }
    ASSERT_NO_FATAL_FAILURE(h.expectAllWritten()); // and none twice: write() checks that
    // Every segment ever assigned ends up writing >= minSplit bytes, so this bounds the work.
    EXPECT_LE(assignments, total / minSplit);
    EXPECT_GT(assignments, 4) << "finished connections must have stolen work";
    EXPECT_GT(bytesBy[3], 4 * bytesBy[0]) << "the fast connection does most of the work";
}

TEST(SegmentPlanner, StealSplitsTheSegmentThatFinishesLastNotTheLongest) {
    constexpr std::int64_t total = 16 * MiB, minSplit = 256 * KiB;
    SegmentPlanner p(total, minSplit);
    const auto a = p.assign(8 * MiB); // [0, 8 MiB): fast, many bytes left
    const auto b = p.assign(8 * MiB); // [8, 16 MiB): crawling, fewer bytes left
    ASSERT_TRUE(a && b);
    p.advance(a->id, 1 * MiB);
    p.advance(b->id, 4 * MiB);
    p.setSpeed(a->id, 8.0 * MiB); // 7 MiB left: under a second
    p.setSpeed(b->id, 1.0 * MiB); // 4 MiB left: four seconds
    const auto thief = p.assign(0);
    ASSERT_TRUE(thief.has_value());
    EXPECT_EQ(thief->end, total) << "the slow segment's upper half, not the fast one's";
    EXPECT_EQ(thief->begin, 14 * MiB);
    EXPECT_EQ(p.find(b->id)->end, 14 * MiB);
    EXPECT_EQ(p.find(a->id)->end, 8 * MiB);
    EXPECT_EQ(p.invariantViolation(), "");
}

TEST(SegmentPlanner, StealCountsUnknownSpeedsAtTheMeanAndWithoutAnyByBytes) {
    constexpr std::int64_t total = 16 * MiB, minSplit = 256 * KiB;
    {
        SegmentPlanner p(total, minSplit);
        const auto a = p.assign(8 * MiB);
        const auto b = p.assign(8 * MiB);
        ASSERT_TRUE(a && b);
        p.advance(b->id, 2 * MiB); // a has more left: with no speeds, bytes decide
        const auto thief = p.assign(0);
        ASSERT_TRUE(thief.has_value());
        EXPECT_EQ(thief->end, 8 * MiB);
    }
    {
        SegmentPlanner p(total, minSplit);
        const auto a = p.assign(8 * MiB);
        const auto b = p.assign(4 * MiB);
        const auto c = p.assign(4 * MiB);
        ASSERT_TRUE(a && b && c);
        p.setSpeed(b->id, 4.0 * MiB);
        p.setSpeed(c->id, 0.5 * MiB); // mean 2.25 MiB/s for a: 8 MiB in 3.6 s; c: 8 s
        const auto thief = p.assign(0);
        ASSERT_TRUE(thief.has_value());
        EXPECT_EQ(thief->end, total) << "c, the slowest to finish";
    }
}

TEST(SegmentPlanner, ReleaseReturnsTheUnwrittenRestAsAGap) {
    SegmentPlanner p(4 * MiB, 256 * KiB);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(p.assign(MiB));
    }
    p.advance(2, 100 * KiB);
    p.release(2);
    EXPECT_EQ(p.find(2), nullptr);
    EXPECT_EQ(p.unassignedBytes(), MiB - 100 * KiB);
    EXPECT_EQ(p.writtenBytes(), 100 * KiB) << "written bytes stay written";
    const auto s = p.assign(MiB);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->id, 5) << "ids are never reused";
    EXPECT_EQ(span(*s), (ByteRange{MiB + 100 * KiB, 2 * MiB}));
    EXPECT_EQ(p.unassignedBytes(), 0);
}

TEST(SegmentPlanner, ResumedDownloadFillsOnlyTheHoles) {
    SegmentPlanner p(10 * MiB, MiB);
    p.markWritten(setOf({{0, 2 * MiB}, {3 * MiB, 5 * MiB}, {13 * MiB / 2, 20 * MiB}})); // clipped
    EXPECT_EQ(p.writtenBytes(), 15 * MiB / 2);
    EXPECT_EQ(p.unassignedBytes(), 5 * MiB / 2);
    std::vector<ByteRange> assigned;
    while (const auto s = p.assign(4 * MiB)) {
        assigned.push_back(span(*s));
    }
    const std::vector<ByteRange> holes = {{5 * MiB, 13 * MiB / 2}, {2 * MiB, 3 * MiB}};
    EXPECT_EQ(assigned, holes) << "exactly the holes, largest first";
    for (const Segment& s : p.active()) {
        finish(p, s.id);
    }
    EXPECT_TRUE(p.complete());
}

TEST(SegmentPlanner, FirstToReachEndWinsAndTheLoserLeavesNoGap) {
    for (const bool racerWins : {true, false}) {
        SCOPED_TRACE(racerWins ? "racer wins" : "original wins");
        SegmentPlanner p(MiB, 64 * KiB);
        const int original = p.claim({0, MiB})->id;
        p.advance(original, 512 * KiB);
        EXPECT_FALSE(p.duplicate(99)) << "unknown";
        const auto raced = p.duplicate(original);
        ASSERT_TRUE(raced);
        EXPECT_TRUE(raced->duplicate);
        EXPECT_EQ(span(*raced), (ByteRange{512 * KiB, MiB}));
        const int racer = raced->id;
        EXPECT_FALSE(p.duplicate(original)) << "already raced";
        EXPECT_FALSE(p.duplicate(racer)) << "a racer is not raced";
        EXPECT_FALSE(p.assign(MiB)) << "racing segments are not split";
        p.advance(original, 10 * KiB);
        p.advance(racer, 300 * KiB);
        const int winner = racerWins ? racer : original;
        const int loser = racerWins ? original : racer;
        EXPECT_FALSE(p.isDone(winner));
        EXPECT_FALSE(p.isDone(loser));
        finish(p, winner);
        EXPECT_TRUE(p.isDone(winner));
        EXPECT_TRUE(p.isDone(loser)) << "its bytes were written by the winner";
        EXPECT_EQ(p.writable(loser, 4096), 0) << "the caller stops the loser";
        EXPECT_TRUE(p.complete());
        const std::int64_t written = p.writtenBytes();
        p.release(loser);
        EXPECT_EQ(p.unassignedBytes(), 0);
        EXPECT_EQ(p.writtenBytes(), written);
        p.release(winner);
        EXPECT_TRUE(p.active().empty());
    }
}

TEST(SegmentPlanner, ReleasingOneRacerLeavesTheOtherAsANormalSegment) {
    for (const bool releaseOriginal : {false, true}) {
        SegmentPlanner p(MiB, 64 * KiB);
        const int original = p.claim({0, MiB})->id;
        p.advance(original, 200 * KiB);
        const int racer = p.duplicate(original)->id;
        p.advance(racer, 300 * KiB); // ahead of the original
        p.advance(original, 50 * KiB);
        const int gone = releaseOriginal ? original : racer;
        const int kept = releaseOriginal ? racer : original;
        p.release(gone);
        EXPECT_EQ(p.unassignedBytes(), 0) << "the survivor still owns the rest";
        ASSERT_NE(p.find(kept), nullptr);
        EXPECT_FALSE(p.find(kept)->duplicate);
        EXPECT_TRUE(p.duplicate(kept)) << "it may be raced again";
        finish(p, kept);
        EXPECT_TRUE(p.complete());
    }
}

struct WritableCase {
    std::int64_t advanced, offered, allowed;
};

class SegmentPlannerWritable : public ::testing::TestWithParam<WritableCase> {};

TEST_P(SegmentPlannerWritable, NeverCrossesEnd) {
    const WritableCase& c = GetParam();
    SegmentPlanner p(1000, 1);
    const int id = p.claim({100, 600})->id;
    p.advance(id, c.advanced);
    EXPECT_EQ(p.writable(id, c.offered), c.allowed);
    EXPECT_EQ(p.writable(42, c.offered), 0) << "unknown id";
    EXPECT_EQ(p.duplicate(id).has_value(), c.advanced < 500) << "a done segment is not raced";
}

INSTANTIATE_TEST_SUITE_P(Table, SegmentPlannerWritable,
                         ::testing::Values(WritableCase{0, 100, 100}, WritableCase{0, 500, 500},
                                           WritableCase{0, 501, 500}, WritableCase{499, 5, 1},
                                           WritableCase{500, 5, 0}, WritableCase{250, 0, 0},
                                           WritableCase{250, -3, 0}));

// Any mix of operations keeps the invariants, and the download still reaches complete().
TEST(SegmentPlanner, RandomOperationsKeepInvariantsAndComplete) {
    const std::int64_t minSplits[] = {1, 100, 4096, 16 * KiB, 64 * KiB};
    for (unsigned seed = 1; seed <= 200; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937_64 setup(seed);
        const std::int64_t total = seed % 4 == 0 ? setup() % 64 : setup() % (512 * KiB);
        Harness h(seed, total, minSplits[setup() % 5]);
        if (seed % 2 == 0) {
            h.resumeWithHoles();
        }
        for (int i = 0; i < 300; ++i) {
            ASSERT_NO_FATAL_FAILURE(h.step());
        }
        ASSERT_NO_FATAL_FAILURE(h.driveToCompletion());
    }
}

} // namespace

namespace {

TEST(SegmentPlannerTruncate, ShortensAStreamSoTheRestIsAssignedInEvenPieces) {
    constexpr std::int64_t kMiB = 1 << 20;
    maria2::SegmentPlanner planner(64 * kMiB, kMiB);
    const auto first = planner.claim({0, 64 * kMiB});
    ASSERT_TRUE(first.has_value());
    planner.advance(first->id, 100 * 1024);
    ASSERT_TRUE(planner.truncate(first->id, 16 * kMiB + 123));
    EXPECT_EQ(planner.find(first->id)->end, 16 * kMiB); // aligned down to 4 KiB
    EXPECT_EQ(planner.unassignedBytes(), 48 * kMiB);
    for (int i = 0; i < 3; ++i) {
        const auto piece = planner.assign(16 * kMiB);
        ASSERT_TRUE(piece.has_value());
        EXPECT_EQ(piece->end - piece->begin, 16 * kMiB);
    }
    EXPECT_EQ(planner.unassignedBytes(), 0);
    EXPECT_TRUE(planner.invariantViolation().empty()) << planner.invariantViolation();
}

TEST(SegmentPlannerTruncate, NeverBelowMinSplitNorLongerNorOnUnknownOrRacingSegments) {
    constexpr std::int64_t kMiB = 1 << 20;
    maria2::SegmentPlanner planner(8 * kMiB, kMiB);
    const auto s = planner.claim({0, 8 * kMiB});
    ASSERT_TRUE(s.has_value());
    EXPECT_FALSE(planner.truncate(s->id, 9 * kMiB)); // not a shortening
    EXPECT_FALSE(planner.truncate(999, kMiB));       // unknown
    ASSERT_TRUE(planner.truncate(s->id, 1024));      // clamped up to minSplit
    EXPECT_EQ(planner.find(s->id)->end, kMiB);
    const auto racer = planner.duplicate(s->id);
    ASSERT_TRUE(racer.has_value());
    EXPECT_FALSE(planner.truncate(s->id, kMiB / 2));
    EXPECT_FALSE(planner.truncate(racer->id, kMiB / 2));
}

} // namespace

TEST(SegmentPlannerSlow, ACrawlingSegmentIsSplitBelowMinSplitAFastOneIsNot) {
    constexpr std::int64_t total = 4 * MiB, minSplit = 1 * MiB;
    SegmentPlanner p(total, minSplit);
    const auto a = p.assign(2 * MiB);
    const auto b = p.assign(2 * MiB);
    ASSERT_TRUE(a && b);
    p.advance(a->id, 512 * KiB); // 1.5 MiB left each: under 2 * minSplit
    p.advance(b->id, 512 * KiB);
    p.setSpeed(a->id, 8.0 * MiB); // 0.19 s left: not worth a request
    p.setSpeed(b->id, 0.5 * MiB); // 3 s left: worth one
    const auto thief = p.assign(0);
    ASSERT_TRUE(thief.has_value());
    EXPECT_EQ(thief->end, total);
    EXPECT_EQ(thief->begin, 2 * MiB + 512 * KiB + 768 * KiB);
    // Halves keep going while a piece needs kSlowSeconds, never below kMinSlowPiece.
    p.setSpeed(thief->id, 0.5 * MiB);
    int steals = 1;
    while (p.assign(0)) {
        ASSERT_LT(++steals, 100);
    }
    for (const Segment& s : p.active()) {
        EXPECT_GE(s.remaining(), SegmentPlanner::kMinSlowPiece) << s.id;
    }
    EXPECT_EQ(p.find(a->id)->end, 2 * MiB) << "the fast segment was never split";
    EXPECT_EQ(p.invariantViolation(), "");
}

// A piece needing 0.4 s: not worth a request of unknown cost (kSlowSeconds), worth one once a
// request is measured to cost 10 ms here (kRequestsWorth of it, at least kMinSlowSeconds), and
// no longer worth one where a request costs 150 ms.
TEST(SegmentPlannerSlow, WhatIsWorthSplittingFollowsWhatARequestCosts) {
    const auto slowPieceSplits = [](double requestSeconds) {
        SegmentPlanner p(2 * MiB, 1 * MiB);
        const auto a = p.assign(0);
        EXPECT_TRUE(a.has_value());
        p.advance(a->id, 1536 * KiB);  // 512 KiB left ...
        p.setSpeed(a->id, 1.25 * MiB); // ... 0.4 s at its pace
        if (requestSeconds > 0) {
            p.setRequestSeconds(requestSeconds);
        }
        return p.assign(0).has_value();
    };
    EXPECT_DOUBLE_EQ(SegmentPlanner(1, 1).slowSeconds(), SegmentPlanner::kSlowSeconds);
    EXPECT_FALSE(slowPieceSplits(0));
    EXPECT_TRUE(slowPieceSplits(0.010));
    EXPECT_FALSE(slowPieceSplits(0.150));
    SegmentPlanner p(1, 1);
    p.setRequestSeconds(0.010);
    EXPECT_DOUBLE_EQ(p.slowSeconds(), SegmentPlanner::kMinSlowSeconds);
    p.setRequestSeconds(0.150);
    EXPECT_DOUBLE_EQ(p.slowSeconds(), 0.6);
}

TEST(SegmentPlannerForget, BytesWhoseWriteFailedBecomeAGapAgain) {
    SegmentPlanner p(4 * MiB, MiB);
    const auto s = p.assign(0);
    ASSERT_TRUE(s);
    p.advance(s->id, 4 * MiB);
    ASSERT_TRUE(p.isDone(s->id));
    p.release(s->id);
    ASSERT_TRUE(p.complete());
    p.forgetWritten({MiB, 2 * MiB});
    EXPECT_FALSE(p.complete());
    EXPECT_EQ(p.unassignedBytes(), MiB);
    const auto again = p.assign(0);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->begin, MiB);
    EXPECT_EQ(again->end, 2 * MiB);
}
