#pragma once
// Learns, per host, which (engine, connection count) pair moves bytes fastest, from the
// throughput of our own downloads. A multi-armed bandit with UCB1-Tuned: every candidate arm
// is tried once, then the arm with the best "mean + confidence bonus" is chosen, so slow arms
// are retried ever more rarely and the choice settles on the measurably fastest one.
// Deterministic (no random numbers): the same history gives the same choice.
// See docs/engine-routing.md for why UCB1 and how rewards are normalised.
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace maria2 {

// One thing the learner can choose: an engine with a connection count. Counts are learned in
// power-of-two buckets (connectionBucket: 12 learns as 8), so close counts share evidence.
struct Arm {
    std::string engine;
    int connections = 1;
    auto operator<=>(const Arm&) const = default;
};

struct LearnerConfig {
    std::size_t maxHosts = 1024; // least recently used hosts beyond this are forgotten
    // A host not seen for this long starts over: networks and servers change.
    std::chrono::hours forgetAfter{24};
    std::size_t maxArmsPerHost = 128; // engines x 7 buckets fit easily
};

struct ArmStats {
    Arm arm; // bucketed
    std::int64_t pulls = 0;
    double meanThroughput = 0; // bytes/s
};

class EngineLearner {
public:
    using Clock = std::chrono::steady_clock;
    explicit EngineLearner(LearnerConfig config = {});

    // The arm to use next for host among candidates (returned exactly as given). An arm never
    // tried is chosen first, in candidate order; then the highest UCB1-Tuned index, the first
    // in candidate order on a tie. nullopt only when candidates is empty. Does not count a
    // pull: record() does.
    std::optional<Arm> choose(const std::string& host, const std::vector<Arm>& candidates,
                              Clock::time_point now);

    // The throughput (bytes/s, whole download) that arm achieved on host. A failed download
    // should be recorded as 0: it is a real, bad outcome. Negative or non-finite values are
    // ignored.
    void record(const std::string& host, const Arm& arm, double throughputBytesPerSec,
                Clock::time_point now);

    // Per engine: its best arm's mean throughput over the best arm's on this host, in [0,1].
    // Engines never tried are absent. This is the EngineScorer's "learner" input.
    std::map<std::string, double> engineBonus(const std::string& host) const;

    std::vector<ArmStats> stats(const std::string& host) const; // bucketed arms, sorted
    std::size_t hostCount() const;

private:
    struct ArmState {
        std::int64_t pulls = 0;
        double sum = 0;   // raw bytes/s
        double sumSq = 0; // for the variance term
    };
    struct HostState {
        std::map<Arm, ArmState> arms; // keys bucketed
        std::int64_t totalPulls = 0;
        double maxThroughput = 0; // normalises rewards to [0,1]
        Clock::time_point touched{};
    };

    static Arm bucketed(const Arm& arm);
    // Finds the host, forgetting it when stale; creates it (evicting) when create is set.
    HostState* hostLocked(const std::string& host, Clock::time_point now, bool create);
    double indexOf(const HostState& h, const ArmState& a) const;

    const LearnerConfig m_config;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, HostState> m_hosts;
};

} // namespace maria2
