#pragma once
// --verify=auto: the checksum a server publishes beside a file, as `NAME.sha256` next to it or
// as a line of a `SHA256SUMS` list in the same folder (the way Debian, Ubuntu, Fedora, Arch,
// Node.js and most release pages do it). Parsing is pure; fetching uses libcurl, blocking, so it
// runs on the checksum thread, never on an engine's.
#include "core/config/Config.h"
#include "core/integrity/Checksum.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maria2 {

// Where to look, in order: the file's URL (query and fragment dropped) + ".sha256", then
// "SHA256SUMS" in its folder. Empty for a URL curl_url cannot parse or one without a path.
std::vector<std::string> sidecarChecksumUrls(const std::string& fileUrl);

// The SHA-256 for `fileName` in a checksum file's text. Understands GNU coreutils lines
// ("HEX  NAME", "HEX *NAME", with "./" or a folder before the name), BSD tags
// ("SHA256 (NAME) = HEX") and a file holding just the digest (only when `singleFile`, i.e. it
// came from NAME.sha256). nullopt when no line names the file.
std::optional<ChecksumSpec> parseChecksumList(std::string_view text, std::string_view fileName,
                                              bool singleFile);

struct SidecarResult {
    std::optional<ChecksumSpec> checksum;
    std::string source; // the URL it came from, credentials redacted; empty when none
    std::string note;   // what was tried, for the log when nothing was found
};

// Fetches the candidates in order with the download's network settings (TLS checks, proxy,
// timeouts) and returns the first digest found for `fileName` (also tried: `urlName`, the
// name in the URL, when the file was saved under another). Bodies over 1 MiB are ignored.
// `headers` are the download's own extra request headers (a login cookie may be needed).
SidecarResult findSidecarChecksum(const std::string& fileUrl, const std::string& fileName,
                                  const std::string& urlName, const NetworkSettings& network,
                                  const std::vector<std::string>& headers,
                                  const std::string& userAgent);

} // namespace maria2
