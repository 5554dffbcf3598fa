// Unit tests for maria2::EngineLearner (UCB1-Tuned over (engine, connections) arms per host):
// it tries every arm, settles on the fastest one against a synthetic server, keeps hosts
// apart, feeds the scorer's learner bonus, and stays within its memory bounds.
#include "core/routing/EngineLearner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

using maria2::Arm;
using maria2::EngineLearner;
using maria2::LearnerConfig;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

EngineLearner::Clock::time_point at(int s) {
    return EngineLearner::Clock::time_point{} + seconds(s);
}

std::vector<Arm> candidates() {
    std::vector<Arm> arms;
    for (int n : {1, 2, 4, 8, 16, 32, 64}) {
        arms.push_back({"segmented", n});
    }
    arms.push_back({"multiplex", 1});
    arms.push_back({"bulk", 1});
    return arms;
}

// A server that caps each connection at 1 MB/s and starts to suffer past 16 connections.
double serverThroughput(const Arm& arm) {
    if (arm.engine == "segmented") {
        const std::map<int, double> mbps = {{1, 1},   {2, 2},   {4, 4}, {8, 8},
                                            {16, 12}, {32, 10}, {64, 6}};
        return mbps.at(arm.connections) * 1e6;
    }
    return arm.engine == "multiplex" ? 3e6 : 2e6;
}

// +-5% of deterministic wobble, so rewards are not all identical.
double wobble(int round) {
    return 1.0 + 0.05 * std::sin(round * 1.7);
}

} // namespace

TEST(EngineLearner, NoCandidatesNoChoice) {
    EngineLearner learner;
    EXPECT_FALSE(learner.choose("h", {}, at(0)).has_value());
}

TEST(EngineLearner, TriesEveryArmOnceInCandidateOrder) {
    EngineLearner learner;
    const auto arms = candidates();
    for (std::size_t i = 0; i < arms.size(); ++i) {
        const auto arm = learner.choose("h", arms, at(static_cast<int>(i)));
        ASSERT_TRUE(arm.has_value());
        EXPECT_EQ(*arm, arms[i]);
        learner.record("h", *arm, serverThroughput(*arm), at(static_cast<int>(i)));
    }
    EXPECT_EQ(learner.stats("h").size(), arms.size());
}

TEST(EngineLearner, SettlesOnTheFastestArm) {
    EngineLearner learner;
    const auto arms = candidates();
    const Arm best{"segmented", 16};
    int bestInLast50 = 0;
    for (int round = 0; round < 200; ++round) {
        const auto arm = learner.choose("https://cdn.example.org:443", arms, at(round));
        ASSERT_TRUE(arm.has_value());
        learner.record("https://cdn.example.org:443", *arm, serverThroughput(*arm) * wobble(round),
                       at(round));
        if (round >= 150 && *arm == best) {
            ++bestInLast50;
        }
    }
    EXPECT_GE(bestInLast50, 40) << "best arm chosen " << bestInLast50 << " of the last 50";
    // And it is the arm with the most pulls overall.
    const auto stats = learner.stats("https://cdn.example.org:443");
    const auto most = std::max_element(stats.begin(), stats.end(),
                                       [](auto& a, auto& b) { return a.pulls < b.pulls; });
    EXPECT_EQ(most->arm, best);
}

TEST(EngineLearner, SettlesWhenTheBestArmChangesPlace) {
    // Same test with a server where multiplex wins: nothing is special about segmented@16.
    EngineLearner learner;
    const auto arms = candidates();
    auto throughput = [](const Arm& a) {
        return a.engine == "multiplex" ? 20e6 : serverThroughput(a);
    };
    int multiplexInLast50 = 0;
    for (int round = 0; round < 200; ++round) {
        const auto arm = learner.choose("h2", arms, at(round));
        learner.record("h2", *arm, throughput(*arm) * wobble(round), at(round));
        if (round >= 150 && arm->engine == "multiplex") {
            ++multiplexInLast50;
        }
    }
    EXPECT_GE(multiplexInLast50, 40);
}

TEST(EngineLearner, IsDeterministic) {
    auto run = [] {
        EngineLearner learner;
        std::vector<Arm> picks;
        for (int round = 0; round < 60; ++round) {
            const auto arm = learner.choose("h", candidates(), at(round));
            learner.record("h", *arm, serverThroughput(*arm) * wobble(round), at(round));
            picks.push_back(*arm);
        }
        return picks;
    };
    EXPECT_EQ(run(), run());
}

