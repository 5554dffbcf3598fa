#include "core/adapt/DegradationDetector.h"
#include "core/text/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace maria2 {

namespace {

// Sums of whole-second steps are exact in double; this only absorbs odd sample spacing.
constexpr double kEpsilon = 1e-9;

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

} // namespace

std::string describe(const Degradation& d) {
    const double percent = d.baselineBytesPerSecond > 0
                               ? 100.0 * d.currentBytesPerSecond / d.baselineBytesPerSecond
                               : 0.0;
    char text[160];
    std::snprintf(text, sizeof text,
                  "speed %s/s is %.0f%% of the recent %s/s for %.0f s (event %d)",
                  text::formatBytes(d.currentBytesPerSecond).c_str(), percent,
                  text::formatBytes(d.baselineBytesPerSecond).c_str(), d.forSeconds, d.count);
    return text;
}

DegradationDetector::DegradationDetector(DegradationSettings settings)
    : m_settings(std::move(settings)) {
}

void DegradationDetector::reset() {
    const DegradationSettings settings = m_settings;
    *this = DegradationDetector(settings);
}

bool DegradationDetector::warmedUp() const {
    return eventsAllowed() && m_sinceResumeSeconds + kEpsilon >= seconds(m_settings.warmUp);
}

// The baseline is trusted: learned long enough, and fast enough to be worth judging.
bool DegradationDetector::eventsAllowed() const {
    return m_learnedSeconds + kEpsilon >= seconds(m_settings.warmUp) &&
           m_baseline >= m_settings.minBaselineBytesPerSecond;
}

void DegradationDetector::endRun() {
    m_runSeconds = 0;
    m_runBytes = 0;
}

void DegradationDetector::learn(double bytesPerSecond, double dt) {
    const bool first = m_learnedSeconds <= 0;
    m_learnedSeconds += dt;
    if (first) {
        m_baseline = bytesPerSecond;
        return;
    }
    const auto tau =
        bytesPerSecond >= m_baseline ? m_settings.riseTimeConstant : m_settings.fallTimeConstant;
    const double ewmaWeight = 1.0 - std::exp(-dt / std::max(seconds(tau), kEpsilon));
    // Until the time constant has passed, the EWMA would lean on its first samples (TCP
    // slow start, connections still opening); the plain time-weighted mean does not.
    const double weight = std::max(ewmaWeight, dt / m_learnedSeconds);
    m_baseline += weight * (bytesPerSecond - m_baseline);
}

std::optional<Degradation> DegradationDetector::update(Clock::time_point now, double bytesPerSecond,
                                                       bool limited) {
    if (!std::isfinite(bytesPerSecond) || bytesPerSecond < 0) {
        return std::nullopt;
    }
    double dt = seconds(m_settings.nominalInterval);
    if (m_last) {
        if (now <= *m_last) {
            return std::nullopt;
        }
        if (now - *m_last > m_settings.maxGap) {
            // Paused or starved: what comes next ramps up again, so warm up again. The
            // baseline is still this download's speed on this path: keep it.
            endRun();
            m_sinceResumeSeconds = 0;
        } else {
            dt = seconds(now - *m_last);
        }
    }
    m_last = now;

    if (limited) {
        // Our own limit held it back: says nothing about the network, and ends a low run.
        endRun();
        return std::nullopt;
    }
    const bool quiet = m_sinceResumeSeconds + kEpsilon < seconds(m_settings.warmUp);
    m_sinceResumeSeconds += dt;

    const bool low = eventsAllowed() && bytesPerSecond < m_settings.ratio * m_baseline;
    if (!low) {
        endRun();
        if (eventsAllowed()) {
            m_unrecovered = 0; // above the line again: the last event is over
        }
        learn(bytesPerSecond, dt);
        return std::nullopt;
    }
    if (quiet) {
        return std::nullopt; // ramping up after a gap: neither evidence nor baseline
    }

    m_runSeconds += dt;
    m_runBytes += bytesPerSecond * dt;
    const bool sustained = m_runSeconds + kEpsilon >= seconds(m_settings.sustain);
    const bool cooled = !m_quietUntil || now >= *m_quietUntil;
    if (!sustained || !cooled) {
        return std::nullopt;
    }

    ++m_count;
    ++m_unrecovered;
    Degradation event;
    event.baselineBytesPerSecond = m_baseline;
    event.currentBytesPerSecond = m_runBytes / m_runSeconds;
    event.forSeconds = m_runSeconds;
    event.count = m_count;
    m_quietUntil = now + m_settings.coolDown;
    if (m_settings.relearnAfter > 0 && m_unrecovered >= m_settings.relearnAfter) {
        // Re-planning did not help several times: this is the speed the download gets now.
        // Learn it afresh; a further fall from here is news again.
        m_baseline = 0;
        m_learnedSeconds = 0;
        m_unrecovered = 0;
        endRun();
    }
    return event;
}

} // namespace maria2
