#pragma once
// One connection of a download: a libcurl easy handle fetching one byte range (or the whole
// file) and writing it at its offsets. Owned by its Job's ConnectionSet; lives on the engine
// thread.
#include "core/engine/HttpResponse.h"
#include "core/engine/SpeedMeter.h"
#include "core/io/WriteBatch.h"
#include "core/net/CurlOptions.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace maria2 {

class Job;

struct Connection {
    using Clock = std::chrono::steady_clock;

    // Why the write callback stopped a transfer (curl then reports CURLE_WRITE_ERROR).
    enum class Stop {
        None,
        ReachedEnd,  // its segment is done (another connection took the tail): not an error
        HttpStatus,  // a status outside 2xx: the body is not the file
        BadRange,    // a 206 for bytes other than those asked for
        NoRanges,    // a 200 to a range request on a secondary connection
        FileChanged, // ETag/size differ from what this download is made of
        NotTheFile,  // an HTML page where a binary of known size was expected
        TooMuchData, // more bytes than the announced size
        Io,          // the disk refused the write
        Local,       // naming or similar local failure
    };

    Job* job = nullptr;
    CURL* easy = nullptr;
    net::RequestHeaders headers; // libcurl points into it: freed after the handle (members go
                                 // after the destructor's body)
    HttpResponse response;
    char errorBuffer[CURL_ERROR_SIZE] = {};

    int number = 0;                // as in the log: "connection 7: GET ..." (the Job's count)
    int segmentId = 0;             // 0 = not (yet) planned: a single stream
    std::int64_t requestBegin = 0; // first byte asked for
    std::int64_t requestEnd = -1;  // exclusive end asked for; -1 = to the end of the file
    bool ranged = false;           // a Range was sent
    std::int64_t writeOffset = 0;  // where its next byte goes (what `batch` holds comes before)
    std::int64_t bytes = 0;        // body bytes this connection took (counted as written)
    std::int64_t tunedBytes = -1;  // `bytes` at the last tuning sample (-1: opened since)
    io::WriteBatch batch;          // taken bytes not yet in the file (Job::writeBatch)
    bool bodyStarted = false;
    Stop stop = Stop::None;
    std::string stopMessage;

    SpeedMeter speed{std::chrono::milliseconds(5000)};
    Clock::time_point startedAt{};
    Clock::time_point firstByteAt{};
    Clock::time_point slowSince{};  // when it fell far behind its peers; {} = it has not
    Clock::time_point lastDataAt{}; // last body bytes (for the idle check under a limit)
    bool limiterPaused = false;     // returned CURL_WRITEFUNC_PAUSE: waiting for tokens
    Clock::time_point resumeAt{};   // when to ask the limiter again
    bool curlLowSpeed = false;      // libcurl's low-speed abort is set on this handle

    ~Connection() {
        if (easy != nullptr) {
            curl_easy_cleanup(easy);
        }
    }
};

} // namespace maria2