TEST(EngineLearner, HostsLearnSeparately) {
    EngineLearner learner;
    learner.record("a", {"segmented", 8}, 8e6, at(0));
    learner.record("a", {"bulk", 1}, 1e6, at(0));
    learner.record("b", {"segmented", 8}, 1e6, at(0));
    learner.record("b", {"bulk", 1}, 8e6, at(0));
    const std::vector<Arm> two = {{"segmented", 8}, {"bulk", 1}};
    EXPECT_EQ(learner.choose("a", two, at(1))->engine, "segmented");
    EXPECT_EQ(learner.choose("b", two, at(1))->engine, "bulk");
}

TEST(EngineLearner, CountsAreBucketedButCandidatesReturnedAsGiven) {
    EngineLearner learner;
    learner.record("h", {"segmented", 12}, 5e6, at(0)); // learned as 8
    const auto stats = learner.stats("h");
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].arm, (Arm{"segmented", 8}));
    EXPECT_EQ(stats[0].pulls, 1);
    EXPECT_DOUBLE_EQ(stats[0].meanThroughput, 5e6);
    // 10 shares 8's evidence, so it is not "untried"; 3 (bucket 2) is, and goes first.
    const std::vector<Arm> arms = {{"segmented", 10}, {"segmented", 3}};
    EXPECT_EQ(*learner.choose("h", arms, at(1)), (Arm{"segmented", 3}));
    learner.record("h", {"segmented", 3}, 1e6, at(1));
    EXPECT_EQ(*learner.choose("h", arms, at(2)), (Arm{"segmented", 10}));
}

TEST(EngineLearner, IgnoresMeaninglessThroughputButCountsZero) {
    EngineLearner learner;
    learner.record("h", {"bulk", 1}, -5, at(0));
    learner.record("h", {"bulk", 1}, std::nan(""), at(0));
    EXPECT_TRUE(learner.stats("h").empty());
    learner.record("h", {"bulk", 1}, 0, at(0)); // a failed download is a real outcome
    ASSERT_EQ(learner.stats("h").size(), 1u);
    EXPECT_EQ(learner.stats("h")[0].pulls, 1);
}

TEST(EngineLearner, EngineBonusIsBestArmRelativeToHostBest) {
    EngineLearner learner;
    EXPECT_TRUE(learner.engineBonus("h").empty());
    learner.record("h", {"segmented", 16}, 10e6, at(0));
    learner.record("h", {"segmented", 1}, 1e6, at(0));
    learner.record("h", {"multiplex", 1}, 4e6, at(0));
    learner.record("h", {"multiplex", 1}, 2e6, at(0));
    const auto bonus = learner.engineBonus("h");
    ASSERT_EQ(bonus.size(), 2u);
    EXPECT_DOUBLE_EQ(bonus.at("segmented"), 1.0);
    EXPECT_DOUBLE_EQ(bonus.at("multiplex"), 0.3); // mean 3e6 over 10e6
    EXPECT_EQ(bonus.count("bulk"), 0u);
}

TEST(EngineLearner, ForgetsLeastRecentlyUsedHosts) {
    LearnerConfig config;
    config.maxHosts = 2;
    EngineLearner learner(config);
    learner.record("a", {"bulk", 1}, 1e6, at(0));
    learner.record("b", {"bulk", 1}, 1e6, at(1));
    learner.record("a", {"bulk", 1}, 1e6, at(2)); // a is fresher than b
    learner.record("c", {"bulk", 1}, 1e6, at(3));
    EXPECT_EQ(learner.hostCount(), 2u);
    EXPECT_FALSE(learner.stats("a").empty());
    EXPECT_TRUE(learner.stats("b").empty());
    EXPECT_FALSE(learner.stats("c").empty());
}

TEST(EngineLearner, StaleHostStartsOver) {
    LearnerConfig config;
    config.forgetAfter = hours(1);
    EngineLearner learner(config);
    const std::vector<Arm> two = {{"segmented", 8}, {"bulk", 1}};
    learner.record("h", {"segmented", 8}, 1e6, at(0));
    learner.record("h", {"bulk", 1}, 9e6, at(0));
    EXPECT_EQ(learner.choose("h", two, at(60))->engine, "bulk");
    // Two hours later what was learned is gone: back to trying in candidate order.
    EXPECT_EQ(learner.choose("h", two, at(2 * 3600 + 60))->engine, "segmented");
    EXPECT_TRUE(learner.stats("h").empty());
}

TEST(EngineLearner, ArmsPerHostAreBounded) {
    LearnerConfig config;
    config.maxArmsPerHost = 3;
    EngineLearner learner(config);
    for (int i = 0; i < 10; ++i) {
        learner.record("h", {"engine" + std::to_string(i), 1}, 1e6, at(i));
    }
    EXPECT_EQ(learner.stats("h").size(), 3u);
}
