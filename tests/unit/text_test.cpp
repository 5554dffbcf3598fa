// maria2::text: the one copy of the small text helpers the core and the front ends share.
#include "core/text/Text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

using namespace maria2::text;

TEST(Text, CaseAndSpaceAreAsciiOnly) {
    EXPECT_EQ(toLower("Content-RANGE"), "content-range");
    EXPECT_TRUE(iequals("Bytes", "bYTES"));
    EXPECT_FALSE(iequals("bytes", "byte"));
    EXPECT_EQ(trim(" \t bytes \r\n"), "bytes");
    EXPECT_EQ(trim(" \t "), "");
}

TEST(Text, BytesPickTheLargestUnitAndNeverPrint1024) {
    EXPECT_EQ(formatBytes(12), "12 B");
    EXPECT_EQ(formatBytes(1536), "1.5 KiB");
    EXPECT_EQ(formatBytes(1536, Spacing::Compact), "1.5KiB");
    EXPECT_EQ(formatBytes(-5), "0 B");
    // 1023.96 KiB rounds to "1024.0 KiB" at one decimal: shown as the next unit instead.
    const ScaledBytes s = scaleBytes(1023.96 * 1024);
    EXPECT_EQ(s.unit, 2);
    EXPECT_EQ(formatBytes(1023.96 * 1024), "1.0 MiB");
    EXPECT_EQ(scaleBytes(1023).unit, 0); // whole bytes are never promoted
}

// Found reviewing parseSpeed for tests/fuzz/fuzz_speed: a fraction that rounds up to a whole unit
// pushed a speed just below 2^63 one byte past it (signed overflow, UB); the whole part's digit
// check also refused 2^63 - 1 itself.
TEST(Text, SpeedsAtTheTopOfInt64NeitherOverflowNorGetRefused) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(parseSpeed("9223372036854775807"), kMax);
    EXPECT_EQ(parseSpeed("9223372036854775807.4"), kMax);
    EXPECT_EQ(parseSpeed("9223372036854775807.5"), std::nullopt);
    EXPECT_EQ(parseSpeed("9223372036854775808"), std::nullopt);
    EXPECT_EQ(parseSpeed("9007199254740991K"), 9007199254740991 * 1024);
    EXPECT_EQ(parseSpeed("9007199254740991.999K"), 9007199254740991 * 1024 + 1023);
    EXPECT_EQ(parseSpeed("9007199254740991.9999K"), std::nullopt);
    EXPECT_EQ(parseSpeed("8796093022207.9999996M"), std::nullopt);
}
