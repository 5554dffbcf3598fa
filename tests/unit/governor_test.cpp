// Unit tests for maria2::Governor: AIMD with hysteresis and dwell time, fed synthetic and
// recorded sample sequences. Pure: one update() per "second", no clock.
#include "core/governor/Governor.h"
#include "core/text/Text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using maria2::Governor;
using maria2::GovernorAction;
using maria2::GovernorActionKind;
using maria2::GovernorInput;
using maria2::GovernorSettings;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

GovernorInput cpu(double percent, double memory = 40) {
    GovernorInput in;
    in.cpuPercent = percent;
    in.memoryPercent = memory;
    in.receiveBytesPerSecond = 8.0 * MiB;
    return in;
}

// Feeds CPU readings; returns the index of every sample that produced a limit change.
std::vector<std::size_t> feed(Governor& g, const std::vector<double>& cpuTrace,
                              std::vector<GovernorAction>* all = nullptr) {
    std::vector<std::size_t> changes;
    for (std::size_t i = 0; i < cpuTrace.size(); ++i) {
        const auto actions = g.update(cpu(cpuTrace[i]));
        if (!actions.empty()) {
            changes.push_back(i);
        }
        if (all) {
            all->insert(all->end(), actions.begin(), actions.end());
        }
    }
    return changes;
}

bool changesAreAtLeastApart(const std::vector<std::size_t>& changes, std::size_t gap) {
    for (std::size_t i = 1; i < changes.size(); ++i) {
        if (changes[i] - changes[i - 1] < gap) {
            return false;
        }
    }
    return true;
}

} // namespace

TEST(Governor, SettingsFromConfigUseTheConfigThresholdsAndLimit) {
    const maria2::Config config;
    const auto s = GovernorSettings::fromConfig(config);
    EXPECT_EQ(s.cpuThresholdPercent, 70);
    EXPECT_EQ(s.memoryThresholdPercent, 80);
    EXPECT_EQ(s.maxConcurrentDownloads, 5);
    EXPECT_EQ(s.maxConnectionsPerDownload, config.download.split);
    EXPECT_EQ(s.speedLimit, 0); // no cap by default
    maria2::Config capped;
    capped.performance.downloadSpeedLimit = 10485760; // the seed's block
    EXPECT_EQ(GovernorSettings::fromConfig(capped).speedLimit, 10485760);
    const Governor g(s);
    EXPECT_FALSE(g.state().throttled);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 5);
    EXPECT_EQ(g.state().speedCap, 0);
    EXPECT_DOUBLE_EQ(g.state().connectionFactor, 1.0);
}

TEST(Governor, SustainedHighCpuThrottlesAfterKSamples) {
    Governor g;
    EXPECT_TRUE(g.update(cpu(86)).empty());
    EXPECT_TRUE(g.update(cpu(86)).empty());
    const auto actions = g.update(cpu(86));
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].kind, GovernorActionKind::Throttle);
    EXPECT_EQ(actions[0].message.rfind("throttled: CPU 86% > 70%", 0), 0u) << actions[0].message;
    EXPECT_NE(actions[0].message.find("2 downloads, 4 connections each"), std::string::npos)
        << actions[0].message;
    EXPECT_TRUE(g.state().throttled);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 2); // 5 / 2
    EXPECT_EQ(g.state().maxConnectionsPerDownload, 4);
    EXPECT_DOUBLE_EQ(g.state().connectionFactor, 0.5);
    EXPECT_EQ(g.state().speedCap, 0);
    EXPECT_EQ(g.state().reason, actions[0].message);
}

TEST(Governor, ASingleSpikeDoesNothing) {
    Governor g;
    const auto changes = feed(g, {30, 40, 99, 35, 30, 100, 100, 20, 30, 99, 30});
    EXPECT_TRUE(changes.empty());
    EXPECT_FALSE(g.state().throttled);
}

