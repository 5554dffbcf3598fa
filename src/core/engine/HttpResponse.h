#pragma once
// The facts of one response that the engine decides on (status, length, range, validators,
// type, name), read from libcurl once the headers are in: libcurl splits the header lines and
// keeps each request's apart, so only the final response (after redirects and 1xx) counts.
// The values it cannot interpret for us (Content-Range, Accept-Ranges) are parsed here.
#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maria2 {

struct ContentRange {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::int64_t total = -1; // -1 when the server sent '*'
};

// "bytes 100-199/1000" -> {100,199,1000}; "bytes 0-9/*" -> total -1. nullopt if malformed.
std::optional<ContentRange> parseContentRange(std::string_view value);
// A 416's "bytes */1000" -> 1000: the size of the file the range did not fit. nullopt if
// malformed or another form.
std::optional<std::int64_t> parseUnsatisfiedRange(std::string_view value);
// "bytes" (any case, surrounding blanks allowed) -> true; "none", "" or another unit -> false.
bool acceptsByteRanges(std::string_view value);

struct HttpResponse {
    bool http = false; // false for FTP, FILE... (then only contentLength means anything)
    long status = 0;   // the final response's code; 0 before one arrived
    // Content-Length (HTTP), or the bytes still to come after a REST (FTP); -1 if unknown.
    std::int64_t contentLength = -1;
    std::optional<ContentRange> contentRange; // nullopt if absent or malformed
    bool contentRangeMalformed = false;
    std::int64_t unsatisfiedTotal = -1; // a 416's "Content-Range: bytes */SIZE"; -1 if none
    std::string contentDisposition;
    std::string etag;
    std::string lastModified;
    std::string contentType;
    bool acceptsRanges = false;

    bool isHttp() const { return http && status > 0; }
};

// What libcurl has received so far on this handle (the final response's headers only).
// Call from its callbacks or after the transfer; never blocks.
HttpResponse readResponse(CURL* easy);

} // namespace maria2
