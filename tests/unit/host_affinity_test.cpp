#include "core/routing/HostAffinity.h"

#include <gtest/gtest.h>

using maria2::HostAffinity;
using namespace std::chrono_literals;

namespace {
const HostAffinity::Clock::time_point t0 = HostAffinity::Clock::time_point{} + 1000s;
}

TEST(HostAffinity, UnknownHostIsColdEverywhere) {
    HostAffinity a(3);
    EXPECT_EQ(a.inPlay("example.org:443"), 0);
    for (std::size_t e = 0; e < 3; ++e) {
        EXPECT_FALSE(a.warm("example.org:443", e, t0));
    }
}

TEST(HostAffinity, DownloadsInPlayMakeOnlyTheirEngineWarm) {
    HostAffinity a(3);
    a.started("h:80", 1);
    a.started("h:80", 1);
    EXPECT_EQ(a.inPlay("h:80"), 2);
    EXPECT_EQ(a.inPlay("h:80", 1), 2);
    EXPECT_EQ(a.inPlay("h:80", 0), 0);
    EXPECT_TRUE(a.warm("h:80", 1, t0));
    EXPECT_FALSE(a.warm("h:80", 0, t0));
    EXPECT_FALSE(a.warm("other:80", 1, t0)); // per host
}

TEST(HostAffinity, StaysWarmForAWhileAfterTheLastDownloadEnded) {
    HostAffinity a(2);
    a.started("h:80", 0);
    a.ended("h:80", 0, t0);
    EXPECT_EQ(a.inPlay("h:80"), 0);
    EXPECT_TRUE(a.warm("h:80", 0, t0 + 1s)); // its kept-alive connection is still there
    EXPECT_FALSE(a.warm("h:80", 0, t0 + HostAffinity::kWarmFor + 1s));
}

TEST(HostAffinity, EndingMoreThanStartedNeverGoesNegative) {
    HostAffinity a(2);
    a.ended("h:80", 0, t0); // unknown host: ignored
    a.started("h:80", 0);
    a.ended("h:80", 0, t0);
    a.ended("h:80", 0, t0);
    EXPECT_EQ(a.inPlay("h:80"), 0);
    EXPECT_EQ(a.inPlay("h:80", 0), 0);
    a.started("h:80", 5); // no such engine: ignored
    EXPECT_EQ(a.inPlay("h:80"), 0);
}
