#include "core/routing/ConnectionTuner.h"

#include <algorithm>
#include <cmath>

namespace maria2 {

namespace {
TunerConfig withCeiling(int ceiling) {
    TunerConfig c;
    c.ceiling = ceiling;
    return c;
}
} // namespace

const char* toString(TunerPhase phase) {
    switch (phase) {
    case TunerPhase::Ramping:
        return "ramping";
    case TunerPhase::Holding:
        return "holding";
    case TunerPhase::Probing:
        return "probing";
    case TunerPhase::CoolingDown:
        return "cooling down";
    }
    return "?";
}

ConnectionTuner::ConnectionTuner(int ceiling)
    : ConnectionTuner(withCeiling(ceiling)) {
}

ConnectionTuner::ConnectionTuner(TunerConfig config)
    : m_config(config) {
}

ConnectionTuner::HostState& ConnectionTuner::stateLocked(const std::string& host) {
    auto found = m_hosts.find(host);
    if (found == m_hosts.end()) {
        if (m_hosts.size() >= std::max<std::size_t>(1, m_config.maxHosts)) {
            auto oldest =
                std::min_element(m_hosts.begin(), m_hosts.end(), [](const auto& a, const auto& b) {
                    return a.second.touched < b.second.touched;
                });
            m_hosts.erase(oldest);
        }
        found = m_hosts.emplace(host, HostState{}).first;
    }
    found->second.touched = ++m_touchCounter;
    return found->second;
}

int ConnectionTuner::ceiling() const {
    // Bounded so that growing a count can never overflow an int, whatever the config says.
    return std::clamp(m_config.ceiling, 1, kMaxCeiling);
}

int ConnectionTuner::limitFor(int userMax) const {
    const int ceiling = this->ceiling();
    return userMax > 0 ? std::min(userMax, ceiling) : ceiling;
}

int ConnectionTuner::probeStep(int current) const {
    // A probe from a hold is a fraction of the count, so it offers the same relative gain at 8
    // connections as at 50; the ramp itself doubles.
    const int step = static_cast<int>(std::floor(current * m_config.probeGrowth));
    return std::max({1, m_config.minProbeStep, step});
}

void ConnectionTuner::Run::add(double windowBytes, double windowSeconds) {
    if (windowSeconds <= 0) {
        return;
    }
    const double rate = windowBytes / windowSeconds;
    bytes += windowBytes;
    seconds += windowSeconds;
    ++windows;
    sumRate += rate;
    sumSquares += rate * rate;
}

double ConnectionTuner::Run::variation() const {
    if (windows < 2 || sumRate <= 0) {
        return 0;
    }
    const double mean = sumRate / windows;
    const double variance = std::max(0.0, sumSquares / windows - mean * mean);
    return std::sqrt(variance) / mean;
}

void ConnectionTuner::restart(HostState& s, Clock::time_point now, bool unsettled) {
    s.window.since = now;
    s.window.bytes = 0;
    s.window.fastSum = 0;
    s.window.fastSamples = 0;
    s.window.partial = false;
    s.window.afterChange = unsettled;
    if (unsettled) {
        s.run = Run{};
    }
}

void ConnectionTuner::setBase(HostState& s) {
    s.baseConns = s.count;
    s.baseRate = s.run.rate();
    s.baseWindows = s.run.windows;
}

int ConnectionTuner::changeTo(HostState& s, int n, Clock::time_point now) {
    n = std::max(1, n);
    if (n != s.count) {
        if (s.last.connections > 0) {
            s.previous = s.last;
        }
        s.last = Pace{};
        s.count = n;
        restart(s, now, true); // bytes from before the change say nothing about n
    }
    return s.count;
}

void ConnectionTuner::hold(HostState& s, Clock::time_point now) {
    s.phase = TunerPhase::Holding;
    s.phaseSince = now;
}

int ConnectionTuner::backOff(HostState& s, Clock::time_point now) {
    // Multiplicative decrease, the only way down; once per window, because one push-back
    // often shows as several failed connections at once.
    const int reduced = std::max(1, s.count / 2);
    s.learnedCap = reduced;
    s.phase = TunerPhase::CoolingDown;
    s.phaseSince = now;
    s.lastBackOff = now;
    s.baseConns = 0;
    s.baseRate = 0;
    s.baseWindows = 0;
    restart(s, now, true);
    return changeTo(s, reduced, now);
}

int ConnectionTuner::initial(const std::string& host, int userMax) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    s.baseConns = 0;
    s.baseRate = 0;
    s.baseWindows = 0;
    s.window = Window{}; // the first report starts it
    s.run = Run{};
    s.last = Pace{};
    s.previous = Pace{};
    s.downloads = 0;
    s.phaseSince = {}; // from the first report
    if (s.phase != TunerPhase::CoolingDown) {
        // A known cap is trusted (held, re-probed later); otherwise measure from the start,
        // from the largest count already seen to scale here.
        s.phase = s.learnedCap > 0 ? TunerPhase::Holding : TunerPhase::Ramping;
    }
    const int start = s.learnedCap > 0 ? s.learnedCap : std::max(m_config.initial, s.scaled);
    s.count = std::clamp(start, 1, limitFor(userMax));
    return s.count;
}

