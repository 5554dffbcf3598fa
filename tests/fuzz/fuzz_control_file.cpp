// libFuzzer target: the control file read back from disk when a download resumes
// (core/io/ControlFile, NAME.part.maria2). Whatever the file says, a decoded one must describe
// a file a later run can trust: sizes >= -1 (unknown), ranges sorted, disjoint, non-empty and
// inside the file, and it must encode and decode to itself.
#include "FuzzCheck.h"

#include "core/io/ControlFile.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace maria2;

namespace {

void checkRanges(const std::vector<ByteRange>& ranges, std::int64_t total) {
    std::int64_t previousEnd = 0;
    for (const auto& r : ranges) {
        MARIA2_FUZZ_CHECK(r.begin >= 0, "range starting before the file");
        MARIA2_FUZZ_CHECK(r.begin >= previousEnd, "ranges out of order or overlapping");
        MARIA2_FUZZ_CHECK(r.end > r.begin, "empty or reversed range");
        MARIA2_FUZZ_CHECK(total < 0 || r.end <= total, "range past the end of the file");
        previousEnd = r.end;
    }
}

// The writing side with what a server controls: its validators and type are raw header bytes
// (any bytes, not only UTF-8). Saving must never throw (it runs on the I/O worker) and what is
// saved must load.
void checkEncodes(const std::string& text) {
    io::ControlData d;
    std::vector<std::string> parts(4);
    std::size_t part = 0;
    for (const char c : text) {
        if (c == '\n' && part + 1 < parts.size()) {
            ++part;
        } else {
            parts[part].push_back(c);
        }
    }
    d.url = parts[0];
    d.etag = parts[1];
    d.lastModified = parts[2];
    d.contentType = parts[3];
    d.totalBytes = static_cast<std::int64_t>(text.size()) * 1000;
    if (!text.empty()) {
        d.ranges = {{0, static_cast<std::int64_t>(text.size())}};
    }
    std::string error;
    const auto back = io::decodeControl(io::encodeControl(d), &error);
    MARIA2_FUZZ_CHECK(back.has_value(), "a control file as saved does not load");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    checkEncodes(text);
    std::string error;
    const auto decoded = io::decodeControl(text, &error);
    if (!decoded) {
        MARIA2_FUZZ_CHECK(!error.empty(), "control file refused without saying why");
        return 0;
    }
    const io::ControlData& d = *decoded;
    MARIA2_FUZZ_CHECK(d.totalBytes >= -1, "negative file size");
    checkRanges(d.ranges, d.totalBytes);
    checkRanges(d.written, d.totalBytes);
    checkRanges(io::trustedRanges(d, d.bootId), d.totalBytes);

    // What was read is written back as the same data (a version 1 file comes back as the
    // current version, which keeps its ranges empty).
    const auto again = io::decodeControl(io::encodeControl(d), &error);
    MARIA2_FUZZ_CHECK(again.has_value(), "an encoded control file does not decode");
    MARIA2_FUZZ_CHECK(again->url == d.url && again->totalBytes == d.totalBytes &&
                          again->etag == d.etag && again->lastModified == d.lastModified &&
                          again->contentType == d.contentType &&
                          again->acceptsRanges == d.acceptsRanges && again->ranges == d.ranges &&
                          again->written == d.written,
                      "control file does not survive encode + decode");
    return 0;
}
