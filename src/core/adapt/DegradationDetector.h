#pragma once
// Notices when one download's speed falls far below its own recent average and stays there.
// Pure: fed one speed sample per call (about once a second) with the time as a parameter; no
// clock, no threads, no I/O. One detector per running download; not thread-safe.
//
// Rules (docs/adaptive.md has the reasoning):
//  - Baseline: a time-weighted EWMA of the unlimited samples, a plain mean during the first
//    30 s. It rises with a 30 s time constant and falls with a 90 s one, so a slow decline
//    cannot drag it down as fast as the speed falls.
//  - A sample below ratio x baseline is "low". Low samples never update the baseline (a
//    degradation must not become the new normal by itself).
//  - Limited samples (a speed limit or the governor held the download back) neither update
//    the baseline nor count as low; they end a low run, as does any sample at or above the line.
//  - Nothing is reported during the warm-up (the first `warmUp` of unlimited samples after
//    the start, reset() or a gap), nor while the baseline is under minBaseline.
//  - Low for `sustain` in a row -> an event. The next one needs `coolDown` to have passed and
//    the speed still low. After `relearnAfter` events with no recovery in between, the current
//    speed is accepted as the new normal: the baseline is learned afresh.
//  - No sample for more than `maxGap` (paused, stalled loop): the low run ends and the
//    warm-up starts again; the baseline is kept.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace maria2 {

struct DegradationSettings {
    double ratio = 0.3;                        // low = below ratio x baseline
    std::chrono::seconds sustain{10};          // low this long in a row -> event
    std::chrono::seconds coolDown{30};         // at least this long between two events
    std::chrono::seconds warmUp{10};           // unlimited time before any event (and after a gap)
    std::chrono::seconds riseTimeConstant{30}; // baseline following a faster speed
    std::chrono::seconds fallTimeConstant{90}; // baseline following a slower (not low) speed
    std::chrono::seconds maxGap{5};            // longer without a sample = a gap
    // The interval a sample is taken to cover when there is no previous one to measure from.
    std::chrono::milliseconds nominalInterval{1000};
    // Below this baseline (B/s) nothing is reported: a trickle is too bursty to judge per
    // second, and re-planning it gains nothing.
    double minBaselineBytesPerSecond = 8 * 1024;
    int relearnAfter = 3; // events in a row without recovery before accepting the new speed
};

struct Degradation {
    double baselineBytesPerSecond = 0; // the recent average it fell from
    double currentBytesPerSecond = 0;  // mean speed over the low run
    double forSeconds = 0;             // how long it has been low, this run
    int count = 0;                     // events so far for this download, this one included
};

// "speed 205 KiB/s is 20% of the recent 1.0 MiB/s for 10 s (event 1)": for the log.
std::string describe(const Degradation& degradation);

class DegradationDetector {
public:
    using Clock = std::chrono::steady_clock;

    explicit DegradationDetector(DegradationSettings settings = {});

    // One sample: the download's speed over the interval ending at `now` (B/s). limited: a
    // speed limit or the governor held it back in that interval (the slowdown is ours).
    // Samples not later than the previous one, negative or non-finite speeds are ignored.
    std::optional<Degradation> update(Clock::time_point now, double bytesPerSecond, bool limited);

    // Forget everything (the download restarted from scratch; not after acting on an event:
    // the baseline from before the event is what recovery is measured against).
    void reset();

    double baseline() const { return m_baseline; } // B/s; 0 = nothing learned yet
    bool warmedUp() const;                         // events possible now (baseline trusted)
    int count() const { return m_count; }          // events since construction / reset()
    const DegradationSettings& settings() const { return m_settings; }

private:
    bool eventsAllowed() const;
    void learn(double bytesPerSecond, double dt);
    void endRun();

    DegradationSettings m_settings;
    std::optional<Clock::time_point> m_last; // previous accepted sample
    double m_baseline = 0;
    double m_learnedSeconds = 0;                   // unlimited time folded into the baseline
    double m_sinceResumeSeconds = 0;               // unlimited time since start, reset() or a gap
    double m_runSeconds = 0;                       // current low run
    double m_runBytes = 0;                         // bytes (speed x time) during it
    std::optional<Clock::time_point> m_quietUntil; // cool-down after an event
    int m_count = 0;
    int m_unrecovered = 0; // events since the speed was last above the line
};

} // namespace maria2
