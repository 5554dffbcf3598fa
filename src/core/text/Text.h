#pragma once
// Small text helpers shared by the core, the session and the front ends: ASCII case folding
// (never the locale's: header names, schemes and units are ASCII), trimming, byte counts for
// people, and speeds as people write them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maria2::text {

char asciiLower(char c);
std::string toLower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// Without leading and trailing ASCII white space (space, tab, CR, LF, FF, VT).
std::string_view trim(std::string_view s);

// A byte count in its largest binary unit: value in [0, 1024) and the unit's index
// (0 B, 1 KiB, 2 MiB, 3 GiB, 4 TiB, 5 PiB). A value that would print as "1024.0" at one
// decimal is promoted to the next unit. Front ends with translated unit names use this.
struct ScaledBytes {
    double value = 0;
    int unit = 0;
};
ScaledBytes scaleBytes(double bytes);

enum class Spacing { Spaced, Compact };
// 1536 -> "1.5 KiB" (Compact: "1.5KiB", as aria2 prints it); below 1 KiB whole bytes.
std::string formatBytes(double bytes, Spacing spacing = Spacing::Spaced);

// Bytes per second from "100000", "512K", "1.5M", "2G" (1024-based, as aria2 reads them),
// also spelt "512KB", "512KiB", "512KiB/s" or "100000B/s". Digits are read by hand (strtod
// would follow the locale's decimal separator); a fraction rounds to the nearest byte.
// nullopt when the text is not such a speed or does not fit in 63 bits.
std::optional<std::int64_t> parseSpeed(std::string_view text);

} // namespace maria2::text
