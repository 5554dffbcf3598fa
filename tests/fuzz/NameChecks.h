#pragma once
// What a sanitised file name must be (core/naming/FileNaming.h, sanitizeFileName), checked by
// the naming and URL fuzz targets.
#include "FuzzCheck.h"

#include "core/naming/FileNaming.h"
#include "core/text/Text.h"

#include <string>
#include <string_view>

namespace maria2::fuzz {

inline bool validUtf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t len = b < 0x80           ? 1
                                : (b >> 5) == 0x6  ? 2
                                : (b >> 4) == 0xE  ? 3
                                : (b >> 3) == 0x1E ? 4
                                                   : 0;
        if (len == 0 || i + len > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

// emptyAllowed: sanitizeFileName(x, "") may answer "" (nothing usable); never otherwise.
inline void checkSafeName(const std::string& name, bool emptyAllowed) {
    if (name.empty()) {
        MARIA2_FUZZ_CHECK(emptyAllowed, "empty file name");
        return;
    }
    MARIA2_FUZZ_CHECK(name.size() <= 255, "file name longer than 255 bytes");
    MARIA2_FUZZ_CHECK(name != "." && name != "..", "file name is . or ..");
    MARIA2_FUZZ_CHECK(name.find_first_of("/\\") == std::string::npos, "path separator in name");
    MARIA2_FUZZ_CHECK(validUtf8(name), "file name is not valid UTF-8");
    for (const char c : name) {
        const auto b = static_cast<unsigned char>(c);
        MARIA2_FUZZ_CHECK(b >= 0x20 && b != 0x7F, "control character in file name");
        MARIA2_FUZZ_CHECK(std::string_view("<>:\"|?*").find(c) == std::string_view::npos,
                          "character Windows forbids in file name");
    }
    MARIA2_FUZZ_CHECK(name.back() != '.' && name.back() != ' ', "trailing dot or space");
    MARIA2_FUZZ_CHECK(name.front() != ' ', "leading space");
    // Already safe, so sanitising again changes nothing.
    MARIA2_FUZZ_CHECK(naming::sanitizeFileName(name, "") == name,
                      "sanitizeFileName not idempotent");
}

} // namespace maria2::fuzz
