#pragma once
// Connect and low-speed timeouts for a new download, derived from what we measured of its host
// (HostProfile: TTFB, throughput per connection, failure rate) instead of fixed values. Pure:
// no clock, no I/O, no state beyond the configuration it was built with.
//
// The user's Network.* settings are the lenient outer bound: the advice is never more patient
// than they are, only stricter, and never stricter than a sane bound (docs/adaptive.md):
//   connect timeout  = clamp(ceil((3 x TTFB + 3 s) x patience),    6 s, config)
//   low-speed limit  = clamp(perConnection / 32 / patience, config, max(config, 256 KiB/s))
//                      (and at most a quarter of the speed-limit share of one connection)
//   low-speed time   = clamp(ceil((15 s + 10 x TTFB) x patience), 15 s, config)
//   patience         = 1 + 2 x failureRate   (a flaky host gets up to 3x more time)
// A figure with fewer than kMinSamples measurements is unknown: that part stays at the
// config value exactly. A disabled low-speed check (LowSpeedLimitBytes 0) stays disabled.
#include "core/config/Config.h"
#include "core/hosts/HostProfile.h"

#include <cstdint>
#include <optional>
#include <string>

namespace maria2 {

struct AdvisedTimeouts {
    int connectTimeoutSeconds = 30;      // CURLOPT_CONNECTTIMEOUT
    std::int64_t lowSpeedLimitBytes = 0; // CURLOPT_LOW_SPEED_LIMIT, B/s; 0 = no check
    int lowSpeedTimeSeconds = 60;        // CURLOPT_LOW_SPEED_TIME
    bool adapted = false;                // false = exactly the config's values
    std::string why;                     // for the log line: the figures each value came from
};

class TimeoutAdvisor {
public:
    // A host figure needs this many measurements before it is trusted. HostProfile's EWMA
    // weighs a new sample 0.3, so after three the first one still weighs 0.49: one odd
    // transfer alone never sets a timeout.
    static constexpr std::int64_t kMinSamples = 3;

    // Connect: TTFB is DNS + TCP + TLS + request + server think time, so it over-estimates the
    // connect phase (safe). x3 covers RTT jitter and a slower handshake; +3 s covers one lost
    // SYN (Linux retransmits it after 1 s, then 3 s).
    static constexpr double kConnectTtfbFactor = 3.0;
    static constexpr double kConnectMarginSeconds = 3.0;
    // Never below 6 s: one lost DNS datagram (the resolver retries after 5 s) or two lost
    // SYNs must still connect in time, however close the host is.
    static constexpr int kConnectFloorSeconds = 6;

    // Low-speed limit: a connection under 1/32 of what one connection here normally gives is
    // stalled, not slow. 32 leaves room for 16x more connections sharing the same pipe than
    // when the host was measured, times 2 for ordinary variance.
    static constexpr double kStallDivisor = 32.0;
    // Never stricter than 32 KiB/s: the stall line only has to catch stalls (the degradation
    // detector handles "far below normal"). One URL of a host may be capped far below what
    // its other URLs gave (file hosts cap at 100-500 KiB/s per connection): a higher line
    // kept killing such healthy connections every low-speed period.
    static constexpr std::int64_t kLowSpeedLimitCeiling = 32 * 1024;
    // Under a speed limit a connection gets its share on average, but the token bucket's
    // pauses make it dip: the stall line stays at or below a quarter of that share.
    static constexpr double kLimitShareDivisor = 4.0;

    // Low-speed time: libcurl judges the speed averaged over about 5 s, so 15 s is three of
    // its windows; +10 x TTFB covers waiting for the response (part of the low-speed window)
    // and TCP retransmission backoff, which grows in multiples of the RTT.
    static constexpr double kLowSpeedBaseSeconds = 15.0;
    static constexpr double kLowSpeedTtfbFactor = 10.0;
    static constexpr int kLowSpeedFloorSeconds = 15;
    // The time is shortened only when the host normally runs well above the stall line
    // (per-connection speed >= 8 x the limit); a host that crawls near the line keeps the
    // config's time, or its ordinary dips would look like stalls.
    static constexpr double kShortenAboveRatio = 8.0;

    // patience = 1 + kPatiencePerFailureRate x failureRate, failureRate in [0, 1]. Failures
    // caused by our own tight timeouts then loosen them: negative feedback, no spiral.
    static constexpr double kPatiencePerFailureRate = 2.0;

    explicit TimeoutAdvisor(NetworkSettings network);

    // Timeouts for a new download on the host of `profile` (nullptr / nullopt = never seen).
    // speedLimitPerConnection: what the speed limits in force leave one connection of this
    // download (e.g. min(global share, own limit) / connections), 0 = no limit.
    AdvisedTimeouts advise(const HostProfile* profile,
                           std::int64_t speedLimitPerConnection = 0) const;
    AdvisedTimeouts advise(const std::optional<HostProfile>& profile,
                           std::int64_t speedLimitPerConnection = 0) const;

    // The config's values, unchanged ("why" says so).
    AdvisedTimeouts configValues(const std::string& reason) const;

    const NetworkSettings& network() const { return m_network; }

private:
    NetworkSettings m_network;
};

} // namespace maria2
