#pragma once
// Speed over a sliding window of recent samples: steady enough to read, quick enough to
// follow a change (a cumulative average is neither).
#include <chrono>
#include <cstdint>
#include <deque>

namespace maria2 {

class SpeedMeter {
public:
    using Clock = std::chrono::steady_clock;
    explicit SpeedMeter(std::chrono::milliseconds window = std::chrono::milliseconds(3000))
        : m_window(window) {}

    // Records the running byte count at `now`.
    void sample(Clock::time_point now, std::int64_t bytes);
    // Bytes per second over the window; 0 with fewer than two samples.
    double bytesPerSecond() const;
    void reset() { m_samples.clear(); }

private:
    struct Sample {
        Clock::time_point at;
        std::int64_t bytes;
    };
    std::chrono::milliseconds m_window;
    std::deque<Sample> m_samples;
};

} // namespace maria2
