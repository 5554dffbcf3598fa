#pragma once
// How many connections a host should get, found by measuring instead of fixed: one count per
// host, shared by every auto download running from it (the pool divides it among them). It
// doubles while the added connections add rate in proportion, settles on the count that
// reaches ~95% of what the host gives in total once they stop, halves at once when the server
// pushes back, and remembers the outcome for the next download from the host.
//
// The control law, per host (docs/engine-routing.md has the reasoning). The pool feeds every
// progress snapshot (update()): bytes received since the last one and the connections open.
// Bytes add up into windows of at least `window`; a window counts only while every connection
// the count asks for is open (a change, a start or a tail restarts it). The first window after
// a change is skewed (slow start; a server that limits each connection letting a socket buffer
// through at once), so only later ("settled") windows measure a count: their sum is its run.
//   Ramping:  the first settled run is the baseline (N connections, rate R_N): go to 2N. At
//             M connections a rate R scales when it gives at least `proportional` (60%) of the
//             proportional gain, (R / R_N - 1) / (M / N - 1), with each connection making at
//             least `efficiency` (80%) of the baseline's. It scales -> x2 at once (even on a
//             first window: it only understates), up to the limit; at the ceiling, hold there.
//             It also "keeps pace" -> x2: the fastest connection still makes `efficiency` of
//             what the fastest made at the previous count, and the total grew by at least
//             `keptPaceGain` of its proportional share. A host that caps the total slows
//             every connection when more come (and the total stops growing); one whose ranges
//             are not all served alike (an uncached part of a file) slows only the new ones,
//             which landed in the slow part, and there more connections are what helps. (A
//             server that queues the extra connections keeps pace too, but adds nothing.)
//             The first connection's own rate before the split stands for the count of one,
//             so the first window at the start count can already double.
//             It does not -> keep measuring until the run at M is `evidence` (0.5 s) long;
//             then the host caps the total near R: hold at the fewest connections that reach
//             capShare (95%) of it at the baseline's rate per connection, within [N, M], and
//             learn that as its cap. (A baseline of one window, on a server whose windows
//             vary a lot, e.g. nginx's limit_rate sending 2 MiB at a time, is not trusted for
//             that: the run at M becomes the baseline and the ramp goes on.)
//             Unless R fell clearly below R_N (by fellShare): a capped total does not shrink
//             with more connections; the server slowed meanwhile. Hold at M, re-measured.
//   Holding:  stay. After reprobeInterval, one step of +25% (Probing), judged the same way.
//   Throttled (429/503), refused or reset, in any phase: halve at once (once per window),
//             learn that as the cap, cool down.
//   CoolingDown: no increase for coolDown, then hold.
// Never above the limit of the moment (ceiling, the files' sizes / MinSplitSize, the
// governor's cut), never below 1.
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
    int ceiling = 64;          // Download.ConnectionCeiling
    int initial = 4;           // first count on a host with no learned cap
    double proportional = 0.6; // a step that returns this share of proportional ...
    double efficiency = 0.8;   // ... with each connection making this share of before
    double keptPaceGain = 0.1; // kept pace: the total grew by this share at least
    double capShare = 0.95;    // at a total cap: connections for this share of it
    double fellShare = 0.25;   // more connections, a total this much below the baseline: not a cap
    double probeGrowth = 0.25; // a re-probe adds this share of the count ...
    int minProbeStep = 2;      // ... and at least this many
    std::chrono::milliseconds window{100};             // shortest measured window ...
    std::int64_t windowBytesPerConnection = 64 * 1024; // ... holding this much per connection
    int longestWindows = 5;                            // ... or lasting this many shortest windows
    std::chrono::milliseconds evidence{500}; // settled time at a count before calling a cap
    double smoothVariation = 0.15; // windows varying less than this: one is a fair baseline
    std::chrono::seconds coolDown{30};
    std::chrono::seconds reprobeInterval{120};
    std::size_t maxHosts = 1024;
};

enum class TunerPhase { Ramping, Holding, Probing, CoolingDown };
const char* toString(TunerPhase phase);

// One progress report about a host's auto downloads, as the pool sees it.
struct TunerSample {
    int connections = 0;    // open now, over all of them
    std::int64_t bytes = 0; // received since the previous sample (of any of them)
    int downloads = 1;      // how many share the count (a change restarts the window)
    int limit = 0;          // the most connections usable now; 0 = the ceiling
    bool measurable = true; // false: not downloading, or held by a speed limit
    TunerEvent event = TunerEvent::None;
    // The rate (B/s) of the fastest connection since the previous sample (0 = unknown):
    // whether the ones already running keep their pace as more come.
    double fastConnectionRate = 0;
    // The first connection's own rate (B/s) before the download was split (0 = none).
    double singleConnectionRate = 0;
};

