#include "core/engine/ResponseCheck.h"

#include <limits>

namespace maria2 {
namespace {

bool isHtml(const std::string& contentType) {
    return contentType.rfind("text/html", 0) == 0;
}

ResponseVerdict reject(ResponseVerdict v, ResponseVerdict::Kind kind, std::string message) {
    v.kind = kind;
    v.message = std::move(message);
    return v;
}

std::string sizeChanged(std::int64_t from, std::int64_t to) {
    return "the size changed from " + std::to_string(from) + " to " + std::to_string(to) + " bytes";
}

} // namespace

ResponseVerdict checkResponse(const RangeAsked& asked, const KnownFile& known,
                              const HttpResponse& r) {
    using Kind = ResponseVerdict::Kind;
    ResponseVerdict v;
    if (!r.isHttp()) {
        // FTP: libcurl reports the bytes still to come after a REST. The server's number can
        // be anything up to 2^63 - 1; a file that would end past that is not a file.
        if (asked.end < 0 &&
            r.contentLength > std::numeric_limits<std::int64_t>::max() - asked.begin) {
            return reject(v, Kind::FileChanged,
                          "the server reports " + std::to_string(r.contentLength) +
                              " bytes after byte " + std::to_string(asked.begin) +
                              ", more than a file can hold");
        }
        v.total = asked.end >= 0 ? known.total
                                 : (r.contentLength >= 0 ? asked.begin + r.contentLength : -1);
        if (v.total >= 0 && known.total >= 0 && v.total != known.total) {
            return reject(v, Kind::FileChanged, sizeChanged(known.total, v.total));
        }
        if (v.total >= 0) {
            v.rangesWork = true; // FTP servers resume with REST
        }
        return v;
    }
    if (r.status < 200 || r.status >= 300) {
        v.kind = Kind::ErrorStatus;
        return v;
    }
    if (r.status == 206) {
        const auto& range = r.contentRange;
        if (!range || range->first != asked.begin) {
            return reject(
                v, Kind::BadRange,
                "the server answered a request for bytes " + std::to_string(asked.begin) +
                    "- with Content-Range " +
                    (range ? std::to_string(range->first) + "-" + std::to_string(range->last)
                           : std::string("missing or malformed")));
        }
        v.total = range->total;
        v.rangesWork = true;
    } else {
        v.total = r.contentLength;
    }
    // A 200 to a range request is the whole body of *something*. What it is decides what it
    // means, so the file checks below run first: a login page is LinkExpired and a new version
    // is FileChanged; only the same file means a server that ignores ranges.
    const bool wholeInsteadOfRange =
        r.status != 206 && (asked.begin > 0 || asked.planned || asked.end >= 0);
    if (known.total >= 0 && v.total >= 0 && v.total != known.total) {
        if (isHtml(r.contentType) && !isHtml(known.contentType)) {
            return reject(v, Kind::LinkExpired,
                          "the server now sends an HTML page (" + std::to_string(v.total) +
                              " bytes) instead of the file (" + std::to_string(known.total) +
                              " bytes): the link has probably expired");
        }
        return reject(v, Kind::FileChanged, sizeChanged(known.total, v.total));
    }
    if (!known.etag.empty() && !r.etag.empty() && r.etag != known.etag &&
        (known.sameUrl || r.lastModified != known.lastModified)) {
        return reject(v, Kind::FileChanged,
                      "the ETag changed from " + known.etag + " to " + r.etag);
    }
    if (known.total >= 0 && isHtml(r.contentType) && !known.contentType.empty() &&
        !isHtml(known.contentType)) {
        return reject(v, Kind::LinkExpired,
                      "the server now sends an HTML page instead of the file: the link has "
                      "probably expired");
    }
    if (wholeInsteadOfRange && (!asked.alone || asked.planned)) {
        return reject(v, Kind::RangesIgnored, "the server ignored a range request");
    }
    if (r.status != 206) {
        // A range was asked and a 200 came back: proven not to work. Asked without one, the
        // server's word is all there is.
        v.rangesWork = asked.ranged ? false : r.acceptsRanges;
    }
    if (wholeInsteadOfRange) {
        v.kind = Kind::AcceptWhole;
        v.message = "the server sent the whole file instead of bytes " +
                    std::to_string(asked.begin) + "- (no range support)";
    }
    return v;
}

} // namespace maria2
