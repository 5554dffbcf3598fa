#pragma once
// Plain values shared by the engine and its front ends: ids, states, requests, snapshots.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace maria2 {

using DownloadId = std::uint64_t;

// What a person sees. Kept small and honest: a slow but live transfer is Downloading,
// never Failed.
enum class DownloadState {
    Queued,      // waiting for a slot
    Connecting,  // request sent, no body bytes yet
    Downloading, // body bytes flowing
    Retrying,    // a transient failure; next attempt at nextRetryAt
    Paused,      // by the user, or interrupted by shutdown (resumable)
    Completed,   // renamed to its final name
    Failed,      // gave up; see error
    Removed,     // taken off the list
};

const char* toString(DownloadState state);
bool isFinal(DownloadState state);  // Completed, Failed, Removed
bool isActive(DownloadState state); // Connecting, Downloading

// aria2's exit codes (docs/exit-codes.md). Values are stable: scripts depend on them.
enum class ErrorCode : int {
    Ok = 0,
    Unknown = 1,
    Timeout = 2,
    NotFound = 3,
    TooManyNotFound = 4,
    TooSlow = 5,
    Network = 6,
    Unfinished = 7,
    ResumeUnsupported = 8,
    DiskFull = 9,
    FileExists = 13,
    RenameFailed = 14,
    CannotOpenFile = 15,
    CannotCreateFile = 16,
    FileIo = 17,
    CannotCreateDir = 18,
    NameResolution = 19,
    FtpCommand = 21,
    BadHttpResponse = 22,
    TooManyRedirects = 23,
    AuthFailed = 24,
    BadOption = 28,
    ServerOverloaded = 29,
    ChecksumMismatch = 32,
};

const char* describe(ErrorCode code); // short English phrase, e.g. "resource not found"

struct DownloadRequest {
    std::string url;
    std::string directory;            // target folder (created if missing)
    std::string fileName;             // -o; empty = from the server / URL
    std::vector<std::string> headers; // extra "Name: value" request headers
    std::string userAgent;            // empty = config default
    std::string referer;
    bool allowOverwrite = false;
    bool continuePartial = true; // -c: resume an existing NAME.part
    bool startPaused = false;
};

// A value copy of one download's state, safe to hand to any thread.
struct DownloadSnapshot {
    DownloadId id = 0;
    DownloadState state = DownloadState::Queued;
    std::string url; // as given (credentials redacted)
    std::string directory;
    std::string fileName;         // final name (once known), without .part
    std::string filePath;         // where the finished file is / will be
    std::int64_t totalBytes = -1; // -1 = unknown
    std::int64_t doneBytes = 0;
    double speedBytesPerSec = 0; // smoothed
    double etaSeconds = -1;      // -1 = unknown
    int connections = 0;
    int attempt = 0;                 // tries so far
    std::int64_t nextRetryInMs = -1; // when Retrying
    ErrorCode error = ErrorCode::Ok;
    std::string errorMessage;   // human readable, names the cause
    std::int64_t addedAtMs = 0; // unix epoch ms
};

} // namespace maria2
