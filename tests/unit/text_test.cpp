// maria2::text: the one copy of the small text helpers the core and the front ends share.
#include "core/text/Text.h"

#include <gtest/gtest.h>

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
