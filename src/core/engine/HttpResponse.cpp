#include "core/engine/HttpResponse.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace maria2 {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::int64_t> toInt(std::string_view s) {
    s = trim(s);
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) {
        return std::nullopt;
    }
    return v;
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

bool HttpResponse::feed(std::string_view line) {
    line = trim(line);
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
        reset();
        const auto sp = line.find(' ');
        if (sp != std::string_view::npos) {
            const auto code = toInt(line.substr(sp + 1, 3));
            m_status = code ? static_cast<long>(*code) : 0;
        }
        return true;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || m_status == 0) {
        return false;
    }
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
        m_contentLength = toInt(value).value_or(-1);
    } else if (iequals(name, "content-range")) {
        m_contentRange = parseContentRange(value);
        m_contentRangeMalformed = !m_contentRange.has_value();
    } else if (iequals(name, "content-disposition")) {
        m_contentDisposition = std::string(value);
    } else if (iequals(name, "etag")) {
        m_etag = std::string(value);
    } else if (iequals(name, "last-modified")) {
        m_lastModified = std::string(value);
    } else if (iequals(name, "content-type")) {
        m_contentType = std::string(value);
    } else if (iequals(name, "accept-ranges")) {
        m_acceptRanges = iequals(value, "bytes");
    }
    return false;
}

} // namespace maria2
