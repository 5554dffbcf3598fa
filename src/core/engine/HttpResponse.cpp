#include "core/engine/HttpResponse.h"

#include "core/text/Text.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace maria2 {
namespace {

using text::iequals;
using text::trim;

std::optional<std::int64_t> toInt(std::string_view s) {
    s = trim(s);
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) {
        return std::nullopt;
    }
    return v;
}

// The last occurrence of a header in the final response (a repeated header: the last one
// wins, as it did when the lines were read in order). nullopt if the response has none.
std::optional<std::string> lastHeader(CURL* easy, const char* name) {
    curl_header* h = nullptr;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h == nullptr) {
        return std::nullopt;
    }
    const std::size_t amount = h->amount;
    if (amount > 1 &&
        (curl_easy_header(easy, name, amount - 1, CURLH_HEADER, -1, &h) != CURLHE_OK ||
         h == nullptr)) {
        return std::nullopt;
    }
    return std::string(trim(h->value != nullptr ? std::string_view(h->value) : ""));
}

} // namespace

std::optional<ContentRange> parseContentRange(std::string_view value) {
    value = trim(value);
    if (value.size() < 6 || !iequals(value.substr(0, 5), "bytes")) {
        return std::nullopt;
    }
    value = trim(value.substr(5));
    const auto dash = value.find('-');
    const auto slash = value.find('/');
    if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) {
        return std::nullopt;
    }
    const auto first = toInt(value.substr(0, dash));
    const auto last = toInt(value.substr(dash + 1, slash - dash - 1));
    if (!first || !last || *last < *first) {
        return std::nullopt;
    }
    ContentRange r{*first, *last, -1};
    const std::string_view total = trim(value.substr(slash + 1));
    if (total != "*") {
        const auto t = toInt(total);
        if (!t || *t <= *last) {
            return std::nullopt;
        }
        r.total = *t;
    }
    return r;
}

std::optional<std::int64_t> parseUnsatisfiedRange(std::string_view value) {
    value = trim(value);
    if (value.size() < 7 || !iequals(value.substr(0, 5), "bytes")) {
        return std::nullopt;
    }
    value = trim(value.substr(5));
    if (value.size() < 3 || value.substr(0, 2) != "*/") {
        return std::nullopt;
    }
    const auto total = toInt(trim(value.substr(2)));
    if (!total || *total < 0) {
        return std::nullopt;
    }
    return total;
}

bool acceptsByteRanges(std::string_view value) {
    return iequals(trim(value), "bytes");
}

HttpResponse readResponse(CURL* easy) {
    HttpResponse r;
    if (easy == nullptr) {
        return r;
    }
    curl_off_t length = -1;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    r.contentLength = length >= 0 ? static_cast<std::int64_t>(length) : -1;
    // HTTP_VERSION is 0 for every other protocol; RESPONSE_CODE would be an FTP reply there.
    long version = 0;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    r.http = version != 0;
    if (!r.http) {
        return r;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
    if (const auto range = lastHeader(easy, "Content-Range")) {
        if (r.status == 416) {
            r.unsatisfiedTotal = parseUnsatisfiedRange(*range).value_or(-1);
        } else {
            r.contentRange = parseContentRange(*range);
            r.contentRangeMalformed = !r.contentRange.has_value();
        }
    }
    r.contentDisposition = lastHeader(easy, "Content-Disposition").value_or("");
    r.etag = lastHeader(easy, "ETag").value_or("");
    r.lastModified = lastHeader(easy, "Last-Modified").value_or("");
    // Not CURLINFO_CONTENT_TYPE: the header API is scoped to the final request, so a redirect
    // hop's type (often text/html) can never be taken for the file's.
    r.contentType = lastHeader(easy, "Content-Type").value_or("");
    r.acceptsRanges = acceptsByteRanges(lastHeader(easy, "Accept-Ranges").value_or(""));
    return r;
}

} // namespace maria2
