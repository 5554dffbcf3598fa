#include "core/schedule/TimeWindow.h"
#include "core/text/Text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>

namespace maria2 {

namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr std::array<const char*, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<const char*, 7> kLongDayNames = {"sunday",   "monday", "tuesday", "wednesday",
                                                      "thursday", "friday", "saturday"};

std::vector<std::string> splitWords(const std::string& s) {
    std::vector<std::string> words;
    std::string word;
    for (const char c : s) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (!word.empty()) {
                words.push_back(word);
                word.clear();
            }
        } else {
            word += c;
        }
    }
    if (!word.empty()) {
        words.push_back(word);
    }
    return words;
}

// Builds errors that quote the whole window, so the user sees which one of several is wrong.
struct Errors {
    std::string text;
    std::string kind = "time window";
    [[noreturn]] void fail(const std::string& what) const {
        throw TimeWindowError(kind + " \"" + text + "\": " + what);
    }
};

// "9:00", "09:00", "24:00" (only as an end) -> minutes after midnight.
int parseTime(const std::string& s, bool isEnd, const Errors& errors) {
    const auto colon = s.find(':');
    const auto bad = [&] {
        errors.fail("\"" + s + "\" is not a time (use HH:MM, hours 00-23, minutes 00-59)");
    };
    if (colon == std::string::npos || colon == 0 || colon > 2 || s.size() - colon - 1 != 2) {
        bad();
    }
    // Digits only: from_chars would take a sign, so "-0:30" would read as 00:30.
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i != colon && (s[i] < '0' || s[i] > '9')) {
            bad();
        }
    }
    int hour = 0;
    int minute = 0;
    const char* h = s.data();
    const char* m = s.data() + colon + 1;
    if (std::from_chars(h, h + colon, hour).ptr != h + colon ||
        std::from_chars(m, m + 2, minute).ptr != m + 2) {
        bad();
    }
    if (isEnd && hour == 24 && minute == 0) {
        return kMinutesPerDay;
    }
    if (hour > 23 || minute > 59) {
        bad();
    }
    return hour * 60 + minute;
}

int parseDay(const std::string& s, const Errors& errors) {
    const std::string name = text::toLower(s);
    for (int d = 0; d < 7; ++d) {
        if (name == kDayNames[static_cast<std::size_t>(d)] ||
            name == kLongDayNames[static_cast<std::size_t>(d)]) {
            return d;
        }
    }
    errors.fail("unknown day \"" + s +
                "\" (use mon..sun, ranges like mon-fri, weekdays, "
                "weekends or daily)");
}

std::uint8_t parseDays(const std::string& s, const Errors& errors) {
    const std::string keyword = text::toLower(s);
    if (keyword.empty() || keyword == "daily" || keyword == "every day" || keyword == "everyday") {
        return TimeWindow::kEveryDay;
    }
    if (keyword == "weekdays") {
        return TimeWindow::kWeekdays;
    }
    if (keyword == "weekends") {
        return TimeWindow::kWeekends;
    }
    std::uint8_t mask = 0;
    std::string compact;
    std::copy_if(s.begin(), s.end(), std::back_inserter(compact), [](char c) { return c != ' '; });
    std::size_t pos = 0;
    while (pos <= compact.size()) {
        auto comma = compact.find(',', pos);
        if (comma == std::string::npos) {
            comma = compact.size();
        }
        const std::string item = compact.substr(pos, comma - pos);
        if (item.empty()) {
            errors.fail("empty day in \"" + s + "\"");
        }
        const auto dash = item.find('-');
        if (dash == std::string::npos) {
            mask |= static_cast<std::uint8_t>(1u << parseDay(item, errors));
        } else {
            // A range may wrap over the weekend: sat-mon is Saturday, Sunday, Monday.
            const int from = parseDay(item.substr(0, dash), errors);
            const int to = parseDay(item.substr(dash + 1), errors);
            for (int d = from;; d = (d + 1) % 7) {
                mask |= static_cast<std::uint8_t>(1u << d);
                if (d == to) {
                    break;
                }
            }
        }
        pos = comma + 1;
    }
    return mask;
}

