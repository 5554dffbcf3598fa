#include "core/io/PathText.h"

namespace maria2::io {

std::filesystem::path pathFromUtf8(std::string_view text) {
    return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

std::string pathText(const std::filesystem::path& path) {
    try {
        const std::u8string text = path.u8string();
        return std::string(text.begin(), text.end());
    } catch (...) { // an unpaired surrogate in a Windows name
        return "?";
    }
}

} // namespace maria2::io
