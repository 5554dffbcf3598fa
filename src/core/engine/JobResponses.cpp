// Job's response checks: everything decided at a connection's first body byte, before any
// byte touches the disk — is this the file we have bytes of, where do its bytes go, what is it
// called. Connections and their callbacks are in JobConnections.cpp.
#include "core/engine/Job.h"

#include "core/io/ControlFile.h"
#include "core/naming/FileNaming.h"

#include <spdlog/spdlog.h>

#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kPreallocateFrom = std::int64_t{1} << 20;
} // namespace

namespace {

bool isHtml(const std::string& contentType) {
    return contentType.rfind("text/html", 0) == 0;
}

} // namespace

bool Job::onBodyStart(Connection& c) {
    std::int64_t total = -1;
    if (!validateResponse(c, &total) || !prepareFile(c, total)) {
        return false;
    }
    long version = 0;
    curl_easy_getinfo(c.easy, CURLINFO_HTTP_VERSION, &version);
    m_httpVersion = version == CURL_HTTP_VERSION_1_0   ? 10
                    : version == CURL_HTTP_VERSION_1_1 ? 11
                    : version == CURL_HTTP_VERSION_2_0 ? 20
                    : version == CURL_HTTP_VERSION_3   ? 30
                                                       : 0;
    if (!m_metadataSent) {
        m_metadataSent = true;
        ResponseMetadata meta;
        meta.id = m_id;
        meta.url = m_request.url;
        char* effective = nullptr;
        curl_easy_getinfo(c.easy, CURLINFO_EFFECTIVE_URL, &effective);
        meta.finalUrl = effective != nullptr ? effective : m_request.url;
        meta.size = m_total;
        meta.acceptRanges = m_rangesOk;
        meta.etag = m_etag;
        meta.lastModified = m_lastModified;
        meta.contentType = m_contentType;
        meta.fileName = m_finalPath.filename().string();
        meta.httpVersion = m_httpVersion;
        m_host.metadataSeen(meta);
    }
    if (m_state == DownloadState::Connecting || m_state == DownloadState::Stalled) {
        setState(DownloadState::Downloading);
    }
    return true;
}

bool Job::validateResponse(Connection& c, std::int64_t* total) {
    using Stop = Connection::Stop;
    const HttpResponse& r = c.response;
    if (!r.isHttp()) {
        // FTP: libcurl reports the bytes still to come after a REST.
        curl_off_t remaining = -1;
        curl_easy_getinfo(c.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &remaining);
        *total = c.requestEnd >= 0 ? m_total : (remaining >= 0 ? c.requestBegin + remaining : -1);
        if (*total >= 0 && m_total >= 0 && *total != m_total) {
            c.stop = Stop::FileChanged;
            c.stopMessage = "the size changed from " + std::to_string(m_total) + " to " +
                            std::to_string(*total) + " bytes";
            return false;
        }
        m_rangesOk = m_rangesOk || *total >= 0; // FTP servers resume with REST
        return true;
    }
    const long status = r.status();
    if (status < 200 || status >= 300) {
        c.stop = Stop::HttpStatus;
        return false;
    }
    if (status == 206) {
        const auto& range = r.contentRange();
        if (!range || range->first != c.requestBegin) {
            c.stop = Stop::BadRange;
            c.stopMessage =
                "the server answered a request for bytes " + std::to_string(c.requestBegin) +
                "- with Content-Range " +
                (range ? std::to_string(range->first) + "-" + std::to_string(range->last)
                       : std::string("missing or malformed"));
            return false;
        }
        *total = range->total;
        m_rangesOk = true;
    } else {
        *total = r.contentLength();
    }
    // A 200 to a range request is the whole body of *something*. What it is decides what it
    // means, so the file checks below run first: a login page is LinkExpired and a new version
    // is FileChanged; only the same file means a server that ignores ranges.
    const bool wholeInsteadOfRange =
        status != 206 && (c.requestBegin > 0 || c.segmentId != 0 || c.requestEnd >= 0);
    // Is this still the file we have bytes of?
    const bool sameUrl = m_request.url == m_controlUrl;
    if (m_total >= 0 && *total >= 0 && *total != m_total) {
        if (isHtml(r.contentType()) && !isHtml(m_contentType)) {
            c.stop = Stop::NotTheFile;
            c.stopMessage = "the server now sends an HTML page (" + std::to_string(*total) +
                            " bytes) instead of the file (" + std::to_string(m_total) +
                            " bytes): the link has probably expired";
        } else {
            c.stop = Stop::FileChanged;
            c.stopMessage = "the size changed from " + std::to_string(m_total) + " to " +
                            std::to_string(*total) + " bytes";
        }
        return false;
    }
    if (!m_etag.empty() && !r.etag().empty() && r.etag() != m_etag &&
        (sameUrl || r.lastModified() != m_lastModified)) {
        c.stop = Stop::FileChanged;
        c.stopMessage = "the ETag changed from " + m_etag + " to " + r.etag();
        return false;
    }
    if (m_total >= 0 && isHtml(r.contentType()) && !m_contentType.empty() &&
        !isHtml(m_contentType)) {
        c.stop = Stop::NotTheFile;
        c.stopMessage = "the server now sends an HTML page instead of the file: the link has "
                        "probably expired";
        return false;
    }
    if (wholeInsteadOfRange) {
        if (m_connections.size() > 1 || c.segmentId != 0) {
            c.stop = Stop::NoRanges; // a secondary connection: the others carry on
            return false;
        }
        // The only connection got the whole file: the server ignores ranges. It sends from
        // byte 0, so that is where writing starts again.
        spdlog::warn("[#{}] the server sent the whole file instead of bytes {}- (no range "
                     "support); starting over from zero",
                     m_id, c.requestBegin);
        if (!forgetBytesOnDisk()) { // (m_rangesOk is decided just below from this response)
            c.stop = Stop::Io;
            c.stopMessage = m_ioError.message;
            return false;
        }
        c.requestBegin = 0;
        c.requestEnd = -1;
        c.writeOffset = 0;
    }
    if (status != 206) {
        m_rangesOk = c.ranged ? false : r.acceptsRanges();
    }
    if (r.etag() != m_etag || r.lastModified() != m_lastModified ||
        (m_contentType.empty() && !r.contentType().empty())) {
        m_controlDirty = true;
    }
    if (m_etag.empty() || sameUrl) {
        m_etag = r.etag();
        m_lastModified = r.lastModified();
    }
    if (m_contentType.empty()) {
        m_contentType = r.contentType();
    }
    return true;
}

