#pragma once
// The headers of one HTTP response, gathered line by line from curl's header callback.
// A new status line (a redirect hop, a 100 Continue) starts a fresh response.
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

class HttpResponse {
public:
    // Feeds one raw header line (with or without CRLF). Returns true if it was a status line.
    bool feed(std::string_view line);
    void reset() { *this = HttpResponse(); }

    bool isHttp() const { return m_status > 0; }
    long status() const { return m_status; }
    std::int64_t contentLength() const { return m_contentLength; } // -1 if absent
    const std::optional<ContentRange>& contentRange() const { return m_contentRange; }
    bool contentRangeMalformed() const { return m_contentRangeMalformed; }
    const std::string& contentDisposition() const { return m_contentDisposition; }
    const std::string& etag() const { return m_etag; }
    const std::string& lastModified() const { return m_lastModified; }
    const std::string& contentType() const { return m_contentType; }
    bool acceptsRanges() const { return m_acceptRanges; }

private:
    long m_status = 0;
    std::int64_t m_contentLength = -1;
    std::optional<ContentRange> m_contentRange;
    bool m_contentRangeMalformed = false;
    std::string m_contentDisposition;
    std::string m_etag;
    std::string m_lastModified;
    std::string m_contentType;
    bool m_acceptRanges = false;
};

} // namespace maria2
