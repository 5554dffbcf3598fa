// libFuzzer target: the download schedule a person types (core/schedule/TimeWindow:
// "weekdays 09:00-17:00 at 512K; 22:00-06:00") and the speed-limit presets list. A schedule is
// refused with a TimeWindowError or reads back from its canonical text to the same windows.
#include "FuzzCheck.h"

#include "core/schedule/TimeWindow.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    try {
        const WindowSchedule schedule = WindowSchedule::parse(text);
        std::string canonical;
        for (const TimeWindow& w : schedule.windows()) {
            MARIA2_FUZZ_CHECK(w.days() != 0 && (w.days() & ~TimeWindow::kEveryDay) == 0,
                              "window without a valid day");
            MARIA2_FUZZ_CHECK(w.startMinute() >= 0 && w.startMinute() < 24 * 60,
                              "start outside the day");
            MARIA2_FUZZ_CHECK(w.endMinute() > 0 && w.endMinute() <= 24 * 60, "end outside the day");
            MARIA2_FUZZ_CHECK(w.startMinute() != w.endMinute(), "empty window");
            MARIA2_FUZZ_CHECK(w.speedLimit() >= 0 && w.speedLimit() <= (std::int64_t{1} << 40),
                              "speed limit out of range");
            canonical += w.toString() + "\n";
        }
        const WindowSchedule again = WindowSchedule::parse(canonical);
        MARIA2_FUZZ_CHECK(again.windows().size() == schedule.windows().size(),
                          "canonical schedule has another number of windows");
        for (std::size_t i = 0; i < again.windows().size(); ++i) {
            const TimeWindow &a = schedule.windows()[i], &b = again.windows()[i];
            MARIA2_FUZZ_CHECK(a.days() == b.days() && a.startMinute() == b.startMinute() &&
                                  a.endMinute() == b.endMinute() &&
                                  a.speedLimit() == b.speedLimit(),
                              "a window does not read back from its canonical text");
        }
        // Every hour of a week: a limit is only set where downloading is allowed.
        for (int day = 0; day < 7; ++day) {
            for (int hour = 0; hour < 24; ++hour) {
                LocalDateTime t;
                t.weekday = day;
                t.hour = hour;
                t.minute = (day * 7 + hour * 13) % 60;
                const std::int64_t limit = schedule.speedLimitAt(t);
                MARIA2_FUZZ_CHECK(limit >= 0, "negative speed limit");
                MARIA2_FUZZ_CHECK(limit == 0 || schedule.allows(t),
                                  "a speed limit where no window is open");
            }
        }
    } catch (const TimeWindowError&) {
    }
    try {
        const auto speeds = parseSpeedList(text);
        for (std::size_t i = 0; i < speeds.size(); ++i) {
            MARIA2_FUZZ_CHECK(speeds[i] > 0, "speed list with a speed <= 0");
            MARIA2_FUZZ_CHECK(i == 0 || speeds[i - 1] < speeds[i], "speed list not ascending");
        }
    } catch (const TimeWindowError&) {
    }
    return 0;
}
