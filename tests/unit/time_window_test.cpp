// Unit tests for maria2::TimeWindow and maria2::WindowSchedule: parsing (with errors that
// name what is wrong), containment including windows that wrap past midnight, and speed limits.
// Wall time is a plain struct, so the machine's time zone does not matter.
#include "core/schedule/TimeWindow.h"

#include <gtest/gtest.h>

#include <string>

using maria2::LocalDateTime;
using maria2::TimeWindow;
using maria2::TimeWindowError;
using maria2::WindowSchedule;

namespace {

enum Day { Sun, Mon, Tue, Wed, Thu, Fri, Sat };

LocalDateTime at(int weekday, int hour, int minute) {
    LocalDateTime t;
    t.weekday = weekday;
    t.hour = hour;
    t.minute = minute;
    return t;
}

// The message of the TimeWindowError that parsing `text` throws ("" if it does not throw).
std::string parseError(const std::string& text) {
    try {
        TimeWindow::parse(text);
    } catch (const TimeWindowError& e) {
        return e.what();
    }
    return {};
}

bool mentions(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

} // namespace

TEST(TimeWindow, EveryDayNightWindow) {
    const auto w = TimeWindow::parse("01:00-07:00");
    EXPECT_EQ(w.days(), TimeWindow::kEveryDay);
    EXPECT_EQ(w.startMinute(), 60);
    EXPECT_EQ(w.endMinute(), 420);
    EXPECT_EQ(w.speedLimit(), 0);
    EXPECT_FALSE(w.wrapsMidnight());
    EXPECT_FALSE(w.contains(at(Wed, 0, 59)));
    EXPECT_TRUE(w.contains(at(Wed, 1, 0)));
    EXPECT_TRUE(w.contains(at(Sun, 6, 59)));
    EXPECT_FALSE(w.contains(at(Sun, 7, 0))) << "the end minute is not included";
}

TEST(TimeWindow, WeekdaysWithSpeedLimit) {
    const auto w = TimeWindow::parse("weekdays 09:00-17:00 at 512K");
    EXPECT_EQ(w.days(), TimeWindow::kWeekdays);
    EXPECT_EQ(w.speedLimit(), 512 * 1024);
    EXPECT_TRUE(w.contains(at(Mon, 9, 0)));
    EXPECT_TRUE(w.contains(at(Fri, 16, 59)));
    EXPECT_FALSE(w.contains(at(Sat, 10, 0)));
    EXPECT_FALSE(w.contains(at(Sun, 10, 0)));
    EXPECT_FALSE(w.contains(at(Tue, 8, 59)));
}

TEST(TimeWindow, WrapsPastMidnightBelongingToTheStartDay) {
    const auto w = TimeWindow::parse("fri 22:00-06:00");
    EXPECT_TRUE(w.wrapsMidnight());
    EXPECT_TRUE(w.contains(at(Fri, 22, 0)));
    EXPECT_TRUE(w.contains(at(Fri, 23, 59)));
    EXPECT_TRUE(w.contains(at(Sat, 0, 0)));
    EXPECT_TRUE(w.contains(at(Sat, 5, 59)));
    EXPECT_FALSE(w.contains(at(Sat, 6, 0)));
    EXPECT_FALSE(w.contains(at(Fri, 3, 0))) << "Thursday night is not in the window";
    EXPECT_FALSE(w.contains(at(Sat, 23, 0)));
    // Every day, wrapping: Sunday night into Monday morning too.
    const auto daily = TimeWindow::parse("23:30-00:30");
    EXPECT_TRUE(daily.contains(at(Sun, 23, 45)));
    EXPECT_TRUE(daily.contains(at(Mon, 0, 15)));
    EXPECT_FALSE(daily.contains(at(Mon, 12, 0)));
}

TEST(TimeWindow, DaySpellings) {
    EXPECT_EQ(TimeWindow::parse("daily 01:00-02:00").days(), TimeWindow::kEveryDay);
    EXPECT_EQ(TimeWindow::parse("Every Day 01:00-02:00").days(), TimeWindow::kEveryDay);
    EXPECT_EQ(TimeWindow::parse("WEEKENDS 01:00-02:00").days(), TimeWindow::kWeekends);
    EXPECT_EQ(TimeWindow::parse("mon-fri 01:00-02:00").days(), TimeWindow::kWeekdays);
    EXPECT_EQ(TimeWindow::parse("mon,wed,fri 01:00-02:00").days(), 0x2A);
    EXPECT_EQ(TimeWindow::parse("Monday, Wednesday 01:00-02:00").days(), 0x0A);
    // A range over the weekend: Saturday, Sunday, Monday.
    EXPECT_EQ(TimeWindow::parse("sat-mon 01:00-02:00").days(), 0x43);
    EXPECT_EQ(TimeWindow::parse("sun 01:00-02:00").days(), 0x01);
}

TEST(TimeWindow, TimeAndSpeedSpellings) {
    const auto spaced = TimeWindow::parse("  weekdays  9:00 - 17:30  at 1.5M ");
    EXPECT_EQ(spaced.startMinute(), 9 * 60);
    EXPECT_EQ(spaced.endMinute(), 17 * 60 + 30);
    EXPECT_EQ(spaced.speedLimit(), 1536 * 1024);
    EXPECT_EQ(TimeWindow::parse("00:00-24:00").endMinute(), 1440);
    EXPECT_TRUE(TimeWindow::parse("00:00-24:00").contains(at(Tue, 23, 59)));
    EXPECT_EQ(TimeWindow::parse("01:00-02:00 at 100000").speedLimit(), 100000);
    EXPECT_EQ(TimeWindow::parse("01:00-02:00 at 2MiB/s").speedLimit(), 2 * 1024 * 1024);
    EXPECT_EQ(TimeWindow::parse("01:00-02:00 at 64KB").speedLimit(), 64 * 1024);
    EXPECT_EQ(TimeWindow::parse("01:00-02:00 at 1G").speedLimit(), 1024 * 1024 * 1024);
}

TEST(TimeWindow, ErrorsNameWhatIsWrong) {
    EXPECT_TRUE(mentions(parseError(""), "empty"));
    EXPECT_TRUE(mentions(parseError("25:00-07:00"), "\"25:00\" is not a time"));
    EXPECT_TRUE(mentions(parseError("01:60-07:00"), "\"01:60\""));
    EXPECT_TRUE(mentions(parseError("1:5-07:00"), "\"1:5\""));
    EXPECT_TRUE(mentions(parseError("24:00-07:00"), "\"24:00\"")) << "24:00 is only an end";
    EXPECT_TRUE(mentions(parseError("weekdays"), "no time range"));
    EXPECT_TRUE(mentions(parseError("0100"), "not a time range"));
    EXPECT_TRUE(mentions(parseError("fry 01:00-02:00"), "unknown day \"fry\""));
    EXPECT_TRUE(mentions(parseError("mon,,tue 01:00-02:00"), "empty day"));
    EXPECT_TRUE(mentions(parseError("09:00-09:00"), "00:00-24:00"));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at fast"), "\"fast\" is not a speed"));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at 5X"), "\"5X\" is not a speed"));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at 1.2.3M"), "is not a speed"));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at"), "must be followed by a speed"));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at 5K please"), "unexpected \"please\""));
    EXPECT_TRUE(mentions(parseError("01:00-02:00 at 0"), "out of range"));
    // The whole window is quoted, as typed.
    EXPECT_TRUE(
        mentions(parseError("Weekdays 09:00-25:00"), "time window \"Weekdays 09:00-25:00\""));
}

