#pragma once
// Log files are the owner's alone: they may hold URLs, host names and error pages. Called by
// log::init just before spdlog opens a log file (and before each rotation re-creates one).
#include <string>

namespace maria2::log::detail {

// POSIX: creates the folders above path that are missing with mode 0700, then the file itself
// with mode 0600 whatever the umask, and narrows an existing regular file of ours to 0600 (a
// terminal or pipe given as -l is left alone). Failures are left for spdlog's open to report.
// Windows: nothing (files under the profile are private by their inherited ACL).
void preparePrivateFile(const std::string& path);

} // namespace maria2::log::detail
