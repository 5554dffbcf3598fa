#pragma once
// How many connections a download should use on a host, found by measuring instead of fixed:
// ramp up while the total throughput keeps rising, halve on throttling or resets, and settle
// on (and remember) the count past which more connections stopped paying.
//
// The control law, per host (docs/engine-routing.md has the reasoning):
//   Ramping:     compare the total at this count with the total at the previous one.
//                Gain > margin (10%): step up (x2 below slowStartLimit, then +25%).
//                Gain <= margin: go back to the previous count, learn it as the cap, hold.
//                (A step cut short by a limit is judged pro rata: half a step, half the
//                margin.)
//   Holding:     stay. After reprobeInterval, try one more step (Probing).
//   Probing:     gain > margin: raise the cap and ramp on; else back to the cap and hold.
//   Throttled (429/503) or reset, in any phase: halve, learn that as the cap, cool down.
//   CoolingDown: no increase for coolDown, then hold.
// Never above the user's limit (-x/-s) nor the ceiling (64), never below 1.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace maria2 {

enum class TunerEvent {
    None,
    Throttled, // HTTP 429 or 503
    Reset,     // connections reset / refused by the server
};

struct TunerConfig {
    int ceiling = 64;         // Download.MaxConnectionsPerServer's upper bound
    int initial = 4;          // first count on a host with no learned cap
    int slowStartLimit = 8;   // double below this; grow by `growth` from here on
    double growth = 0.25;     // 8 -> 10 -> 12 -> 15 ...: from 8 to 64 in nine steps
    int minStep = 2;          // the smallest increase above slowStartLimit
    double gainMargin = 0.10; // a full step must raise the total by more than this
    std::chrono::seconds coolDown{30};
    std::chrono::seconds reprobeInterval{120};
    std::size_t maxHosts = 1024;
};

enum class TunerPhase { Ramping, Holding, Probing, CoolingDown };
const char* toString(TunerPhase phase);

class ConnectionTuner {
public:
    using Clock = std::chrono::steady_clock;
    explicit ConnectionTuner(int ceiling = 64);
    explicit ConnectionTuner(TunerConfig config);

    // Connections for a new download on host: the learned cap when there is one, else the
    // configured start; within [1, min(userMax, ceiling)] (userMax 0 = no user limit).
    // Starts a fresh measurement (the previous download's baseline is dropped).
    int initial(const std::string& host, int userMax = 0);

    // One control step, called once per measurement period (a few seconds, long enough for
    // the new connections to reach speed) with the connections in use and the total
    // throughput they made (bytes/s). Returns the connections to use from now on.
    int next(const std::string& host, int currentConnections, double totalThroughput,
             TunerEvent event, Clock::time_point now, int userMax = 0);

    int learnedCap(const std::string& host) const; // 0 = unknown
    TunerPhase phase(const std::string& host) const;
    // Seeds a cap learned in an earlier run (HostProfile::learnedConnectionCap).
    void setLearnedCap(const std::string& host, int cap);
    const TunerConfig& config() const { return m_config; }

private:
    struct HostState {
        TunerPhase phase = TunerPhase::Ramping;
        int learnedCap = 0;
        int baseConns = 0; // the count the baseline was measured at; 0 = none yet
        double baseThroughput = 0;
        Clock::time_point phaseSince{};
        std::uint64_t touched = 0;
    };

    static constexpr int kMaxCeiling = 1024;

    HostState& stateLocked(const std::string& host); // creates, evicts
    int ceiling() const;
    int limitFor(int userMax) const;
    int growUnclipped(int current) const;
    int grow(int current, int limit) const;
    // Ramping/Probing step: was the last increase worth it?
    int judgeStep(HostState& s, int current, double throughput, Clock::time_point now, int limit);

    const TunerConfig m_config;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, HostState> m_hosts;
    std::uint64_t m_touchCounter = 0;
};

} // namespace maria2
