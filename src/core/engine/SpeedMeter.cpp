#include "core/engine/SpeedMeter.h"

namespace maria2 {

void SpeedMeter::sample(Clock::time_point now, std::int64_t bytes) {
    if (!m_samples.empty() && bytes < m_samples.back().bytes) {
        m_samples.clear(); // restarted from zero: old samples mean nothing now
    }
    m_samples.push_back({now, bytes});
    while (m_samples.size() > 2 && now - m_samples[1].at >= m_window) {
        m_samples.pop_front();
    }
}

double SpeedMeter::bytesPerSecond() const {
    if (m_samples.size() < 2) {
        return 0;
    }
    const auto& first = m_samples.front();
    const auto& last = m_samples.back();
    const double seconds = std::chrono::duration<double>(last.at - first.at).count();
    if (seconds <= 0) {
        return 0;
    }
    return static_cast<double>(last.bytes - first.bytes) / seconds;
}

} // namespace maria2
