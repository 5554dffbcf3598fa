#pragma once
// Decides how much may run given how loaded the machine is. Pure control logic: fed one
// resource sample at a time, it returns the moves it makes (each with a message for the log and
// the GUI) and keeps the resulting limits in state(). No clock, no threads, no I/O.
//
// Control law (docs/throttling.md): AIMD with hysteresis and dwell time.
//  - Pressure = CPU (while this process uses a real share of it) or memory above its threshold.
//  After `dwellSamples` pressure samples in a
//    row it cuts: halves concurrent downloads and connections per download, and once those are
//    at their minimum, halves a speed cap. Each cut restarts the count.
//  - Calm = CPU and memory both below threshold minus `recoveryMarginPercent`. After
//    `dwellSamples` calm samples in a row it restores one additive step, in the reverse order
//    (speed cap first, then downloads and connections).
//  - Between the two (the hysteresis band) nothing moves and both counts restart.
//  - Free space below the floor pauses downloads on that volume at once; they resume once free
//    space is back above floor + margin.
#include "core/config/Config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

struct GovernorSettings {
    int cpuThresholdPercent = 70;    // PerformanceSettings.ResourceThreshold.CPUUsage
    int memoryThresholdPercent = 80; // PerformanceSettings.ResourceThreshold.MemoryUsage
    int recoveryMarginPercent = 10;  // restore only below threshold - margin
    int dwellSamples = 3;            // K: consecutive samples before any move (>= 1)
    // What "not throttled" means: the user's own settings.
    int maxConcurrentDownloads = 5;        // PerformanceSettings.MaxConcurrentDownloads
    int maxConnectionsPerDownload = 8;     // Download.Split
    std::int64_t speedLimit = 0;           // PerformanceSettings.DownloadSpeedLimit, 0 = none
    std::int64_t minSpeedCap = 256 * 1024; // a governor cap never goes below this (B/s)
    std::uint64_t freeSpaceFloorBytes = 256ull * 1024 * 1024;
    std::uint64_t freeSpaceResumeMarginBytes = 64ull * 1024 * 1024;
    // CPU pressure counts only while this process uses at least this share of the machine
    // (percent of all cores): when others keep it busy and we use little, cutting our
    // connections frees nothing and only slows the download.
    double minOwnCpuPercent = 10;

    static GovernorSettings fromConfig(const Config& config);
};

struct VolumeReading {
    std::string volume;                     // a watched folder, as the session names it
    std::optional<std::uint64_t> freeBytes; // empty = unknown: no decision
};

struct GovernorInput {
    std::optional<double> cpuPercent;        // system-wide, 0..100; empty = unknown (first sample)
    std::optional<double> processCpuPercent; // this process, share of the machine; empty =
                                             // unknown (then a busy machine counts as ours)
    double memoryPercent = 0;                // system-wide, 0..100
    double receiveBytesPerSecond = 0; // current total download speed: where a first cap starts
    std::vector<VolumeReading> volumes;
};

struct GovernorState {
    int maxConcurrentDownloads = 5;
    int maxConnectionsPerDownload = 8;
    double connectionFactor = 1.0; // maxConnectionsPerDownload / the user's value
    std::int64_t speedCap = 0;     // B/s imposed by the governor, 0 = none (the user's limit
                                   // still applies; the session uses the smaller)
    bool throttled = false;
    std::string reason; // the last cut's message while throttled, else empty
    std::vector<std::string> pausedVolumes;
};

enum class GovernorActionKind {
    Throttle,     // limits lowered
    Restore,      // limits raised one step (state().throttled says whether fully restored)
    PauseVolume,  // stop the downloads writing to `volume`
    ResumeVolume, // they may run again
};

struct GovernorAction {
    GovernorActionKind kind = GovernorActionKind::Throttle;
    std::string volume;  // for PauseVolume / ResumeVolume
    std::string message; // e.g. "throttled: CPU 86% > 70% - 2 downloads, 4 connections each"
};

class Governor {
public:
    explicit Governor(GovernorSettings settings = {});

    // One sample in; the moves it caused out (usually none).
    std::vector<GovernorAction> update(const GovernorInput& input);

    const GovernorState& state() const { return m_state; }
    const GovernorSettings& settings() const { return m_settings; }

    // New user settings (the settings dialog). Unthrottled limits follow them at once;
    // throttled ones are kept but never above the new values.
    void setSettings(const GovernorSettings& settings);

private:
    bool atFloor() const;
    bool atBase() const;
    GovernorAction cut(const std::string& why, double receiveBytesPerSecond);
    GovernorAction restoreStep(const std::string& why);
    void updateVolumes(const std::vector<VolumeReading>& volumes,
                       std::vector<GovernorAction>& actions);
    std::string describeLimits() const;

    GovernorSettings m_settings;
    GovernorState m_state;
    int m_pressureRun = 0;
    int m_calmRun = 0;
    std::int64_t m_speedStep = 0;  // additive step for the cap, fixed at the first speed cut
    std::int64_t m_capCeiling = 0; // at or above this the cap is lifted altogether
};

} // namespace maria2
