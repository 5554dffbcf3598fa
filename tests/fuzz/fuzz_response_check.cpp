// libFuzzer target: the verdict on a response's first body byte (core/engine/ResponseCheck),
// fed with what a server controls (status, lengths, Content-Range, validators, type) and what
// the download asked and knew. The input is "key=value" lines, so seeds stay readable:
//   status=206  length=100  range=bytes 100-199/1000  etag="a"  modified=...  type=text/html
//   accept=bytes  http=1  begin=100  end=200  ranged=1  planned=1  alone=0
//   known.total=1000  known.etag="a"  known.modified=...  known.type=...  known.sameUrl=1
#include "FuzzCheck.h"

#include "core/engine/ResponseCheck.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

using namespace maria2;

namespace {

std::int64_t number(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::asText(data, size);
    HttpResponse r;
    r.http = true;
    RangeAsked asked;
    KnownFile known;
    while (!input.empty()) {
        const auto newline = input.find('\n');
        const std::string_view line = input.substr(0, newline);
        input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "status") {
            r.status = static_cast<long>(number(value));
        } else if (key == "length") {
            r.contentLength = number(value);
        } else if (key == "range") {
            // As readResponse fills them in.
            r.contentRange = parseContentRange(value);
            r.contentRangeMalformed = !r.contentRange;
        } else if (key == "etag") {
            r.etag = value;
        } else if (key == "modified") {
            r.lastModified = value;
        } else if (key == "type") {
            r.contentType = value;
        } else if (key == "accept") {
            r.acceptsRanges = acceptsByteRanges(value);
        } else if (key == "http") {
            r.http = number(value) != 0;
        } else if (key == "begin") {
            asked.begin = number(value);
        } else if (key == "end") {
            asked.end = number(value);
        } else if (key == "ranged") {
            asked.ranged = number(value) != 0;
        } else if (key == "planned") {
            asked.planned = number(value) != 0;
        } else if (key == "alone") {
            asked.alone = number(value) != 0;
        } else if (key == "known.total") {
            known.total = number(value);
        } else if (key == "known.etag") {
            known.etag = value;
        } else if (key == "known.modified") {
            known.lastModified = value;
        } else if (key == "known.type") {
            known.contentType = value;
        } else if (key == "known.sameUrl") {
            known.sameUrl = number(value) != 0;
        }
    }
    // What the callers guarantee: libcurl reports a length of -1 when unknown, a request
    // starts at a byte of the file and ends after it (or -1), a known size is -1 or a size.
    if (r.contentLength < -1 || asked.begin < 0 || asked.end < -1 ||
        (asked.end >= 0 && asked.end <= asked.begin) || known.total < -1) {
        return 0;
    }

    const ResponseVerdict v = checkResponse(asked, known, r);
    MARIA2_FUZZ_CHECK(v.total >= -1, "verdict with a negative file size");
    if (!v.accepted()) {
        return 0;
    }
    if (r.isHttp()) {
        MARIA2_FUZZ_CHECK(r.status >= 200 && r.status < 300, "accepted a non-2xx response");
        if (r.status == 206) {
            MARIA2_FUZZ_CHECK(r.contentRange && r.contentRange->first == asked.begin,
                              "accepted a 206 that does not start at the byte asked for");
        }
    }
    MARIA2_FUZZ_CHECK(known.total < 0 || v.total < 0 || v.total == known.total,
                      "accepted a response whose size differs from the known one");
    if (v.kind == ResponseVerdict::Kind::AcceptWhole) {
        MARIA2_FUZZ_CHECK(asked.alone && !asked.planned,
                          "a secondary connection was told to write the whole file");
    }
    return 0;
}
