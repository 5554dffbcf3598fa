// Unit tests for maria2::IntervalSet: the sorted, coalesced set of half-open byte ranges the
// segment planner keeps written and owned bytes in.
#include "core/segment/IntervalSet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

using maria2::ByteRange;
using maria2::IntervalSet;

namespace {

using Ranges = std::vector<ByteRange>;

IntervalSet makeSet(const Ranges& ranges) {
    IntervalSet set;
    for (const ByteRange& r : ranges) {
        set.add(r);
    }
    return set;
}

std::string show(const Ranges& ranges) {
    std::string out;
    for (const ByteRange& r : ranges) {
        out += "[" + std::to_string(r.begin) + "," + std::to_string(r.end) + ")";
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// add

struct AddCase {
    const char* name;
    Ranges added;
    Ranges expected;
};

class IntervalSetAdd : public ::testing::TestWithParam<AddCase> {};

TEST_P(IntervalSetAdd, CoalescesIntoSortedDisjointRanges) {
    const AddCase& c = GetParam();
    EXPECT_EQ(makeSet(c.added).ranges(), c.expected)
        << c.name << ": got " << show(makeSet(c.added).ranges());
}

INSTANTIATE_TEST_SUITE_P(
    Table, IntervalSetAdd,
    ::testing::Values(
        AddCase{"nothing", {}, {}}, AddCase{"empty range ignored", {{5, 5}}, {}},
        AddCase{"inverted range ignored", {{9, 3}}, {}}, AddCase{"single", {{0, 10}}, {{0, 10}}},
        AddCase{"disjoint kept sorted", {{20, 30}, {0, 10}}, {{0, 10}, {20, 30}}},
        AddCase{"adjacent merges", {{0, 10}, {10, 20}}, {{0, 20}}},
        AddCase{"adjacent before merges", {{10, 20}, {0, 10}}, {{0, 20}}},
        AddCase{"overlap merges", {{0, 10}, {5, 15}}, {{0, 15}}},
        AddCase{"contained is absorbed", {{0, 100}, {10, 20}}, {{0, 100}}},
        AddCase{"covering swallows several", {{10, 20}, {30, 40}, {50, 60}, {5, 55}}, {{5, 60}}},
        AddCase{"bridge joins neighbours", {{0, 10}, {20, 30}, {10, 20}}, {{0, 30}}},
        AddCase{"one-byte gap stays", {{0, 10}, {11, 20}}, {{0, 10}, {11, 20}}},
        AddCase{
            "insert in the middle", {{0, 10}, {40, 50}, {20, 30}}, {{0, 10}, {20, 30}, {40, 50}}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

// ---------------------------------------------------------------------------------------------
// subtract

struct SubtractCase {
    const char* name;
    Ranges initial;
    ByteRange removed;
    Ranges expected;
};

class IntervalSetSubtract : public ::testing::TestWithParam<SubtractCase> {};

TEST_P(IntervalSetSubtract, RemovesExactlyThoseBytes) {
    const SubtractCase& c = GetParam();
    IntervalSet set = makeSet(c.initial);
    set.subtract(c.removed);
    EXPECT_EQ(set.ranges(), c.expected) << c.name << ": got " << show(set.ranges());
}

INSTANTIATE_TEST_SUITE_P(
    Table, IntervalSetSubtract,
    ::testing::Values(
        SubtractCase{"from empty", {}, {0, 10}, {}},
        SubtractCase{"empty range", {{0, 10}}, {5, 5}, {{0, 10}}},
        SubtractCase{"everything", {{0, 10}}, {0, 10}, {}},
        SubtractCase{"more than everything", {{5, 10}}, {0, 20}, {}},
        SubtractCase{"head", {{0, 10}}, {0, 4}, {{4, 10}}},
        SubtractCase{"tail", {{0, 10}}, {6, 10}, {{0, 6}}},
        SubtractCase{"middle splits", {{0, 10}}, {3, 7}, {{0, 3}, {7, 10}}},
        SubtractCase{"touching only", {{0, 10}}, {10, 20}, {{0, 10}}},
        SubtractCase{"across ranges", {{0, 10}, {20, 30}, {40, 50}}, {5, 45}, {{0, 5}, {45, 50}}},
        SubtractCase{"in a hole", {{0, 10}, {20, 30}}, {12, 18}, {{0, 10}, {20, 30}}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

// ---------------------------------------------------------------------------------------------
// queries

TEST(IntervalSet, ContainsNeedsFullCoverage) {
    const IntervalSet set = makeSet({{0, 10}, {20, 30}});
    EXPECT_TRUE(set.contains({0, 10}));
    EXPECT_TRUE(set.contains({22, 25}));
    EXPECT_TRUE(set.contains({7, 7})) << "an empty range is always contained";
    EXPECT_FALSE(set.contains({5, 15}));
    EXPECT_FALSE(set.contains({0, 30})) << "the hole [10,20) is not covered";
    EXPECT_FALSE(set.contains({30, 31}));
    EXPECT_TRUE(set.containsByte(0));
    EXPECT_TRUE(set.containsByte(9));
    EXPECT_FALSE(set.containsByte(10));
    EXPECT_FALSE(set.containsByte(-1));
    EXPECT_TRUE(set.containsByte(29));
    EXPECT_FALSE(set.containsByte(30));
}

struct CoveredCase {
    ByteRange query;
    std::int64_t covered;
};

class IntervalSetCoveredIn : public ::testing::TestWithParam<CoveredCase> {};

TEST_P(IntervalSetCoveredIn, CountsOnlyBytesInsideQuery) {
    const IntervalSet set = makeSet({{0, 10}, {20, 30}, {40, 50}});
    const CoveredCase& c = GetParam();
    EXPECT_EQ(set.coveredBytesIn(c.query), c.covered)
        << "[" << c.query.begin << "," << c.query.end << ")";
}

INSTANTIATE_TEST_SUITE_P(Table, IntervalSetCoveredIn,
                         ::testing::Values(CoveredCase{{0, 50}, 30}, CoveredCase{{-10, 100}, 30},
                                           CoveredCase{{5, 25}, 10}, CoveredCase{{10, 20}, 0},
                                           CoveredCase{{25, 45}, 10}, CoveredCase{{3, 3}, 0},
                                           CoveredCase{{45, 60}, 5}, CoveredCase{{60, 70}, 0}));

struct ContiguousCase {
    std::int64_t offset;
    std::int64_t runEnd;
};

class IntervalSetContiguousFrom : public ::testing::TestWithParam<ContiguousCase> {};

TEST_P(IntervalSetContiguousFrom, EndsWhereTheCoveredRunEnds) {
    // [10,20) and [20,25) coalesce, so the run from 12 reaches 25.
    const IntervalSet set = makeSet({{0, 5}, {10, 20}, {20, 25}});
    const ContiguousCase& c = GetParam();
    EXPECT_EQ(set.contiguousFrom(c.offset), c.runEnd) << "from " << c.offset;
}

INSTANTIATE_TEST_SUITE_P(Table, IntervalSetContiguousFrom,
                         ::testing::Values(ContiguousCase{0, 5}, ContiguousCase{4, 5},
                                           ContiguousCase{5, 5}, ContiguousCase{7, 7},
                                           ContiguousCase{10, 25}, ContiguousCase{12, 25},
                                           ContiguousCase{24, 25}, ContiguousCase{25, 25},
                                           ContiguousCase{-3, -3}, ContiguousCase{99, 99}));

struct GapsCase {
    const char* name;
    Ranges covered;
    std::int64_t total;
    Ranges gaps;
};

class IntervalSetGaps : public ::testing::TestWithParam<GapsCase> {};

TEST_P(IntervalSetGaps, ListsUncoveredPartsOfTheFile) {
    const GapsCase& c = GetParam();
    EXPECT_EQ(makeSet(c.covered).gaps(c.total), c.gaps)
        << c.name << ": got " << show(makeSet(c.covered).gaps(c.total));
}

INSTANTIATE_TEST_SUITE_P(
    Table, IntervalSetGaps,
    ::testing::Values(GapsCase{"empty set", {}, 100, {{0, 100}}}, GapsCase{"zero total", {}, 0, {}},
                      GapsCase{"full", {{0, 100}}, 100, {}},
                      GapsCase{"head and tail", {{10, 90}}, 100, {{0, 10}, {90, 100}}},
                      GapsCase{"holes", {{0, 10}, {20, 30}}, 40, {{10, 20}, {30, 40}}},
                      GapsCase{"covered past total", {{0, 10}, {50, 200}}, 100, {{10, 50}}},
                      GapsCase{
                          "range beyond total ignored", {{0, 10}, {150, 200}}, 100, {{10, 100}}},
                      GapsCase{"negative begin", {{-5, 5}}, 10, {{5, 10}}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(IntervalSet, CoveredBytesEmptyAndClear) {
    IntervalSet set = makeSet({{0, 10}, {5, 15}, {20, 22}});
    EXPECT_EQ(set.coveredBytes(), 17);
    EXPECT_FALSE(set.empty());
    EXPECT_EQ(set, makeSet({{20, 22}, {0, 15}}));
    set.clear();
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.coveredBytes(), 0);
    EXPECT_EQ(set, IntervalSet{});
}

// Random adds and subtracts against a plain bitmap: the set must describe the same bytes and
// stay sorted, non-empty, disjoint and non-touching.
TEST(IntervalSet, MatchesBitmapModel) {
    constexpr std::int64_t kSize = 200;
    for (unsigned seed = 1; seed <= 50; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::int64_t> pos(0, kSize);
        IntervalSet set;
        std::vector<bool> model(kSize, false);
        for (int step = 0; step < 200; ++step) {
            std::int64_t a = pos(rng);
            std::int64_t b = pos(rng);
            if (a > b) {
                std::swap(a, b);
            }
            const bool adding = rng() % 3 != 0;
            adding ? set.add({a, b}) : set.subtract({a, b});
            for (std::int64_t i = a; i < b; ++i) {
                model[i] = adding;
            }
            const Ranges& rs = set.ranges();
            for (std::size_t i = 0; i < rs.size(); ++i) {
                ASSERT_FALSE(rs[i].empty()) << "seed " << seed;
                ASSERT_TRUE(i == 0 || rs[i - 1].end < rs[i].begin) << "seed " << seed;
            }
            std::int64_t count = 0;
            for (std::int64_t i = 0; i < kSize; ++i) {
                ASSERT_EQ(set.containsByte(i), model[i]) << "seed " << seed << " byte " << i;
                count += model[i] ? 1 : 0;
            }
            ASSERT_EQ(set.coveredBytes(), count) << "seed " << seed;
        }
    }
}

} // namespace