int ConnectionTuner::count(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(host);
    return found == m_hosts.end() ? 0 : found->second.count;
}

int ConnectionTuner::update(const std::string& host, const TunerSample& sample,
                            Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    const int limit = std::clamp(sample.limit > 0 ? sample.limit : ceiling(), 1, ceiling());
    if (s.count == 0) {
        s.count = std::clamp(s.learnedCap > 0 ? s.learnedCap : std::max(m_config.initial, s.scaled),
                             1, limit);
    }
    if (s.phaseSince == Clock::time_point{}) {
        s.phaseSince = now;
    }
    if (sample.event != TunerEvent::None) {
        if (s.lastBackOff == Clock::time_point{} || now - s.lastBackOff >= m_config.window) {
            return backOff(s, now);
        }
        return s.count;
    }
    if (s.count > limit) {
        return changeTo(s, limit, now); // the limit fell (the governor, a smaller file)
    }
    if (sample.singleConnectionRate > 0 && s.phase == TunerPhase::Ramping &&
        s.previous.connections == 0 && s.last.connections == 0) {
        // The first connection alone, measured before the split: the count of one.
        s.previous = {1, sample.singleConnectionRate, sample.singleConnectionRate};
    }
    // A window counts only while the count it is judged at is what is open, for the same
    // downloads: after a change, while the connections of a new download open, in the tail.
    // The first window after a change may include their opening: it only understates, and
    // only good news is taken from it (a step 100 ms sooner).
    const bool opening = sample.connections < s.count;
    if (s.window.since == Clock::time_point{} || !sample.measurable ||
        sample.downloads != s.downloads || (opening && !s.window.afterChange)) {
        s.downloads = sample.downloads;
        restart(s, now, true);
        return s.count;
    }
    s.window.bytes += std::max<std::int64_t>(0, sample.bytes);
    s.window.partial = s.window.partial || opening;
    if (sample.fastConnectionRate > 0) {
        s.window.fastSum += sample.fastConnectionRate;
        ++s.window.fastSamples;
    }
    const auto elapsed = now - s.window.since;
    // Short windows on a fast host (a step every 100-200 ms), longer ones where a short one
    // would hold too few bytes to say anything.
    if (elapsed < m_config.window ||
        (s.window.bytes < static_cast<std::int64_t>(s.count) * m_config.windowBytesPerConnection &&
         elapsed < m_config.window * std::max(1, m_config.longestWindows))) {
        return s.count;
    }
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const auto bytes = static_cast<double>(s.window.bytes);
    const bool afterChange = s.window.afterChange;
    const double fast = s.window.fastSamples > 0 ? s.window.fastSum / s.window.fastSamples : 0.0;
    if (!s.window.partial) {
        // What the next count is held against: only a window with all of this count open.
        s.last = {s.count, bytes / seconds, fast};
    }
    restart(s, now, false);
    const bool ramping = s.phase == TunerPhase::Ramping || s.phase == TunerPhase::Probing;
    if (afterChange) {
        // The first window at a new count: the new connections may still be in slow start,
        // or have sent a first socket buffer at once. Only good news is taken from it: if it
        // scales even so, double at once; the baseline stays the last settled one.
        if (ramping && ((s.baseConns > 0 && s.count > s.baseConns && scales(s, bytes / seconds)) ||
                        keepsPace(s, bytes / seconds, fast))) {
            s.scaled = std::max(s.scaled, s.count);
            return grow(s, limit, now);
        }
        return s.count;
    }
    s.run.add(bytes, seconds);
    if (s.run.rate() <= 0) {
        return s.count; // nothing arrived: no basis for a move
    }

    switch (s.phase) {
    case TunerPhase::CoolingDown:
        if (now - s.phaseSince >= m_config.coolDown) {
            hold(s, now);
        }
        setBase(s);
        return s.count;
    case TunerPhase::Holding:
        setBase(s);
        if (now - s.phaseSince >= m_config.reprobeInterval && s.count < limit) {
            s.phase = TunerPhase::Probing;
            s.phaseSince = now;
            return changeTo(s, std::min(limit, s.count + probeStep(s.count)), now);
        }
        return s.count;
    case TunerPhase::Ramping:
    case TunerPhase::Probing:
        break;
    }
    return judge(s, limit, now);
}

bool ConnectionTuner::keepsPace(const HostState& s, double rate, double fast) const {
    const Pace& before = s.previous;
    if (before.connections <= 0 || s.count <= before.connections || before.rate <= 0 ||
        before.fast <= 0 || fast <= 0) {
        return false;
    }
    const double expected = static_cast<double>(s.count) / before.connections;
    const double gain = (rate / before.rate - 1.0) / (expected - 1.0);
    return gain >= m_config.keptPaceGain && fast >= m_config.efficiency * before.fast;
}

