#pragma once
// Text from servers (file names, ETags, content types, error pages) made safe to print on a
// terminal or in a log: a server must not be able to move the cursor, retitle the window, hide
// text or fake a line by sending escape sequences.
#include <string>
#include <string_view>

namespace maria2::text {

enum class Newlines { Escape, Keep };

// Printable text unchanged (valid UTF-8 included); escaped, so that nothing is lost:
//   C0 controls and DEL          -> "\x1b", "\x7f" (tab, CR and LF too unless Newlines::Keep,
//                                    which keeps LF for multi-line text)
//   C1 controls (U+0080..U+009F) -> "\u009b"
//   bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069), which reorder what
//   is shown ("evil\u202Etxt.exe")    -> "\u202e"
//   bytes that are not UTF-8     -> "\xff"
// A backslash is kept as it is: Windows paths stay readable.
std::string escapeForTerminal(std::string_view text, Newlines newlines = Newlines::Escape);

// True when escapeForTerminal would change nothing: printable ASCII only (a quick test for the
// common case).
bool isPlainAscii(std::string_view text);

} // namespace maria2::text
