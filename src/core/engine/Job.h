#pragma once
// One download as the engine runs it: its easy handle for the current attempt, the part file,
// the naming decision, response validation, and what to do when an attempt ends.
// Lives on its engine's thread only; nothing else touches it.
#include "core/config/Config.h"
#include "core/engine/DownloadTypes.h"
#include "core/engine/HttpResponse.h"
#include "core/engine/SpeedMeter.h"
#include "core/io/PartFile.h"
#include "core/retry/RetryPolicy.h"

#include <curl/curl.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace maria2 {

class Job;

// What a Job needs from its engine: names other downloads hold, and a way to report changes.
class JobHost {
public:
    virtual ~JobHost() = default;
    virtual bool isPathReserved(const std::filesystem::path& path) const = 0;
    virtual void reservePath(const std::filesystem::path& path, DownloadId id) = 0;
    virtual void releasePath(const std::filesystem::path& path) = 0;
    virtual void jobStateChanged(Job& job) = 0;
};

class Job {
public:
    using Clock = std::chrono::steady_clock;

    Job(DownloadId id, DownloadRequest request, const Config& config, JobHost& host);
    ~Job();
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    DownloadId id() const { return m_id; }
    DownloadState state() const { return m_state; }
    // Changes the state and tells the host (which tells the front ends at once).
    void setState(DownloadState state);

    // Prepares a fresh easy handle for the next attempt (resuming from the bytes on disk).
    // Returns nullptr if the download failed locally (state is then Failed).
    CURL* beginAttempt();
    CURL* easy() const { return m_easy; }

    // The multi handle reported this attempt done (the engine has already removed the easy
    // handle from it). Moves to Completed, Retrying, Queued (restart at once) or Failed.
    void finishAttempt(CURLcode result);

    // Pause or shutdown: drops the easy handle (already removed from the multi) and flushes
    // the part file so a later run resumes byte-exactly.
    void interrupt();
    // Deletes what this download wrote: the part and control files, or the finished file.
    void deleteFiles();
    void releaseName();

    Clock::time_point nextRetryAt() const { return m_nextRetryAt; }
    void sampleSpeed(Clock::time_point now) { m_speed.sample(now, m_done); }
    DownloadSnapshot snapshot(Clock::time_point now) const;

private:
    static size_t writeCallback(char* data, size_t size, size_t count, void* self);
    static size_t headerCallback(char* data, size_t size, size_t count, void* self);
    static int debugCallback(CURL*, curl_infotype type, char* data, size_t size, void* self);

    enum class Abort { None, HttpStatus, BadRange, FileChanged, TooMuchData, Io, Local };

    void adoptExistingPart();
    bool onBodyStart();
    bool chooseName();
    bool openPart(bool truncate);
    void saveControl();
    void complete();
    void fail(ErrorCode code, const std::string& message);
    void restartFromZero(const std::string& why);
    void closeEasy();
    std::string describeFailure(CURLcode result, long status) const;
    bool isHttp() const;

    DownloadId m_id;
    DownloadRequest m_request;
    NetworkSettings m_network;
    RetryPolicy m_retry;
    JobHost& m_host;
    std::int64_t m_addedAtMs;

    DownloadState m_state = DownloadState::Queued;
    ErrorCode m_error = ErrorCode::Ok;
    std::string m_errorMessage;
    int m_attempts = 0;
    int m_failuresWithoutProgress = 0;
    Clock::time_point m_nextRetryAt{};

    std::filesystem::path m_dir;
    std::filesystem::path m_finalPath; // empty until the name is decided
    std::filesystem::path m_partPath;
    io::PartFile m_file;

    std::int64_t m_total = -1;
    std::int64_t m_done = 0;       // contiguous bytes on disk from offset 0
    std::int64_t m_resumeFrom = 0; // what this attempt asked for
    std::int64_t m_writeOffset = 0;
    std::int64_t m_attemptBytes = 0;
    bool m_bodyStarted = false;
    std::string m_etag;
    std::string m_lastModified;
    bool m_controlSaved = false;

    HttpResponse m_response;
    Abort m_abort = Abort::None;
    std::string m_abortMessage;
    io::IoError m_ioError;

    CURL* m_easy = nullptr;
    curl_slist* m_headers = nullptr;
    char m_errorBuffer[CURL_ERROR_SIZE] = {};
    SpeedMeter m_speed;
};

} // namespace maria2
