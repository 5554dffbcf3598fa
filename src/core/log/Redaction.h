#pragma once
// What keeps secrets out of every log line: header lines with credentials masked, URLs without
// their userinfo, query and fragment, and a last pass over whole messages (scrubMessage) that the
// logger applies to every line, whatever its call site did.
#include <string>
#include <string_view>
#include <vector>

namespace maria2::log {

// True for header names whose value is a secret (case-insensitive): Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, X-Amz-Security-Token, any name ending in
// "token", "secret", "password", "-key", "-auth" or "-signature", and every name registered with
// addSecretHeaderName (the person's own --header names).
bool isSecretHeader(std::string_view name);

// Registers a header name (or a whole "Name: value" / "Name;" header, whose name is taken) as
// secret for the rest of the process. Thread-safe; an empty name is ignored.
void addSecretHeaderName(std::string_view nameOrHeader);
// The same for each of a request's extra headers.
void addSecretHeaders(const std::vector<std::string>& headers);

// One line of HTTP as libcurl's debug output shows it, safe to log; the line ending is kept:
//   "Authorization: Basic abc"        -> "Authorization: ***" (every secret header above)
//   "Location: https://u:p@h/x?sig=1" -> "Location: https://***@h/x?***" (also Content-Location,
//                                        Referer: through net::redactUrl)
//   "GET /x?token=1 HTTP/1.1"         -> "GET /x?*** HTTP/1.1" (request lines; an absolute
//                                        target through net::redactUrl)
//   "h2h3 [authorization: Bearer x]"  -> "h2h3 [authorization: ***]" (libcurl's HTTP/2 lines,
//                                        ":path" pseudo-headers lose their query)
// Other lines (status lines, other headers, text) are returned unchanged.
std::string redactHeader(std::string_view line);

// A request target or path ("/x?q#f") without its query and fragment ("/x?***").
std::string redactTarget(std::string_view target);

// True when scrubMessage would change text: it holds a "://" or a byte that is not printable
// ASCII. Cheap: one pass, no allocation.
bool needsScrub(std::string_view text);
// Every URL in free text ("scheme://...", up to white space, a quote or '<' '>') through
// net::redactUrl, then control characters and invalid UTF-8 escaped (text::escapeForTerminal):
// what the logger does to each message before any sink sees it.
std::string scrubMessage(std::string_view text);

} // namespace maria2::log
