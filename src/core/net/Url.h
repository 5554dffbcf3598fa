#pragma once
// URL handling through libcurl's URL API (curl_url): validation of what a person typed,
// and redaction of credentials before a URL goes anywhere near a log.
#include <optional>
#include <string>
#include <string_view>

namespace maria2::net {

struct ParsedUrl {
    std::string url;    // normalised (scheme guessed as http when missing, spaces encoded)
    std::string scheme; // lower case
    std::string host;
};

// Schemes MAria2 downloads: http, https, ftp, ftps.
bool isSupportedScheme(std::string_view scheme);

// Parses a user-supplied URL. On failure returns nullopt and sets *error to a message that
// names the URL and what is wrong with it ("unsupported scheme 'gopher'", "no host" ...).
std::optional<ParsedUrl> parseUrl(std::string_view input, std::string* error = nullptr);

// The URL with any password replaced by "***" (user kept), safe for logs and messages.
// Unparseable input is returned with everything between "://" and the last '@' masked.
std::string redactUrl(std::string_view url);

// The scheme of a URL ("https"), lower case; empty if none.
std::string schemeOf(std::string_view url);

} // namespace maria2::net