bool ConnectionTuner::scales(const HostState& s, double rate) const {
    // The gain as a share of what the added connections would give in proportion (a step
    // cut short by a limit is judged by what it could give), and what each connection makes
    // against the baseline's: after steps taken on first windows the baseline may lie
    // several doublings back, where a gain share alone would pass a total cap.
    const double expected = static_cast<double>(s.count) / s.baseConns;
    const double gain = (rate / s.baseRate - 1.0) / (expected - 1.0);
    const double efficiency = rate / (s.baseRate * expected);
    return gain >= m_config.proportional && efficiency >= m_config.efficiency;
}

int ConnectionTuner::judge(HostState& s, int limit, Clock::time_point now) {
    const double rate = s.run.rate();
    const bool compared = s.baseConns > 0 && s.count > s.baseConns && s.baseRate > 0;
    if (!compared) {
        setBase(s);
        return grow(s, limit, now);
    }
    if (scales(s, rate) || keepsPace(s, rate, s.last.fast)) {
        // A cap known from before was too low.
        s.scaled = std::max(s.scaled, s.count);
        if (s.learnedCap > 0 && s.count > s.learnedCap) {
            s.learnedCap = s.count;
        }
        setBase(s);
        return grow(s, limit, now);
    }
    if (s.baseWindows < 2 && s.run.windows >= 2 && s.run.variation() > m_config.smoothVariation) {
        // The windows here vary a lot, and the baseline was a single one of them: it may have
        // caught a lump. The run here is the better baseline; go on from it (once: this
        // baseline has two windows or more).
        setBase(s);
        return grow(s, limit, now);
    }
    if (s.run.seconds < std::chrono::duration<double>(m_config.evidence).count()) {
        return s.count; // a window or two can be a lull: measure on
    }
    if (rate < s.baseRate * (1.0 - m_config.fellShare)) {
        // More connections and clearly less in total: not a cap (a capped total stays), but
        // the server or the path slowed since the baseline (its fast part of the file is done,
        // other traffic came). Nothing to compare: hold here, measured afresh, without cutting
        // connections that may be all that keeps a crawling host going.
        hold(s, now);
        setBase(s);
        return s.count;
    }
    // The host caps the total near `rate`: the fewest connections that reach capShare of it
    // at the baseline's rate per connection, and no more.
    const double perConnection = s.baseRate / s.baseConns;
    const auto needed =
        static_cast<int>(std::ceil(m_config.capShare * rate / perConnection - 1e-9));
    const int target = std::clamp(needed, s.baseConns, s.count);
    s.learnedCap = target;
    hold(s, now);
    const int before = s.count;
    changeTo(s, target, now);
    if (target == before) {
        setBase(s); // the run goes on at the same count
    } else {
        s.baseConns = 0; // measured again at the new count, from its first settled window
    }
    return s.count;
}

int ConnectionTuner::grow(HostState& s, int limit, Clock::time_point now) {
    s.phase = TunerPhase::Ramping;
    if (s.count >= limit) {
        if (limit >= ceiling() && s.scaled >= s.count) {
            // Scales to the ceiling: nothing more to find, and the next download may start
            // there at once.
            s.learnedCap = s.count;
            hold(s, now);
        }
        // Below the ceiling the limit is the files' or the governor's: stay ready to go on
        // when it rises.
        return s.count;
    }
    return changeTo(s, std::min(limit, s.count * 2), now);
}

int ConnectionTuner::learnedCap(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(host);
    return found == m_hosts.end() ? 0 : found->second.learnedCap;
}

TunerPhase ConnectionTuner::phase(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(host);
    return found == m_hosts.end() ? TunerPhase::Ramping : found->second.phase;
}

void ConnectionTuner::setLearnedCap(const std::string& host, int cap) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    s.learnedCap = std::clamp(cap, 0, ceiling());
    if (s.learnedCap > 0 && s.phase == TunerPhase::Ramping) {
        s.phase = TunerPhase::Holding;
    }
}

void ConnectionTuner::noteUserPushback(const std::string& host, int connections,
                                       Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    const int reduced = std::max(1, connections / 2);
    s.learnedCap = s.learnedCap > 0 ? std::min(s.learnedCap, reduced) : reduced;
    s.phase = TunerPhase::CoolingDown;
    s.phaseSince = now;
}

void ConnectionTuner::setWindow(std::chrono::milliseconds window) {
    const std::lock_guard lock(m_mutex);
    m_config.window = std::max(window, std::chrono::milliseconds(1));
}

TunerConfig ConnectionTuner::config() const {
    const std::lock_guard lock(m_mutex);
    return m_config;
}

} // namespace maria2
