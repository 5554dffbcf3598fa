#include "core/adapt/TimeoutAdvisor.h"
#include "core/text/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

namespace maria2 {

namespace {

bool trusted(const Ewma& e) {
    return e.samples >= TimeoutAdvisor::kMinSamples && std::isfinite(e.value) && e.value >= 0;
}

// ceil(value) within [lo, hi]; value must be finite. Clamped as a double first, so an absurd
// input (TTFB of a day) cannot overflow the int.
int ceilWithin(double value, int lo, int hi) {
    const double c = std::ceil(std::clamp(value, static_cast<double>(lo), static_cast<double>(hi)));
    return std::clamp(static_cast<int>(c), lo, hi);
}

std::string fixed(double value, const char* format) {
    char text[48];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string rate(double bytesPerSecond) {
    return text::formatBytes(bytesPerSecond) + "/s";
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            out += "; ";
        }
        out += p;
    }
    return out;
}

} // namespace

TimeoutAdvisor::TimeoutAdvisor(NetworkSettings network)
    : m_network(std::move(network)) {
}

AdvisedTimeouts TimeoutAdvisor::configValues(const std::string& reason) const {
    AdvisedTimeouts out;
    out.connectTimeoutSeconds = m_network.connectTimeoutSeconds;
    out.lowSpeedLimitBytes = m_network.lowSpeedLimitBytes;
    out.lowSpeedTimeSeconds = m_network.lowSpeedTimeSeconds;
    out.adapted = false;
    out.why = "config values (connect " + std::to_string(out.connectTimeoutSeconds) + " s, ";
    if (out.lowSpeedLimitBytes > 0) {
        out.why += "low speed " + rate(static_cast<double>(out.lowSpeedLimitBytes)) + " for " +
                   std::to_string(out.lowSpeedTimeSeconds) + " s)";
    } else {
        out.why += "no low-speed check)";
    }
    if (!reason.empty()) {
        out.why += ": " + reason;
    }
    return out;
}

AdvisedTimeouts TimeoutAdvisor::advise(const std::optional<HostProfile>& profile,
                                       std::int64_t speedLimitPerConnection) const {
    return advise(profile ? &*profile : nullptr, speedLimitPerConnection);
}

AdvisedTimeouts TimeoutAdvisor::advise(const HostProfile* profile,
                                       std::int64_t speedLimitPerConnection) const {
    if (profile == nullptr) {
        return configValues("host not measured yet");
    }
    const bool ttfbKnown = trusted(profile->ttfbSeconds);
    const bool speedKnown = trusted(profile->perConnectionThroughput);
    if (!ttfbKnown && !speedKnown) {
        return configValues("too few measurements of this host (" +
                            std::to_string(profile->ttfbSeconds.samples) + " TTFB, " +
                            std::to_string(profile->perConnectionThroughput.samples) +
                            " speed; need " + std::to_string(kMinSamples) + ")");
    }

    // Unknown or corrupt failure rate: assume the worst, i.e. the most patience.
    double failureRate = 0;
    if (profile->failureRate.samples > 0) {
        failureRate = std::isfinite(profile->failureRate.value)
                          ? std::clamp(profile->failureRate.value, 0.0, 1.0)
                          : 1.0;
    }
    const double patience = 1.0 + kPatiencePerFailureRate * failureRate;
    const double ttfb = ttfbKnown ? profile->ttfbSeconds.value : 0.0;

    AdvisedTimeouts out = configValues({});
    std::vector<std::string> why;

    // Connect: config is the upper bound (the longest the user lets us wait).
    const int cfgConnect = std::max(1, m_network.connectTimeoutSeconds);
    if (ttfbKnown) {
        const double raw = (kConnectTtfbFactor * ttfb + kConnectMarginSeconds) * patience;
        out.connectTimeoutSeconds =
            ceilWithin(raw, std::min(kConnectFloorSeconds, cfgConnect), cfgConnect);
        why.push_back("connect " + std::to_string(out.connectTimeoutSeconds) + " s from TTFB " +
                      fixed(ttfb, "%.2f s") + " (" + std::to_string(profile->ttfbSeconds.samples) +
                      " samples)");
    } else {
        why.push_back("connect " + std::to_string(out.connectTimeoutSeconds) +
                      " s as configured (TTFB not measured)");
    }

    // Low speed: the config's limit is the lower bound (the slowest the user calls alive),
    // its time the upper bound (the longest the user tolerates a stall).
    const std::int64_t cfgLimit = std::max<std::int64_t>(0, m_network.lowSpeedLimitBytes);
    const int cfgTime = std::max(1, m_network.lowSpeedTimeSeconds);
    if (cfgLimit == 0) {
        why.push_back("low-speed check off as configured");
    } else if (speedKnown) {
        const double perConnection = profile->perConnectionThroughput.value;
        double ceiling = static_cast<double>(std::max(cfgLimit, kLowSpeedLimitCeiling));
        if (speedLimitPerConnection > 0) {
            ceiling = std::min(ceiling,
                               static_cast<double>(speedLimitPerConnection) / kLimitShareDivisor);
        }
        ceiling = std::max(ceiling, static_cast<double>(cfgLimit));
        const double raw = perConnection / kStallDivisor / patience;
        out.lowSpeedLimitBytes =
            static_cast<std::int64_t>(std::clamp(raw, static_cast<double>(cfgLimit), ceiling));

        std::string timeWhy;
        if (!ttfbKnown) {
            timeWhy = " (time as configured: TTFB not measured)";
        } else if (perConnection <
                   kShortenAboveRatio * static_cast<double>(out.lowSpeedLimitBytes)) {
            timeWhy = " (time as configured: host runs close to the stall line)";
        } else {
            out.lowSpeedTimeSeconds =
                ceilWithin((kLowSpeedBaseSeconds + kLowSpeedTtfbFactor * ttfb) * patience,
                           std::min(kLowSpeedFloorSeconds, cfgTime), cfgTime);
        }
        why.push_back("low speed " + rate(static_cast<double>(out.lowSpeedLimitBytes)) + " for " +
                      std::to_string(out.lowSpeedTimeSeconds) + " s from " + rate(perConnection) +
                      " per connection (" +
                      std::to_string(profile->perConnectionThroughput.samples) + " samples)" +
                      timeWhy);
        if (speedLimitPerConnection > 0) {
            why.back() += ", speed limit " + rate(static_cast<double>(speedLimitPerConnection)) +
                          " per connection";
        }
    } else {
        why.push_back("low speed " + rate(static_cast<double>(cfgLimit)) + " for " +
                      std::to_string(cfgTime) + " s as configured (speed not measured)");
    }

    if (failureRate > 0) {
        why.push_back("failure rate " + fixed(failureRate * 100.0, "%.0f%%") + ": patience x" +
                      fixed(patience, "%.2g"));
    }
    out.adapted = out.connectTimeoutSeconds != m_network.connectTimeoutSeconds ||
                  out.lowSpeedLimitBytes != m_network.lowSpeedLimitBytes ||
                  out.lowSpeedTimeSeconds != m_network.lowSpeedTimeSeconds;
    out.why = join(why);
    return out;
}

} // namespace maria2
