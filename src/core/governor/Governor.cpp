#include "core/governor/Governor.h"
#include "core/text/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace maria2 {

namespace {

std::string percent(double value) {
    return std::to_string(std::lround(value)) + "%";
}

std::string plural(int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

GovernorSettings GovernorSettings::fromConfig(const Config& config) {
    GovernorSettings s;
    s.cpuThresholdPercent = config.performance.cpuUsagePercent;
    s.memoryThresholdPercent = config.performance.memoryUsagePercent;
    s.maxConcurrentDownloads = config.performance.maxConcurrentDownloads;
    s.maxConnectionsPerDownload = config.download.split;
    s.speedLimit = config.performance.downloadSpeedLimit;
    return s;
}

Governor::Governor(GovernorSettings settings)
    : m_settings(settings) {
    m_state.maxConcurrentDownloads = std::max(1, m_settings.maxConcurrentDownloads);
    m_state.maxConnectionsPerDownload = std::max(1, m_settings.maxConnectionsPerDownload);
}

bool Governor::atBase() const {
    return m_state.maxConcurrentDownloads >= m_settings.maxConcurrentDownloads &&
           m_state.maxConnectionsPerDownload >= m_settings.maxConnectionsPerDownload &&
           m_state.speedCap == 0;
}

bool Governor::atFloor() const {
    return m_state.maxConcurrentDownloads <= 1 && m_state.maxConnectionsPerDownload <= 1 &&
           m_state.speedCap > 0 && m_state.speedCap <= m_settings.minSpeedCap;
}

std::string Governor::describeLimits() const {
    std::string text = plural(m_state.maxConcurrentDownloads, "download", "downloads") + ", " +
                       plural(m_state.maxConnectionsPerDownload, "connection", "connections") +
                       " each";
    text +=
        m_state.speedCap > 0
            ? ", speed capped at " + text::formatBytes(static_cast<double>(m_state.speedCap)) + "/s"
            : ", no speed cap";
    return text;
}

std::vector<GovernorAction> Governor::update(const GovernorInput& input) {
    std::vector<GovernorAction> actions;
    const double cpuHigh = m_settings.cpuThresholdPercent;
    const double memHigh = m_settings.memoryThresholdPercent;
    const double cpuLow = cpuHigh - m_settings.recoveryMarginPercent;
    const double memLow = memHigh - m_settings.recoveryMarginPercent;

    std::string pressure;
    const bool oursMatters =
        !input.processCpuPercent || *input.processCpuPercent >= m_settings.minOwnCpuPercent;
    if (input.cpuPercent && *input.cpuPercent > cpuHigh && oursMatters) {
        pressure = "CPU " + percent(*input.cpuPercent) + " > " + percent(cpuHigh);
        if (input.processCpuPercent) {
            pressure += " (MAria2 " + percent(*input.processCpuPercent) + ")";
        }
    }
    if (input.memoryPercent > memHigh) {
        pressure += (pressure.empty() ? "" : ", ") + std::string("memory ") +
                    percent(input.memoryPercent) + " > " + percent(memHigh);
    }
    const bool cpuCalm = !input.cpuPercent || *input.cpuPercent < cpuLow;
    const bool calm = pressure.empty() && cpuCalm && input.memoryPercent < memLow;

    // Only uninterrupted runs count: one sample on the other side, or in the band, starts over.
    if (!pressure.empty()) {
        ++m_pressureRun;
        m_calmRun = 0;
    } else if (calm) {
        ++m_calmRun;
        m_pressureRun = 0;
    } else {
        m_pressureRun = 0;
        m_calmRun = 0;
    }

    const int dwell = std::max(1, m_settings.dwellSamples);
    if (m_pressureRun >= dwell) {
        m_pressureRun = 0; // the next cut needs another full run: time to see this one work
        if (!atFloor()) {
            actions.push_back(cut(pressure, input.receiveBytesPerSecond));
        }
    } else if (m_calmRun >= dwell) {
        m_calmRun = 0;
        if (!atBase()) {
            std::string why;
            if (input.cpuPercent) {
                why = "CPU " + percent(*input.cpuPercent) + " < " + percent(cpuLow) + ", ";
            }
            why += "memory " + percent(input.memoryPercent) + " < " + percent(memLow);
            actions.push_back(restoreStep(why));
        }
    }
    updateVolumes(input.volumes, actions);
    return actions;
}

GovernorAction Governor::cut(const std::string& why, double receiveBytesPerSecond) {
    // Multiplicative decrease. Fewer downloads and connections first: that saves CPU (TLS,
    // syscalls) and memory (buffers) without slowing the downloads that remain much.
    if (m_state.maxConcurrentDownloads > 1 || m_state.maxConnectionsPerDownload > 1) {
        m_state.maxConcurrentDownloads = std::max(1, m_state.maxConcurrentDownloads / 2);
        m_state.maxConnectionsPerDownload = std::max(1, m_state.maxConnectionsPerDownload / 2);
    } else if (m_state.speedCap == 0) {
        // Start from what is flowing now (or the user's limit, if lower): half of that.
        double reference =
            receiveBytesPerSecond > 0
                ? receiveBytesPerSecond
                : static_cast<double>(m_settings.speedLimit > 0 ? m_settings.speedLimit
                                                                : 8 * m_settings.minSpeedCap);
        if (m_settings.speedLimit > 0) {
            reference = std::min(reference, static_cast<double>(m_settings.speedLimit));
        }
        m_capCeiling = std::max(static_cast<std::int64_t>(reference), m_settings.minSpeedCap);
        m_speedStep = std::max<std::int64_t>(16 * 1024, m_capCeiling / 8);
        m_state.speedCap = std::max(m_settings.minSpeedCap, m_capCeiling / 2);
    } else {
        m_state.speedCap = std::max(m_settings.minSpeedCap, m_state.speedCap / 2);
    }
    m_state.connectionFactor = static_cast<double>(m_state.maxConnectionsPerDownload) /
                               std::max(1, m_settings.maxConnectionsPerDownload);
    m_state.throttled = true;
    m_state.reason = "throttled: " + why + "; now " + describeLimits();
    return {GovernorActionKind::Throttle, {}, m_state.reason};
}

GovernorAction Governor::restoreStep(const std::string& why) {
    // Additive increase, undoing the cuts in reverse order: the speed cap goes first.
    if (m_state.speedCap > 0) {
        m_state.speedCap += m_speedStep;
        if (m_state.speedCap >= m_capCeiling) {
            m_state.speedCap = 0;
        }
    } else {
        m_state.maxConcurrentDownloads =
            std::min(m_settings.maxConcurrentDownloads, m_state.maxConcurrentDownloads + 1);
        m_state.maxConnectionsPerDownload =
            std::min(m_settings.maxConnectionsPerDownload,
                     m_state.maxConnectionsPerDownload +
                         std::max(1, m_settings.maxConnectionsPerDownload / 4));
    }
    m_state.connectionFactor = static_cast<double>(m_state.maxConnectionsPerDownload) /
                               std::max(1, m_settings.maxConnectionsPerDownload);
    m_state.throttled = !atBase();
    if (m_state.throttled) {
        return {GovernorActionKind::Restore, {}, "restoring: " + why + "; now " + describeLimits()};
    }
    m_state.reason.clear();
    return {GovernorActionKind::Restore, {}, "restored: " + why + "; back to " + describeLimits()};
}

void Governor::updateVolumes(const std::vector<VolumeReading>& volumes,
                             std::vector<GovernorAction>& actions) {
    auto& paused = m_state.pausedVolumes;
    for (const auto& v : volumes) {
        if (!v.freeBytes) {
            continue;
        }
        const auto free = static_cast<double>(*v.freeBytes);
        const bool isPaused = std::find(paused.begin(), paused.end(), v.volume) != paused.end();
        // No dwell here: a full disk fails downloads, so this acts on the first sample. The
        // resume margin keeps a volume hovering at the floor from pausing and resuming.
        if (!isPaused && *v.freeBytes < m_settings.freeSpaceFloorBytes) {
            paused.push_back(v.volume);
            actions.push_back(
                {GovernorActionKind::PauseVolume, v.volume,
                 "paused downloads on " + v.volume + ": " + text::formatBytes(free) + " free < " +
                     text::formatBytes(static_cast<double>(m_settings.freeSpaceFloorBytes)) +
                     " floor"});
        } else if (isPaused && *v.freeBytes >= m_settings.freeSpaceFloorBytes +
                                                   m_settings.freeSpaceResumeMarginBytes) {
            paused.erase(std::remove(paused.begin(), paused.end(), v.volume), paused.end());
            actions.push_back(
                {GovernorActionKind::ResumeVolume, v.volume,
                 "resumed downloads on " + v.volume + ": " + text::formatBytes(free) + " free"});
        }
    }
}

void Governor::setSettings(const GovernorSettings& settings) {
    const bool wasAtBase = atBase();
    m_settings = settings;
    const int baseDownloads = std::max(1, settings.maxConcurrentDownloads);
    const int baseConnections = std::max(1, settings.maxConnectionsPerDownload);
    if (wasAtBase) {
        m_state.maxConcurrentDownloads = baseDownloads;
        m_state.maxConnectionsPerDownload = baseConnections;
    } else {
        m_state.maxConcurrentDownloads = std::min(m_state.maxConcurrentDownloads, baseDownloads);
        m_state.maxConnectionsPerDownload =
            std::min(m_state.maxConnectionsPerDownload, baseConnections);
    }
    m_state.connectionFactor =
        static_cast<double>(m_state.maxConnectionsPerDownload) / baseConnections;
    m_state.throttled = !atBase();
    if (!m_state.throttled) {
        m_state.reason.clear();
    }
}

} // namespace maria2