TEST(TimeWindow, ConstructorValidates) {
    EXPECT_THROW(TimeWindow(0, 60, 120), TimeWindowError);
    EXPECT_THROW(TimeWindow(TimeWindow::kEveryDay, -1, 120), TimeWindowError);
    EXPECT_THROW(TimeWindow(TimeWindow::kEveryDay, 60, 1441), TimeWindowError);
    EXPECT_THROW(TimeWindow(TimeWindow::kEveryDay, 60, 60), TimeWindowError);
    EXPECT_THROW(TimeWindow(TimeWindow::kEveryDay, 60, 120, -5), TimeWindowError);
    EXPECT_NO_THROW(TimeWindow(TimeWindow::kEveryDay, 0, 1440));
}

TEST(TimeWindow, ToStringReadsBack) {
    for (const char* text :
         {"daily 01:00-07:00", "weekdays 09:00-17:00 at 512K", "weekends 22:00-06:00 at 2M",
          "mon,wed,sun 00:00-24:00", "daily 03:15-04:45 at 1000"}) {
        const auto w = TimeWindow::parse(text);
        EXPECT_EQ(w.toString(), text);
        const auto again = TimeWindow::parse(w.toString());
        EXPECT_EQ(again.days(), w.days());
        EXPECT_EQ(again.startMinute(), w.startMinute());
        EXPECT_EQ(again.endMinute(), w.endMinute());
        EXPECT_EQ(again.speedLimit(), w.speedLimit());
    }
}

