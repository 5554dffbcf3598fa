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
// Text with a NUL, or whose normal form curl would not read back ("%7F" in a host), is refused.
std::optional<ParsedUrl> parseUrl(std::string_view input, std::string* error = nullptr);

// The URL safe for logs and messages: scheme, host, port and path kept; userinfo (a password,
// or a token used as user name) shown as "***@", the query as "?***" and a fragment as "#***"
// (a signed link's signature, an access token), so a reader sees that there was one.
// "https://tok@h:8443/f.iso?sig=1#x" -> "https://***@h:8443/f.iso?***". A URL without any of
// them is returned exactly as given. Unparseable input is masked by hand: everything between
// "scheme:" and its slashes (or the start) and the last '@' before the query, and everything
// from the first '?' or '#'.
std::string redactUrl(std::string_view url);

// The scheme of a URL ("https"), lower case; empty if none.
std::string schemeOf(std::string_view url);

} // namespace maria2::net
