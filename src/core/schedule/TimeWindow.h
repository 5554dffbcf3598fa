#pragma once
// When downloads may run: "01:00-07:00" (every day), "weekdays 09:00-17:00 at 512K" (days of
// the week, a start and end that may wrap past midnight, an optional speed limit). Pure: the
// caller supplies the local wall time as a plain struct, so nothing here depends on the time
// zone of the machine running the tests.
#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace maria2 {

// Local wall time, as the user's calendar shows it.
struct LocalDateTime {
    int year = 2000;
    int month = 1;   // 1..12
    int day = 1;     // 1..31
    int weekday = 6; // 0 = Sunday .. 6 = Saturday (as struct tm)
    int hour = 0;    // 0..23
    int minute = 0;  // 0..59
};

// The local time of `t` on this machine (localtime_r / localtime_s).
LocalDateTime localDateTime(std::time_t t);

// A text that is not a time window. what() quotes the text and names the part that is wrong.
class TimeWindowError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// "512K, 1M, 2.5M": speeds written as in a window's "at SPEED" (B/s, optional K/M/G suffix,
// 1024-based), comma-separated, returned ascending without duplicates; all must be > 0.
// Throws TimeWindowError naming the item that is not a speed.
std::vector<std::int64_t> parseSpeedList(std::string_view text);

class TimeWindow {
public:
    // Bit d (0 = Sunday .. 6 = Saturday) set = the window opens on that day.
    static constexpr std::uint8_t kEveryDay = 0x7F;
    static constexpr std::uint8_t kWeekdays = 0x3E; // Monday..Friday
    static constexpr std::uint8_t kWeekends = 0x41; // Saturday, Sunday

    // startMinute 0..1439, endMinute 1..1440 (minutes after midnight), start != end; an end
    // before the start wraps past midnight. speedLimit in B/s, 0 = none. Throws TimeWindowError.
    TimeWindow(std::uint8_t days, int startMinute, int endMinute, std::int64_t speedLimit = 0);

    // "[days] HH:MM-HH:MM [at SPEED]", case-insensitive. days: daily | every day | weekdays |
    // weekends | a comma list of mon..sun or ranges (mon-fri, sat-mon); omitted = daily.
    // SPEED: bytes/s with an optional K, M or G suffix (1024-based, like aria2): 512K, 1.5M.
    // Throws TimeWindowError.
    static TimeWindow parse(std::string_view text);

    // A wrapping window belongs to the day it starts on: "fri 22:00-06:00" includes Saturday
    // 03:00 but not Friday 03:00. The end minute is not included.
    bool contains(const LocalDateTime& t) const;

    std::uint8_t days() const { return m_days; }
    int startMinute() const { return m_start; }
    int endMinute() const { return m_end; }
    bool wrapsMidnight() const { return m_end < m_start; }
    std::int64_t speedLimit() const { return m_speedLimit; }

    // Canonical text that parse() reads back to the same window.
    std::string toString() const;

private:
    std::uint8_t m_days;
    int m_start;
    int m_end;
    std::int64_t m_speedLimit;
};

// The user's windows together. No windows = downloads may always run.
class WindowSchedule {
public:
    WindowSchedule() = default;
    // Windows separated by ';' or new lines; blank parts are skipped. Throws TimeWindowError
    // naming the window that is wrong.
    static WindowSchedule parse(std::string_view text);

    void add(const TimeWindow& window) { m_windows.push_back(window); }
    bool empty() const { return m_windows.empty(); }
    const std::vector<TimeWindow>& windows() const { return m_windows; }

    bool allows(const LocalDateTime& t) const;
    // The speed limit the windows set at `t`, 0 = none. Each window on its own permits
    // downloading, so where windows overlap the most permissive one wins (a window without
    // a limit means no limit).
    std::int64_t speedLimitAt(const LocalDateTime& t) const;

private:
    std::vector<TimeWindow> m_windows;
};

} // namespace maria2