TEST(Governor, KeepsCuttingWhilePressurePersistsThenCapsSpeed) {
    Governor g;
    std::vector<GovernorAction> actions;
    const auto changes = feed(g, std::vector<double>(30, 95), &actions);
    // One cut per K samples, never faster.
    EXPECT_TRUE(changesAreAtLeastApart(changes, 3));
    EXPECT_EQ(g.state().maxConcurrentDownloads, 1);
    EXPECT_EQ(g.state().maxConnectionsPerDownload, 1);
    // Only after connections and downloads reached 1 does a speed cap appear.
    ASSERT_GE(actions.size(), 4u);
    EXPECT_EQ(actions[0].message.find("speed capped"), std::string::npos);
    EXPECT_EQ(actions[1].message.find("speed capped"), std::string::npos);
    EXPECT_EQ(actions[2].message.find("speed capped"), std::string::npos); // 2,2 -> 1,1
    EXPECT_NE(actions[3].message.find("speed capped at 4.0 MiB/s"), std::string::npos)
        << actions[3].message; // half of the 8 MiB/s flowing
    // The cap halves down to its floor and stays there: no endless "throttled" messages.
    EXPECT_EQ(g.state().speedCap, GovernorSettings{}.minSpeedCap);
    EXPECT_TRUE(g.update(cpu(95)).empty());
    EXPECT_TRUE(g.update(cpu(95)).empty());
    EXPECT_TRUE(g.update(cpu(95)).empty());
}

TEST(Governor, FirstSpeedCapNeverAboveTheUsersLimit) {
    GovernorSettings s;
    s.maxConcurrentDownloads = 1;
    s.maxConnectionsPerDownload = 1;
    s.speedLimit = 2 * MiB;
    Governor g(s);
    feed(g, {90, 90, 90}); // receiving 8 MiB/s, but the user allows only 2
    EXPECT_EQ(g.state().speedCap, 1 * MiB);
}

TEST(Governor, RecoveryIsGradual) {
    Governor g;
    feed(g, std::vector<double>(30, 95));
    ASSERT_TRUE(g.state().throttled);
    std::vector<GovernorAction> actions;
    const auto changes = feed(g, std::vector<double>(200, 30), &actions);
    EXPECT_FALSE(g.state().throttled);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 5);
    EXPECT_EQ(g.state().maxConnectionsPerDownload, 8);
    EXPECT_EQ(g.state().speedCap, 0);
    EXPECT_TRUE(g.state().reason.empty());
    // Many small steps, each after K calm samples; the first not before sample K.
    EXPECT_GE(changes.size(), 6u);
    EXPECT_GE(changes.front(), 2u);
    EXPECT_TRUE(changesAreAtLeastApart(changes, 3));
    for (std::size_t i = 0; i + 1 < actions.size(); ++i) {
        EXPECT_EQ(actions[i].kind, GovernorActionKind::Restore);
        EXPECT_EQ(actions[i].message.rfind("restoring: CPU 30% < 60%", 0), 0u)
            << actions[i].message;
    }
    EXPECT_EQ(actions.back().message.rfind("restored: CPU 30% < 60%", 0), 0u);
    EXPECT_NE(actions.back().message.find("back to 5 downloads, 8 connections each, no speed cap"),
              std::string::npos)
        << actions.back().message;
}

TEST(Governor, DownloadsComeBackOneAtATime) {
    Governor g;
    feed(g, {95, 95, 95, 95, 95, 95}); // 5 -> 2 -> 1
    ASSERT_EQ(g.state().maxConcurrentDownloads, 1);
    int previous = 1;
    for (int i = 0; i < 60; ++i) {
        g.update(cpu(20));
        EXPECT_LE(g.state().maxConcurrentDownloads, previous + 1);
        EXPECT_GE(g.state().maxConcurrentDownloads, previous);
        previous = g.state().maxConcurrentDownloads;
    }
    EXPECT_EQ(previous, 5);
}

TEST(Governor, TheHysteresisBandHoldsStill) {
    Governor g;
    feed(g, {95, 95, 95});
    ASSERT_TRUE(g.state().throttled);
    const auto before = g.state();
    // 60..70 is neither pressure (> 70) nor calm (< 60): nothing moves, however long.
    const auto changes = feed(g, std::vector<double>(100, 65));
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(g.state().maxConcurrentDownloads, before.maxConcurrentDownloads);
    EXPECT_TRUE(g.state().throttled);
}

