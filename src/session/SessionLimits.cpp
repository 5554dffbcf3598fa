#include "session/SessionLimits.h"
#include "core/text/Text.h"

#include "core/governor/Governor.h"
#include "core/pool/EnginePool.h"

#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace maria2 {
namespace {

constexpr int kTickMs = 1000;

std::int64_t smallestNonZero(std::initializer_list<std::int64_t> values) {
    std::int64_t best = 0;
    for (const std::int64_t v : values) {
        if (v > 0 && (best == 0 || v < best)) {
            best = v;
        }
    }
    return best;
}

std::string describeLimit(std::int64_t bytesPerSecond) {
    return bytesPerSecond > 0 ? text::formatBytes(static_cast<double>(bytesPerSecond)) + "/s"
                              : std::string("none");
}

} // namespace

SessionLimits::SessionLimits(EnginePool& pool, std::int64_t userLimit, const std::string& windows,
                             std::function<std::time_t()> wallClock, QObject* parent)
    : QObject(parent)
    , m_pool(pool)
    , m_wallClock(wallClock ? std::move(wallClock) : [] { return std::time(nullptr); })
    , m_timer(new QTimer(this))
    , m_user(std::max<std::int64_t>(0, userLimit)) {
    try {
        m_windows = WindowSchedule::parse(windows);
    } catch (const TimeWindowError& e) {
        spdlog::error("time windows: {}; downloads may run at any time", e.what());
    }
    m_timer->setInterval(kTickMs);
    connect(m_timer, &QTimer::timeout, this, &SessionLimits::tick);
    tick();
}

void SessionLimits::start() {
    m_timer->start();
}

void SessionLimits::stop() {
    m_timer->stop();
}

void SessionLimits::setUserLimit(std::int64_t bytesPerSecond) {
    m_user = std::max<std::int64_t>(0, bytesPerSecond);
    applyLimit();
}

void SessionLimits::setGovernorCap(std::int64_t bytesPerSecond) {
    m_cap = std::max<std::int64_t>(0, bytesPerSecond);
    applyLimit();
}

QString SessionLimits::setWindows(const QString& text) {
    try {
        m_windows = WindowSchedule::parse(text.toStdString());
    } catch (const TimeWindowError& e) {
        return QString::fromStdString(e.what());
    }
    spdlog::info("time windows: now \"{}\"", text.toStdString());
    tick();
    return {};
}

void SessionLimits::tick() {
    const LocalDateTime now = localDateTime(m_wallClock());
    const bool open = m_windows.empty() || m_windows.allows(now);
    m_windowLimit = open ? m_windows.speedLimitAt(now) : 0;
    if (open != m_open || !m_openPushed) {
        m_open = open; // the pool logs the change
        m_openPushed = true;
        m_pool.setWindowsOpen(open);
        emit windowsOpenChanged(open);
    }
    applyLimit();
}

void SessionLimits::applyLimit() {
    const std::int64_t effective = smallestNonZero({m_user, m_windowLimit, m_cap});
    if (effective == m_effective) {
        return;
    }
    const bool first = m_effective < 0;
    m_effective = effective;
    m_pool.setGlobalSpeedLimit(effective);
    spdlog::info("speed limit in force: {} (yours {}, time window {}, governor {})",
                 describeLimit(effective), describeLimit(m_user), describeLimit(m_windowLimit),
                 describeLimit(m_cap));
    if (!first) {
        emit speedLimitChanged(effective);
    }
}

} // namespace maria2
