#pragma once
// What a download teaches the pool: the response's metadata as soon as it is validated (for
// the metadata cache), and how the transfer went when it ends (for the host profile and the
// learner). Plain values, sent on the engine thread through EngineListener.
#include "core/types/DownloadTypes.h"

#include <cstdint>
#include <string>

namespace maria2 {

struct ResponseMetadata {
    DownloadId id = 0;
    std::string url;      // as requested
    std::string finalUrl; // after redirects
    std::int64_t size = -1;
    bool acceptRanges = false; // proven (a 206 to a range request, or FTP REST)
    std::string etag;
    std::string lastModified;
    std::string contentType;
    std::string fileName;
    int httpVersion = 0; // 10, 11, 20, 30; 0 = not HTTP
};

struct TransferReport {
    DownloadId id = 0;
    std::string url;
    std::string engine;       // filled in by the engine
    bool ok = false;          // completed (verified where asked)
    std::int64_t bytes = 0;   // received in this run
    double activeSeconds = 0; // from the first connection to the end of the last
    int peakConnections = 0;  // most connections open at once
    double ttfbSeconds = -1;  // first connection: request to first body byte
    int httpVersion = 0;
    long lastHttpStatus = 0;
    bool throttled = false; // the server answered 429 or 503
    int resets = 0;         // connections that failed mid-transfer
    bool limited = false;   // a speed limit held it back: its speed says nothing of the server
};

} // namespace maria2