bool Job::prepareFile(Connection& c, std::int64_t total) {
    using Stop = Connection::Stop;
    if (total >= 0 && total != m_total) {
        m_total = total;
        m_controlDirty = true;
    }
    if (m_finalPath.empty() && !chooseName(c)) {
        return false;
    }
    if (!m_file.isOpen() && !openPart(false)) {
        c.stop = Stop::Io;
        c.stopMessage = m_ioError.message;
        return false;
    }
    if (!m_planner && m_total >= 0 && m_rangesOk) {
        const std::int64_t minSplit =
            m_request.minSplitSize > 0 ? m_request.minSplitSize : m_download.minSplitSize;
        m_planner.emplace(m_total, std::max<std::int64_t>(1, minSplit));
        m_planner->markWritten(m_linear);
        // The first request was open-ended and keeps the whole file until splitNow() says more
        // connections pay off; then the others take over halves of its range.
        if (const auto segment = m_planner->claim({c.requestBegin, m_total})) {
            c.segmentId = segment->id;
        }
        m_linear.clear();
    }
    if (!m_allocated && m_total > 0 && m_download.preallocate) {
        std::error_code ec;
        const auto space = fs::space(m_dir, ec);
        const std::int64_t have = std::max<std::int64_t>(0, m_file.size());
        if (!ec && static_cast<std::int64_t>(space.available) < m_total - have) {
            c.stop = Stop::Io;
            m_ioError.diskFull = true;
            c.stopMessage = "not enough free space in '" + m_dir.string() + "': the file needs " +
                            std::to_string(m_total) + " bytes, " + std::to_string(space.available) +
                            " are free";
            return false;
        }
        // A small file neither fragments nor fills a disk by surprise: reserving it costs more
        // than it saves (the free space was checked all the same).
        if (m_total >= kPreallocateFrom && !m_file.allocateInBackground(m_total, &m_ioError)) {
            c.stop = Stop::Io;
            c.stopMessage = m_ioError.message;
            return false;
        }
        m_allocated = true;
    }
    if (m_controlDirty) {
        // The control file must exist before the part file can hold anything but contiguous
        // bytes from 0 (preallocated zeros, or segments): a part file found without one is read
        // as "its size is what we have". One connection writing a small file in order is just
        // that, so its control file waits for the periodic save; most such files finish first.
        const bool contiguousOnly =
            m_total < kPreallocateFrom && wantedConnections() <= 1 && !m_resumed;
        if (contiguousOnly) {
            m_nextSave = std::max(m_nextSave, Clock::now() + std::chrono::milliseconds(
                                                                 m_download.controlSaveIntervalMs));
        } else {
            saveResumeData(true);
        }
    }
    return true;
}

bool Job::chooseName(Connection& c) {
    char* effective = nullptr;
    curl_easy_getinfo(c.easy, CURLINFO_EFFECTIVE_URL, &effective);
    // The final URL after redirects names the file best (download links often redirect to
    // the real file); fall back to the URL the person gave.
    std::string urlForName = m_request.url;
    if (effective != nullptr && naming::fileNameFromUrl(effective)) {
        urlForName = effective;
    }
    const std::string name =
        naming::chooseFileName(m_request.fileName, c.response.contentDisposition(), urlForName);
    const bool overwrite = m_request.allowOverwrite;
    const auto taken = [this, overwrite](const fs::path& p) {
        if (m_host.isPathReserved(p)) {
            return true;
        }
        std::error_code ec;
        return !overwrite && (fs::exists(p, ec) || fs::exists(io::partPathFor(p), ec));
    };
    try {
        m_finalPath = naming::uniquePath(m_dir, name, taken);
    } catch (const std::exception& e) { // every "name (N)" is taken: never throw through curl
        c.stop = Connection::Stop::Local;
        c.stopMessage = e.what();
        return false;
    }
    if (!naming::isInside(m_dir, m_finalPath)) {
        c.stop = Connection::Stop::Local;
        c.stopMessage = "refusing to write outside the download folder: " + m_finalPath.string();
        m_finalPath.clear();
        return false;
    }
    m_partPath = io::partPathFor(m_finalPath);
    m_host.reservePath(m_finalPath, m_id);
    spdlog::info("[#{}] saving as {}", m_id, m_finalPath.string());
    if (!openPart(true)) {
        c.stop = Connection::Stop::Io;
        c.stopMessage = m_ioError.message;
        return false;
    }
    return true;
}

bool Job::openPart(bool truncate) {
    finishPendingSave(true); // a flush in flight still uses the old descriptor
    return m_file.open(m_partPath, truncate, &m_ioError);
}

} // namespace maria2