TEST(Governor, InputFlappingAroundTheThresholdDoesNotFlapTheOutput) {
    Governor g;
    std::vector<double> trace;
    for (int i = 0; i < 120; ++i) {
        trace.push_back(i % 2 == 0 ? 72 : 68); // just over and just under, every sample
    }
    EXPECT_TRUE(feed(g, trace).empty());
    trace.clear();
    for (int i = 0; i < 120; ++i) {
        trace.push_back(i % 2 == 0 ? 95 : 20); // wild swings, every sample
    }
    EXPECT_TRUE(feed(g, trace).empty());
    trace.clear();
    for (int i = 0; i < 120; ++i) {
        trace.push_back(i % 4 < 2 ? 90 : 40); // two high, two low
    }
    EXPECT_TRUE(feed(g, trace).empty());
}

TEST(Governor, RecordedTraceOfABusyMachine) {
    // System CPU %, once a second from /proc/stat, recorded on the 2-core development VM while
    // two busy loops and then parallel compiles started: idle, a three-second burst, a short
    // dip, then saturated.
    const std::vector<double> trace = {
        6,   6,   5,   26,  26,  72,  85,  85,  9,   13,  100, 100, 100, 100, 100,
        100, 100, 100, 99,  100, 99,  100, 100, 100, 100, 100, 100, 100, 100, 100,
        100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
        100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
        100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    Governor g;
    std::vector<GovernorAction> actions;
    const auto changes = feed(g, trace, &actions);
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes.front(), 7u) << "the third sample over 70% in a row, not the first";
    EXPECT_TRUE(changesAreAtLeastApart(changes, 3));
    for (const auto& a : actions) {
        EXPECT_EQ(a.kind, GovernorActionKind::Throttle) << a.message;
    }
    // Cut down to the floor (1 download, 1 connection, minimum cap) and then quiet.
    EXPECT_TRUE(g.state().throttled);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 1);
    EXPECT_EQ(g.state().speedCap, GovernorSettings{}.minSpeedCap);
    EXPECT_LT(changes.back(), 40u);
}

TEST(Governor, SyntheticCompileJobThrottlesThenRecovers) {
    // Shaped like a build on an otherwise idle machine: idle, 25 s of load with short dips,
    // then idle again (synthetic values).
    const std::vector<double> trace = {
        12, 9,  15, 11, 18, 74,  96, 99, 97, 88, 99, 100, 98, 64, 97, 99, 93, 100, 99,
        96, 71, 98, 99, 97, 100, 95, 91, 99, 98, 85, 22,  14, 10, 9,  12, 11, 8,   13,
        9,  10, 12, 9,  11, 10,  8,  9,  12, 14, 10, 9,   11, 10, 9,  8,  12, 10,  9,
        11, 10, 9,  12, 8,  10,  11, 9,  10, 9,  12, 10,  11, 9,  10, 8,  9,  11,  10};
    Governor g;
    std::vector<GovernorAction> actions;
    const auto changes = feed(g, trace, &actions);
    ASSERT_FALSE(actions.empty());
    EXPECT_EQ(actions.front().kind, GovernorActionKind::Throttle);
    EXPECT_GE(changes.front(), 7u); // not on the first high sample (index 5)
    EXPECT_TRUE(changesAreAtLeastApart(changes, 3));
    EXPECT_LE(changes.size(), trace.size() / 3);
    EXPECT_FALSE(g.state().throttled) << "fully restored by the end of the idle tail";
}

TEST(Governor, ClosedLoopSettlesInsteadOfOscillating) {
    // A plant: CPU grows with the number of open connections. Unthrottled it sits at 80%
    // (over 70); the governor must find a level inside the band and then stay there.
    Governor g;
    std::vector<std::size_t> changes;
    for (std::size_t t = 0; t < 200; ++t) {
        const auto& s = g.state();
        const double load = 20.0 + 1.5 * s.maxConcurrentDownloads * s.maxConnectionsPerDownload;
        if (!g.update(cpu(load)).empty()) {
            changes.push_back(t);
        }
    }
    EXPECT_FALSE(changes.empty());
    EXPECT_LT(changes.back(), 50u) << "still changing late: it oscillates";
    const auto& s = g.state();
    const double settled = 20.0 + 1.5 * s.maxConcurrentDownloads * s.maxConnectionsPerDownload;
    EXPECT_LE(settled, 70.0);
}