class ConnectionTuner {
public:
    using Clock = std::chrono::steady_clock;
    explicit ConnectionTuner(int ceiling = 64);
    explicit ConnectionTuner(TunerConfig config);

    // The host's count for a download starting while none of its downloads runs: the learned
    // cap when there is one (held), else the largest count seen to scale there, else the
    // configured start (ramping); within [1, min(userMax, ceiling)] (userMax 0 = no user
    // limit). Starts a fresh measurement.
    int initial(const std::string& host, int userMax = 0);
    // The host's count now (0 = none yet): what a download joining running ones shares.
    int count(const std::string& host) const;

    // One progress report (see TunerSample). Returns the host's count from now on: the total
    // over its auto downloads.
    int update(const std::string& host, const TunerSample& sample, Clock::time_point now);

    int learnedCap(const std::string& host) const; // 0 = unknown
    TunerPhase phase(const std::string& host) const;
    // Seeds a cap learned in an earlier run (HostProfile::learnedConnectionCap).
    void setLearnedCap(const std::string& host, int cap);
    // A download with the user's own -s/-x was pushed back at `connections`: the host's cap
    // is at most half of that from now on (its own count is the user's business).
    void noteUserPushback(const std::string& host, int connections, Clock::time_point now);
    // The shortest measured window (tests shorten or lengthen it).
    void setWindow(std::chrono::milliseconds window);
    TunerConfig config() const;

private:
    struct Window {
        Clock::time_point since{};
        std::int64_t bytes = 0;
        bool afterChange = true; // the first window since the count changed (or it started)
        double fastSum = 0;      // of the samples' fastConnectionRate ...
        int fastSamples = 0;     // ... over this many samples that had one
        bool partial = false;    // some of the count's connections were still opening
    };
    // A window's figures at one count: what the next count's windows are held against.
    struct Pace {
        int connections = 0; // 0 = none yet
        double rate = 0;     // the whole window, B/s
        double fast = 0;     // its fastest connection, B/s (0 = unknown)
    };
    // The settled windows at the current count, summed.
    struct Run {
        double bytes = 0;
        double seconds = 0;
        int windows = 0;
        double sumRate = 0; // of each window's rate, for how much they vary
        double sumSquares = 0;
        void add(double windowBytes, double windowSeconds);
        double rate() const { return seconds > 0 ? bytes / seconds : 0; }
        double variation() const; // coefficient of variation of the windows' rates
    };
    struct HostState {
        TunerPhase phase = TunerPhase::Ramping;
        int count = 0;       // the host's count; 0 = not started
        int learnedCap = 0;  // where more connections stopped paying (or the ceiling)
        int scaled = 0;      // the largest count seen to scale, short of a cap (a start hint)
        int baseConns = 0;   // the baseline: a run at this count ...
        double baseRate = 0; // ... made this many bytes/s ...
        int baseWindows = 0; // ... in this many settled windows
        int downloads = 0;
        Pace last;     // the latest window at the current count
        Pace previous; // the latest window at the count before (or the first connection)
        Window window;
        Run run;
        Clock::time_point phaseSince{};
        Clock::time_point lastBackOff{};
        std::uint64_t touched = 0;
    };

    static constexpr int kMaxCeiling = 1024;

    HostState& stateLocked(const std::string& host); // creates, evicts
    int ceiling() const;
    int limitFor(int userMax) const;
    int probeStep(int current) const;
    // A new window; `unsettled` also drops the run (after a change, a gap, a tail).
    static void restart(HostState& s, Clock::time_point now, bool unsettled);
    static void setBase(HostState& s);
    int changeTo(HostState& s, int n, Clock::time_point now);
    int backOff(HostState& s, Clock::time_point now);
    void hold(HostState& s, Clock::time_point now);
    bool scales(const HostState& s, double rate) const;
    // See "keeps pace" above: against the previous count, not the baseline.
    bool keepsPace(const HostState& s, double rate, double fast) const;
    // The run at the host's count, with its latest window: what next?
    int judge(HostState& s, int limit, Clock::time_point now);
    // It scales: double, within the limit; at the ceiling, hold there.
    int grow(HostState& s, int limit, Clock::time_point now);

    TunerConfig m_config;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, HostState> m_hosts;
    std::uint64_t m_touchCounter = 0;
};

} // namespace maria2
