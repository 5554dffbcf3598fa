#include "core/text/Text.h"

#include <cstdio>
#include <limits>

namespace maria2::text {

char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = asciiLower(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (asciiLower(a[i]) != asciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n\f\v";
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(kSpace);
    return s.substr(first, last - first + 1);
}

ScaledBytes scaleBytes(double bytes) {
    constexpr int kLastUnit = 5; // PiB
    ScaledBytes s{bytes > 0 ? bytes : 0.0, 0};
    while (s.value >= 1024.0 && s.unit < kLastUnit) {
        s.value /= 1024.0;
        ++s.unit;
    }
    // 1023.96 KiB would print as "1024.0 KiB": the next unit instead.
    if (s.unit > 0 && s.value >= 1023.95 && s.unit < kLastUnit) {
        s.value /= 1024.0;
        ++s.unit;
    }
    return s;
}

std::string formatBytes(double bytes, Spacing spacing) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    const ScaledBytes s = scaleBytes(bytes);
    const char* space = spacing == Spacing::Spaced ? " " : "";
    char out[48];
    if (s.unit == 0) {
        std::snprintf(out, sizeof out, "%.0f%s%s", s.value, space, kUnits[0]);
    } else {
        std::snprintf(out, sizeof out, "%.1f%s%s", s.value, space, kUnits[s.unit]);
    }
    return out;
}

std::optional<std::int64_t> parseSpeed(std::string_view text) {
    // Whole part, optional fraction, then the unit.
    std::size_t i = 0;
    std::int64_t whole = 0;
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const int digit = text[i] - '0';
        if (whole > (kMax - digit) / 10) {
            return std::nullopt;
        }
        whole = whole * 10 + digit;
        ++i;
    }
    if (i == 0) {
        return std::nullopt;
    }
    std::int64_t fraction = 0;
    std::int64_t scale = 1;
    if (i < text.size() && text[i] == '.') {
        ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (i - start >= 9) {
                return std::nullopt; // more precision than a byte needs
            }
            fraction = fraction * 10 + (text[i] - '0');
            scale *= 10;
            ++i;
        }
        if (i == start) {
            return std::nullopt; // "1." is not a number
        }
    }
    std::string unit = toLower(text.substr(i));
    const auto strip = [&unit](std::string_view tail) {
        const bool has = unit.size() >= tail.size() &&
                         unit.compare(unit.size() - tail.size(), tail.size(), tail) == 0;
        if (has) {
            unit.resize(unit.size() - tail.size());
        }
        return has;
    };
    strip("/s");
    if (strip("b") && unit.size() == 2) {
        strip("i"); // KiB, MiB, GiB
    }
    std::int64_t multiplier = 1;
    if (unit == "k") {
        multiplier = 1024;
    } else if (unit == "m") {
        multiplier = 1024 * 1024;
    } else if (unit == "g") {
        multiplier = 1024 * 1024 * 1024;
    } else if (!unit.empty()) {
        return std::nullopt;
    }
    // fraction / scale of one unit, rounded to the nearest byte: multiplier * fraction stays
    // below 2^30 * 10^9 < 2^63. It can round up to a whole unit, so the sum is what must fit
    // ("9223372036854775807.5" and "9007199254740991.9999K" are one byte over).
    const std::int64_t part = (multiplier * fraction + scale / 2) / scale;
    if (whole > (kMax - part) / multiplier) {
        return std::nullopt;
    }
    return whole * multiplier + part;
}

} // namespace maria2::text
