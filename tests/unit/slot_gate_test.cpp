// The pool-wide limit on downloads at once.
#include "core/engine/SlotGate.h"

#include <gtest/gtest.h>

using maria2::SlotGate;

namespace {

TEST(SlotGate, HandsOutAtMostMaxSlots) {
    SlotGate gate(2);
    EXPECT_TRUE(gate.tryAcquire());
    EXPECT_TRUE(gate.tryAcquire());
    EXPECT_FALSE(gate.tryAcquire());
    EXPECT_EQ(gate.busy(), 2);
    gate.release();
    EXPECT_TRUE(gate.tryAcquire());
}

TEST(SlotGate, ReleaseAndNewMaxWakeEveryEngine) {
    SlotGate gate(1);
    int wakes = 0;
    gate.addWaker([&] { ++wakes; });
    gate.addWaker([&] { ++wakes; });
    ASSERT_TRUE(gate.tryAcquire());
    gate.release();
    EXPECT_EQ(wakes, 2);
    gate.setMax(3);
    EXPECT_EQ(wakes, 4);
    EXPECT_EQ(gate.max(), 3);
}

TEST(SlotGate, LoweringTheMaxStopsNewStartsButNotRunningOnes) {
    SlotGate gate(3);
    ASSERT_TRUE(gate.tryAcquire());
    ASSERT_TRUE(gate.tryAcquire());
    gate.setMax(1);
    EXPECT_FALSE(gate.tryAcquire());
    EXPECT_EQ(gate.busy(), 2);
    gate.release();
    EXPECT_FALSE(gate.tryAcquire()); // still one busy = max
    gate.release();
    EXPECT_TRUE(gate.tryAcquire());
    gate.setMax(0); // clamped to 1
    EXPECT_EQ(gate.max(), 1);
}

TEST(SlotGate, ReleasingMoreThanTakenNeverGoesNegative) {
    SlotGate gate(1);
    gate.release();
    EXPECT_EQ(gate.busy(), 0);
    EXPECT_TRUE(gate.tryAcquire());
}

} // namespace