std::int64_t parseSpeed(const std::string& s, const Errors& errors) {
    const auto bytes = text::parseSpeed(s);
    if (!bytes) {
        errors.fail("\"" + s +
                    "\" is not a speed (use bytes per second with an optional K, M "
                    "or G suffix, e.g. 512K, 2M or 100000)");
    }
    if (*bytes < 1 || *bytes > 1099511627776) { // 1 B/s .. 1 TiB/s, as the config allows
        errors.fail("speed \"" + s + "\" is out of range (1 byte/s to 1T)");
    }
    return *bytes;
}

std::string formatTime(int minutes) {
    char text[16];
    std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60, minutes % 60);
    return text;
}

} // namespace

std::vector<std::int64_t> parseSpeedList(std::string_view text) {
    const Errors errors{std::string(text::trim(text)), "speed list"};
    std::vector<std::int64_t> speeds;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        const std::string item = std::string(text::trim(text.substr(pos, comma - pos)));
        if (item.empty()) {
            if (comma != text.size() || !speeds.empty() || !errors.text.empty()) {
                errors.fail("empty item");
            }
        } else {
            speeds.push_back(parseSpeed(item, errors));
        }
        pos = comma + 1;
    }
    std::sort(speeds.begin(), speeds.end());
    speeds.erase(std::unique(speeds.begin(), speeds.end()), speeds.end());
    return speeds;
}

LocalDateTime localDateTime(std::time_t t) {
    std::tm tm{};
#ifdef _WIN32
    localtime_s(&tm, &t);
#else
    localtime_r(&t, &tm);
#endif
    return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday, tm.tm_hour, tm.tm_min};
}

TimeWindow::TimeWindow(std::uint8_t days, int startMinute, int endMinute, std::int64_t speedLimit)
    : m_days(days & kEveryDay)
    , m_start(startMinute)
    , m_end(endMinute)
    , m_speedLimit(speedLimit) {
    if (m_days == 0) {
        throw TimeWindowError("time window: no day of the week selected");
    }
    if (startMinute < 0 || startMinute >= kMinutesPerDay || endMinute <= 0 ||
        endMinute > kMinutesPerDay) {
        throw TimeWindowError("time window: start must be 00:00-23:59 and end 00:01-24:00");
    }
    if (startMinute == endMinute) {
        throw TimeWindowError("time window: start and end are both " + formatTime(startMinute) +
                              " (use 00:00-24:00 for the whole day)");
    }
    if (speedLimit < 0) {
        throw TimeWindowError("time window: negative speed limit");
    }
}

TimeWindow TimeWindow::parse(std::string_view text) {
    const Errors errors{std::string(text::trim(text))};
    auto words = splitWords(std::string(text)); // original case, for the messages
    if (words.empty()) {
        errors.fail("empty (expected e.g. \"01:00-07:00\" or \"weekdays 09:00-17:00 at 512K\")");
    }
    std::int64_t speed = 0;
    const auto at = std::find_if(words.begin(), words.end(),
                                 [](const std::string& w) { return text::toLower(w) == "at"; });
    if (at != words.end()) {
        if (at + 1 == words.end()) {
            errors.fail("\"at\" must be followed by a speed, e.g. \"at 512K\"");
        }
        if (at + 2 != words.end()) {
            errors.fail("unexpected \"" + *(at + 2) + "\" after the speed");
        }
        speed = parseSpeed(*(at + 1), errors);
        words.erase(at, words.end());
    }
    // The time range is everything from the first word that starts with a digit, so
    // "09:00 - 17:00" (with spaces) reads the same as "09:00-17:00".
    const auto firstTime = std::find_if(words.begin(), words.end(), [](const std::string& w) {
        return std::isdigit(static_cast<unsigned char>(w[0])) != 0;
    });
    if (firstTime == words.end()) {
        errors.fail("no time range like 09:00-17:00");
    }
    std::string range;
    for (auto it = firstTime; it != words.end(); ++it) {
        range += *it;
    }
    std::string dayText;
    for (auto it = words.begin(); it != firstTime; ++it) {
        dayText += (dayText.empty() ? "" : " ") + *it;
    }
    const auto dash = range.find('-');
    if (dash == std::string::npos) {
        errors.fail("\"" + range + "\" is not a time range (use start-end, e.g. 09:00-17:00)");
    }
    const int start = parseTime(range.substr(0, dash), false, errors);
    const int end = parseTime(range.substr(dash + 1), true, errors);
    if (start == end) {
        errors.fail("start and end are both " + formatTime(start) +
                    " (use 00:00-24:00 for the whole day)");
    }
    return TimeWindow(parseDays(dayText, errors), start, end, speed);
}

