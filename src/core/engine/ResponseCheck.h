#pragma once
// The check at a connection's first body byte: is this response the file this download has
// bytes of, and may its bytes be written where they were asked for? Pure: no Job, no curl
// handle, no file; the Job acts on the verdict (JobResponses.cpp).
#include "core/engine/HttpResponse.h"

#include <cstdint>
#include <optional>
#include <string>

namespace maria2 {

// What this connection asked for.
struct RangeAsked {
    std::int64_t begin = 0; // first byte
    std::int64_t end = -1;  // exclusive; -1 = to the end of the file
    bool ranged = false;    // a Range header was sent (also "bytes=0-", to learn of ranges)
    bool planned = false;   // a planner's segment (not the single stream)
    bool alone = true;      // the download's only open connection
};

// What the download knows of the file so far (from an earlier response or its control file).
struct KnownFile {
    std::int64_t total = -1;
    std::string etag;
    std::string lastModified;
    std::string contentType;
    bool sameUrl = true; // the URL asked is the one the bytes on disk came from
};

struct ResponseVerdict {
    enum class Kind {
        Accept,        // write from the byte asked for
        AcceptWhole,   // the only connection got the whole file: write from byte 0 instead
        ErrorStatus,   // not 2xx: the body is not the file
        BadRange,      // a 206 starting elsewhere than asked
        FileChanged,   // size or ETag differ from the bytes on disk
        LinkExpired,   // an HTML page where a binary was expected
        RangesIgnored, // a 200 to a range request on a secondary connection
    };
    Kind kind = Kind::Accept;
    std::int64_t total = -1;        // the file's size by this response (-1 unknown)
    std::optional<bool> rangesWork; // what this response proves about ranges (nullopt: nothing)
    std::string message;            // why, for the log and the person (empty for ErrorStatus)

    bool accepted() const { return kind == Kind::Accept || kind == Kind::AcceptWhole; }
};

ResponseVerdict checkResponse(const RangeAsked& asked, const KnownFile& known,
                              const HttpResponse& response);

} // namespace maria2
