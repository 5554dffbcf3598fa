#include "core/types/DownloadTypes.h"

namespace maria2 {

const char* toString(DownloadState state) {
    switch (state) {
    case DownloadState::Queued:
        return "queued";
    case DownloadState::Connecting:
        return "connecting";
    case DownloadState::Downloading:
        return "downloading";
    case DownloadState::Stalled:
        return "stalled";
    case DownloadState::Verifying:
        return "verifying";
    case DownloadState::LinkExpired:
        return "link expired";
    case DownloadState::FileChanged:
        return "file changed on server";
    case DownloadState::Retrying:
        return "retrying";
    case DownloadState::Paused:
        return "paused";
    case DownloadState::Completed:
        return "completed";
    case DownloadState::Failed:
        return "failed";
    case DownloadState::Removed:
        return "removed";
    }
    return "unknown";
}

bool isFinal(DownloadState state) {
    return state == DownloadState::Completed || state == DownloadState::Failed ||
           state == DownloadState::Removed;
}

bool isActive(DownloadState state) {
    return state == DownloadState::Connecting || state == DownloadState::Downloading ||
           state == DownloadState::Stalled;
}

bool isBusy(DownloadState state) {
    return isActive(state) || state == DownloadState::Retrying || state == DownloadState::Verifying;
}

bool needsAttention(DownloadState state) {
    return state == DownloadState::LinkExpired || state == DownloadState::FileChanged;
}

const char* describe(ErrorCode code) {
    switch (code) {
    case ErrorCode::Ok:
        return "finished";
    case ErrorCode::Unknown:
        return "unknown error";
    case ErrorCode::Timeout:
        return "time-out";
    case ErrorCode::NotFound:
        return "resource not found";
    case ErrorCode::TooManyNotFound:
        return "too many 'resource not found' errors";
    case ErrorCode::TooSlow:
        return "download too slow";
    case ErrorCode::Network:
        return "network problem";
    case ErrorCode::Unfinished:
        return "unfinished download";
    case ErrorCode::ResumeUnsupported:
        return "server cannot resume";
    case ErrorCode::DiskFull:
        return "not enough disk space";
    case ErrorCode::FileExists:
        return "file already exists";
    case ErrorCode::RenameFailed:
        return "renaming the file failed";
    case ErrorCode::CannotOpenFile:
        return "could not open the existing file";
    case ErrorCode::CannotCreateFile:
        return "could not create the file";
    case ErrorCode::FileIo:
        return "file I/O error";
    case ErrorCode::CannotCreateDir:
        return "could not create the directory";
    case ErrorCode::NameResolution:
        return "name resolution failed";
    case ErrorCode::FtpCommand:
        return "FTP command failed";
    case ErrorCode::BadHttpResponse:
        return "bad or unexpected HTTP response";
    case ErrorCode::TooManyRedirects:
        return "too many redirects";
    case ErrorCode::AuthFailed:
        return "authorization failed";
    case ErrorCode::BadOption:
        return "bad option";
    case ErrorCode::ServerOverloaded:
        return "server overloaded";
    case ErrorCode::ChecksumMismatch:
        return "checksum mismatch";
    }
    return "unknown error";
}

} // namespace maria2

namespace maria2 {

bool isTransient(ErrorCode code) {
    switch (code) {
    case ErrorCode::Timeout:
    case ErrorCode::TooSlow:
    case ErrorCode::Network:
    case ErrorCode::Unfinished:
    case ErrorCode::NameResolution:
    case ErrorCode::ServerOverloaded:
    case ErrorCode::BadHttpResponse:
        return true;
    default:
        return false;
    }
}

const char* toString(Bottleneck bottleneck) {
    switch (bottleneck) {
    case Bottleneck::None:
        return "none";
    case Bottleneck::Network:
        return "network";
    case Bottleneck::ServerCap:
        return "server-cap";
    case Bottleneck::SpeedLimit:
        return "speed-limit";
    case Bottleneck::DownloadLimit:
        return "download-limit";
    case Bottleneck::ThrottledCpu:
        return "throttled-cpu";
    case Bottleneck::ThrottledMemory:
        return "throttled-memory";
    case Bottleneck::DiskBound:
        return "disk-bound";
    case Bottleneck::DiskFull:
        return "disk-full";
    case Bottleneck::WaitingSlot:
        return "waiting-slot";
    case Bottleneck::WaitingHost:
        return "waiting-host";
    case Bottleneck::WaitingWindow:
        return "waiting-window";
    case Bottleneck::WaitingRetry:
        return "waiting-retry";
    }
    return "none";
}

const char* describe(Bottleneck bottleneck) {
    switch (bottleneck) {
    case Bottleneck::None:
        return "";
    case Bottleneck::Network:
        return "network-bound";
    case Bottleneck::ServerCap:
        return "server caps each connection";
    case Bottleneck::SpeedLimit:
        return "speed limit";
    case Bottleneck::DownloadLimit:
        return "this download's speed limit";
    case Bottleneck::ThrottledCpu:
        return "throttled: CPU busy";
    case Bottleneck::ThrottledMemory:
        return "throttled: memory low";
    case Bottleneck::DiskBound:
        return "disk-bound";
    case Bottleneck::DiskFull:
        return "paused: disk almost full";
    case Bottleneck::WaitingSlot:
        return "waiting for a slot";
    case Bottleneck::WaitingHost:
        return "waiting: too many from this server";
    case Bottleneck::WaitingWindow:
        return "waiting for the time window";
    case Bottleneck::WaitingRetry:
        return "waiting to retry";
    }
    return "";
}

} // namespace maria2
