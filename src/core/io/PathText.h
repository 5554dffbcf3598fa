#pragma once
// UTF-8 text to file-system paths and back, alike on every platform. Our strings (URLs, names,
// folders from the config or the command line) are UTF-8; on Windows, std::filesystem::path's
// std::string constructor reads the ANSI code page instead (garbling every name outside it) and
// .string() throws where a name does not fit that code page, which inside a libcurl callback
// ends the process. These two go through UTF-8 both ways and never throw.
#include <filesystem>
#include <string>
#include <string_view>

namespace maria2::io {

std::filesystem::path pathFromUtf8(std::string_view text);
// For messages and logs. A name that is not valid Unicode (possible on Windows) shows '?'.
std::string pathText(const std::filesystem::path& path);

} // namespace maria2::io
