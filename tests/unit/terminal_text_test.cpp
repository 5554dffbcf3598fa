// Unit tests for text::escapeForTerminal: server text (file names, ETags, error pages) printed by
// maria2c or written to a log can never carry a terminal escape sequence or a fake line.
#include "core/text/TerminalText.h"

#include <gtest/gtest.h>

#include <string>

using maria2::text::escapeForTerminal;
using maria2::text::isPlainAscii;
using maria2::text::Newlines;

namespace {

struct EscapeCase {
    std::string in;
    std::string expected;
};

class TerminalEscape : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(TerminalEscape, Escaped) {
    const EscapeCase& c = GetParam();
    const std::string out = escapeForTerminal(c.in);
    EXPECT_EQ(out, c.expected);
    for (const char ch : out) {
        const auto b = static_cast<unsigned char>(ch);
        EXPECT_FALSE(b < 0x20 || b == 0x7F) << "control byte " << int(b) << " in " << out;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TerminalEscape,
    ::testing::Values(
        // C0 controls, ESC sequences (colour, clear screen, window title), DEL.
        EscapeCase{"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
        EscapeCase{"\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"},
        EscapeCase{"a\x7f"
                   "b",
                   "a\\x7fb"},
        EscapeCase{std::string("nul\0byte", 8), "nul\\x00byte"},
        EscapeCase{"line\nfake [NOTICE] Download complete",
                   "line\\x0afake [NOTICE] Download complete"},
        EscapeCase{"cr\rtab\t", "cr\\x0dtab\\x09"},
        // C1 controls as UTF-8 (U+009B is a one-byte CSI on some terminals).
        EscapeCase{"\xc2\x9b"
                   "2J",
                   "\\u009b2J"},
        EscapeCase{"\xc2\x85", "\\u0085"},
        // Bidirectional overrides that reorder what is shown.
        EscapeCase{"invoice\xe2\x80\xaegpj.exe", "invoice\\u202egpj.exe"},
        EscapeCase{"\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069"},
        // Bytes that are not UTF-8: stray continuation, truncated, overlong, surrogate, > U+10FFFF.
        EscapeCase{"\xff\xfe", "\\xff\\xfe"}, EscapeCase{"\x80", "\\x80"},
        EscapeCase{"ab\xc3", "ab\\xc3"}, EscapeCase{"\xc0\xaf", "\\xc0\\xaf"},
        EscapeCase{"\xed\xa0\x80", "\\xed\\xa0\\x80"},
        EscapeCase{"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
        EscapeCase{"\xe2\x28\xa1", "\\xe2(\\xa1"}),
    [](const ::testing::TestParamInfo<EscapeCase>& info) {
        return "Case" + std::to_string(info.index);
    });

TEST(TerminalText, PrintableTextUnchanged) {
    for (const char* text : {"", "file.iso", "C:\\Users\\me\\file (1).bin", "\"etag-1234\"",
                             "r\xc3\xa9sum\xc3\xa9.pdf", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                             "\xf0\x9f\x93\xa6 box", "\xc2\xa0nbsp \xc2\xa9"}) {
        EXPECT_EQ(escapeForTerminal(text), text);
    }
}

TEST(TerminalText, NewlinesKeptOnlyWhenAsked) {
    EXPECT_EQ(escapeForTerminal("a\nb\x1b", Newlines::Keep), "a\nb\\x1b");
    EXPECT_EQ(escapeForTerminal("a\r\nb", Newlines::Keep), "a\\x0d\nb");
    EXPECT_EQ(escapeForTerminal("a\nb"), "a\\x0ab");
}

TEST(TerminalText, IsPlainAscii) {
    EXPECT_TRUE(isPlainAscii(""));
    EXPECT_TRUE(isPlainAscii("hello ~ world"));
    EXPECT_FALSE(isPlainAscii("tab\t"));
    EXPECT_FALSE(isPlainAscii("r\xc3\xa9sum\xc3\xa9"));
    EXPECT_FALSE(isPlainAscii("\x7f"));
}

} // namespace
