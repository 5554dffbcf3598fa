#pragma once
// maria2::SessionLimits: what the queue may do right now, pushed to the engine pool.
//  - The global speed limit in force: the smallest non-zero of the person's limit, the open
//    time window's limit and the governor's cap (0 = none of them limits).
//  - Whether the time windows (Queue.TimeWindows) allow downloads now.
// The windows are re-checked on every tick (a 1 s timer, and whenever the owner calls tick()),
// never armed once for a future moment: a window that opened while the machine slept is seen
// at the first tick after waking, and a clock change is followed at once.
#include "core/schedule/TimeWindow.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <ctime>
#include <functional>

class QTimer;

namespace maria2 {

class EnginePool;

class SessionLimits : public QObject {
    Q_OBJECT
public:
    // wallClock: the local wall time's source; null = the machine's clock. Pushes the limits
    // in force to the pool at once (the windows from `windows`, assumed valid: the config
    // loader checked them; an invalid text is logged and treated as no windows).
    SessionLimits(EnginePool& pool, std::int64_t userLimit, const std::string& windows,
                  std::function<std::time_t()> wallClock, QObject* parent = nullptr);

    void start(); // the 1 s tick
    void stop();

    void setUserLimit(std::int64_t bytesPerSecond);
    std::int64_t userLimit() const { return m_user; }
    void setGovernorCap(std::int64_t bytesPerSecond);
    std::int64_t effectiveLimit() const { return m_effective; }

    // Replaces the windows. Returns why the text is not valid (nothing changes then), or an
    // empty string.
    QString setWindows(const QString& text);
    bool windowsOpen() const { return m_open; }
    std::int64_t windowLimit() const { return m_windowLimit; }

public slots:
    // Reads the clock: are the windows open, and what limit do they set now?
    void tick();

signals:
    void speedLimitChanged(qint64 bytesPerSecond);
    void windowsOpenChanged(bool open);

private:
    void applyLimit();

    EnginePool& m_pool;
    std::function<std::time_t()> m_wallClock;
    QTimer* m_timer;
    WindowSchedule m_windows;
    std::int64_t m_user = 0;
    std::int64_t m_cap = 0;
    std::int64_t m_windowLimit = 0;
    std::int64_t m_effective = -1; // -1: not pushed yet
    bool m_open = true;
    bool m_openPushed = false;
};

} // namespace maria2