bool TimeWindow::contains(const LocalDateTime& t) const {
    const int minute = t.hour * 60 + t.minute;
    const int weekday = ((t.weekday % 7) + 7) % 7;
    const auto on = [this](int day) {
        return (m_days & (1u << day)) != 0;
    };
    if (!wrapsMidnight()) {
        return on(weekday) && minute >= m_start && minute < m_end;
    }
    // After the start on an included day, or before the end on the day after one.
    return (on(weekday) && minute >= m_start) || (on((weekday + 6) % 7) && minute < m_end);
}

std::string TimeWindow::toString() const {
    std::string days;
    if (m_days == kEveryDay) {
        days = "daily";
    } else if (m_days == kWeekdays) {
        days = "weekdays";
    } else if (m_days == kWeekends) {
        days = "weekends";
    } else {
        for (int i = 1; i <= 7; ++i) { // Monday first, as calendars in most locales
            const int d = i % 7;
            if ((m_days & (1u << d)) != 0) {
                days +=
                    (days.empty() ? "" : ",") + std::string(kDayNames[static_cast<std::size_t>(d)]);
            }
        }
    }
    std::string text = days + " " + formatTime(m_start) + "-" + formatTime(m_end);
    if (m_speedLimit > 0) {
        constexpr std::int64_t K = 1024;
        if (m_speedLimit % (K * K * K) == 0) {
            text += " at " + std::to_string(m_speedLimit / (K * K * K)) + "G";
        } else if (m_speedLimit % (K * K) == 0) {
            text += " at " + std::to_string(m_speedLimit / (K * K)) + "M";
        } else if (m_speedLimit % K == 0) {
            text += " at " + std::to_string(m_speedLimit / K) + "K";
        } else {
            text += " at " + std::to_string(m_speedLimit);
        }
    }
    return text;
}

WindowSchedule WindowSchedule::parse(std::string_view text) {
    WindowSchedule schedule;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto end = text.find_first_of(";\n", pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string part = std::string(text::trim(text.substr(pos, end - pos)));
        if (!part.empty()) {
            schedule.add(TimeWindow::parse(part));
        }
        pos = end + 1;
    }
    return schedule;
}

bool WindowSchedule::allows(const LocalDateTime& t) const {
    return m_windows.empty() || std::any_of(m_windows.begin(), m_windows.end(),
                                            [&](const TimeWindow& w) { return w.contains(t); });
}

std::int64_t WindowSchedule::speedLimitAt(const LocalDateTime& t) const {
    std::int64_t limit = -1; // -1: no window contains t
    for (const auto& w : m_windows) {
        if (!w.contains(t)) {
            continue;
        }
        if (w.speedLimit() == 0) {
            return 0;
        }
        limit = std::max(limit, w.speedLimit());
    }
    return std::max<std::int64_t>(limit, 0);
}

} // namespace maria2
