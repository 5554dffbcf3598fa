// libFuzzer target: speeds as people write them ("512K", "1.5M", "100000B/s"), read by
// core/text/Text's parseSpeed for maria2c's limits, the config and the GUI's speed fields.
// The answer must be the number the text names, rounded to a byte, or nothing.
#include "FuzzCheck.h"

#include "core/text/Text.h"

#include <cstddef>
#include <cstdint>
#include <limits>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    const auto speed = text::parseSpeed(text);
    if (!speed) {
        return 0;
    }
    MARIA2_FUZZ_CHECK(*speed >= 0, "negative speed");
    // The whole part and the unit, read again here with 128 bits: whole * unit <= speed <=
    // (whole + 1) * unit.
    std::size_t i = 0;
    __int128 whole = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        whole = whole * 10 + (text[i] - '0');
        MARIA2_FUZZ_CHECK(whole <= std::numeric_limits<std::int64_t>::max(),
                          "a speed above 2^63 accepted");
        ++i;
    }
    MARIA2_FUZZ_CHECK(i > 0, "a speed without digits accepted");
    bool fraction = false;
    if (i < text.size() && text[i] == '.') {
        fraction = true;
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
        }
    }
    const std::string unit = text::toLower(text.substr(i));
    const char u = unit.empty() ? 'b' : unit[0];
    const __int128 multiplier = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : u == 'g' ? 1 << 30 : 1;
    MARIA2_FUZZ_CHECK(*speed >= whole * multiplier, "speed below its whole part");
    MARIA2_FUZZ_CHECK(*speed <= (whole + (fraction ? 1 : 0)) * multiplier,
                      "speed above its whole part");
    return 0;
}
