// NameReservations: one pool-wide claim per file name, atomic under racing engines.
#include "core/naming/NameReservations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using maria2::NameReservations;

TEST(NameReservations, OneDownloadHoldsAName) {
    NameReservations names;
    EXPECT_TRUE(names.claim("/d/a.bin", 1));
    EXPECT_TRUE(names.claim("/d/a.bin", 1)) << "claiming again what one holds is fine";
    EXPECT_FALSE(names.claim("/d/a.bin", 2));
    EXPECT_FALSE(names.claim("/d/./x/../a.bin", 2)) << "the same path written otherwise";
    EXPECT_TRUE(names.isClaimed("/d/a.bin"));
}

TEST(NameReservations, OnlyTheHolderReleases) {
    NameReservations names;
    ASSERT_TRUE(names.claim("/d/a.bin", 1));
    names.release("/d/a.bin", 2);
    EXPECT_TRUE(names.isClaimed("/d/a.bin"));
    names.release("/d/a.bin", 1);
    EXPECT_FALSE(names.isClaimed("/d/a.bin"));
    EXPECT_TRUE(names.claim("/d/a.bin", 2));
}

TEST(NameReservations, RacingClaimsHaveOneWinner) {
    // Engines on their own threads choosing the same name at the same moment.
    for (int round = 0; round < 50; ++round) {
        NameReservations names;
        std::atomic<int> winners{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (maria2::DownloadId id = 1; id <= 4; ++id) {
            threads.emplace_back([&, id] {
                while (!go) {
                    std::this_thread::yield();
                }
                winners += names.claim("/d/same.iso", id) ? 1 : 0;
            });
        }
        go = true;
        for (auto& t : threads) {
            t.join();
        }
        ASSERT_EQ(winners, 1);
    }
}