TEST(TimeWindow, ScheduleOfSeveralWindows) {
    const auto s = WindowSchedule::parse("01:00-07:00; weekdays 09:00-17:00 at 512K\n"
                                         "weekdays 12:00-13:00 at 2M;;");
    ASSERT_EQ(s.windows().size(), 3u);
    EXPECT_TRUE(s.allows(at(Tue, 3, 0)));
    EXPECT_FALSE(s.allows(at(Tue, 8, 0)));
    EXPECT_FALSE(s.allows(at(Sat, 10, 0)));
    EXPECT_EQ(s.speedLimitAt(at(Tue, 3, 0)), 0); // the night window has no limit
    EXPECT_EQ(s.speedLimitAt(at(Tue, 10, 0)), 512 * 1024);
    EXPECT_EQ(s.speedLimitAt(at(Tue, 12, 30)), 2 * 1024 * 1024) << "overlap: most permissive";
    EXPECT_EQ(s.speedLimitAt(at(Tue, 20, 0)), 0); // outside every window: none from windows
}

TEST(TimeWindow, EmptyScheduleAlwaysAllows) {
    const auto s = WindowSchedule::parse("  ;\n ");
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(s.allows(at(Sun, 4, 0)));
    EXPECT_EQ(s.speedLimitAt(at(Sun, 4, 0)), 0);
}

TEST(TimeWindow, ScheduleErrorNamesTheBadWindow) {
    try {
        WindowSchedule::parse("01:00-07:00; weekdays 09:00-17:00 at lots");
        FAIL() << "should have thrown";
    } catch (const TimeWindowError& e) {
        EXPECT_TRUE(mentions(e.what(), "weekdays 09:00-17:00 at lots")) << e.what();
        EXPECT_TRUE(mentions(e.what(), "\"lots\" is not a speed")) << e.what();
    }
}

TEST(TimeWindow, LocalDateTimeFromSystemTimeIsPlausible) {
    // Only ranges: the machine's time zone is unknown.
    const auto t = maria2::localDateTime(1700000000); // 14/15 Nov 2023 depending on the zone
    EXPECT_EQ(t.year, 2023);
    EXPECT_EQ(t.month, 11);
    EXPECT_GE(t.day, 14);
    EXPECT_LE(t.day, 15);
    EXPECT_GE(t.weekday, 2); // Tuesday or Wednesday
    EXPECT_LE(t.weekday, 3);
    EXPECT_GE(t.hour, 0);
    EXPECT_LE(t.hour, 23);
}

// Found reviewing parseTime for tests/fuzz/fuzz_time_window: std::from_chars takes a sign, so
// an end of "-0:30" read as 00:30 and "01:-5" as 00:55.
TEST(TimeWindow, TimesWithASignAreNotTimes) {
    for (const char* text : {"01:00--0:30", "00:30-01:-5", "00:30-01:-0", "01:00 - -1:00"}) {
        try {
            TimeWindow::parse(text);
            ADD_FAILURE() << text << " was accepted";
        } catch (const TimeWindowError& e) {
            EXPECT_NE(std::string(e.what()).find("is not a time"), std::string::npos)
                << text << " -> " << e.what();
        }
    }
}