TEST(Governor, MemoryPressureThrottlesWithItsOwnMessage) {
    Governor g;
    std::vector<GovernorAction> actions;
    for (int i = 0; i < 3; ++i) {
        const auto a = g.update(cpu(20, 91));
        actions.insert(actions.end(), a.begin(), a.end());
    }
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].message.rfind("throttled: memory 91% > 80%", 0), 0u) << actions[0].message;
    // Both at once are both named.
    Governor both;
    std::vector<GovernorAction> a2;
    for (int i = 0; i < 3; ++i) {
        const auto a = both.update(cpu(88, 95));
        a2.insert(a2.end(), a.begin(), a.end());
    }
    ASSERT_EQ(a2.size(), 1u);
    EXPECT_EQ(a2[0].message.rfind("throttled: CPU 88% > 70%, memory 95% > 80%", 0), 0u)
        << a2[0].message;
}

TEST(Governor, UnknownCpuIsNotPressure) {
    Governor g;
    GovernorInput in;
    in.memoryPercent = 30;
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(g.update(in).empty());
    }
    EXPECT_FALSE(g.state().throttled);
}

TEST(Governor, LowDiskPausesTheVolumeAtOnceAndResumesWithMargin) {
    Governor g;
    GovernorInput in = cpu(20);
    in.volumes = {{"/data", 120ull * MiB}, {"/home/u/Downloads", 50ull * 1024 * MiB}, {"/nas", {}}};
    const auto first = g.update(in);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, GovernorActionKind::PauseVolume);
    EXPECT_EQ(first[0].volume, "/data");
    EXPECT_EQ(first[0].message, "paused downloads on /data: 120.0 MiB free < 256.0 MiB floor");
    EXPECT_EQ(g.state().pausedVolumes, std::vector<std::string>{"/data"});
    EXPECT_TRUE(g.update(in).empty()) << "paused once, not every sample";

    in.volumes[0].freeBytes = 300ull * MiB; // above the floor but inside the margin
    EXPECT_TRUE(g.update(in).empty());
    in.volumes[0].freeBytes = 2ull * 1024 * MiB;
    const auto resumed = g.update(in);
    ASSERT_EQ(resumed.size(), 1u);
    EXPECT_EQ(resumed[0].kind, GovernorActionKind::ResumeVolume);
    EXPECT_EQ(resumed[0].message, "resumed downloads on /data: 2.0 GiB free");
    EXPECT_TRUE(g.state().pausedVolumes.empty());
    EXPECT_FALSE(g.state().throttled) << "disk space is not CPU throttling";
}

TEST(Governor, NewSettingsApplyWhenUnthrottledAndCapWhenThrottled) {
    Governor g;
    GovernorSettings more;
    more.maxConcurrentDownloads = 10;
    g.setSettings(more);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 10);
    feed(g, {95, 95, 95}); // 10 -> 5
    ASSERT_EQ(g.state().maxConcurrentDownloads, 5);
    GovernorSettings fewer;
    fewer.maxConcurrentDownloads = 3;
    g.setSettings(fewer);
    EXPECT_EQ(g.state().maxConcurrentDownloads, 3);
    EXPECT_TRUE(g.state().throttled); // connections are still cut
}

TEST(Governor, FormatBytes) {
    EXPECT_EQ(maria2::text::formatBytes(12), "12 B");
    EXPECT_EQ(maria2::text::formatBytes(820 * KiB), "820.0 KiB");
    EXPECT_EQ(maria2::text::formatBytes(1.5 * MiB), "1.5 MiB");
}

TEST(Governor, ABusyMachineThatWeBarelyUseIsNotOursToFix) {
    // Others keep the machine at 100%; MAria2 uses 3% of it: cutting its connections would
    // only slow the download (seen on a shared build machine: 66 MB/s fell to 11 MB/s).
    Governor g;
    for (int i = 0; i < 10; ++i) {
        GovernorInput in = cpu(100);
        in.processCpuPercent = 3;
        EXPECT_TRUE(g.update(in).empty()) << "sample " << i;
    }
    EXPECT_FALSE(g.state().throttled);
    // The same load with MAria2 a real part of it is pressure, and the message says its share.
    std::vector<GovernorAction> actions;
    for (int i = 0; i < 3; ++i) {
        GovernorInput in = cpu(100);
        in.processCpuPercent = 40;
        const auto step = g.update(in);
        actions.insert(actions.end(), step.begin(), step.end());
    }
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_NE(actions[0].message.find("MAria2 40%"), std::string::npos) << actions[0].message;
    EXPECT_TRUE(g.state().throttled);
}
