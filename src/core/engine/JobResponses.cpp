// Job's response checks: everything decided at a connection's first body byte, before any
// byte touches the disk — is this the file we have bytes of, where do its bytes go, what is it
// called. Connections and their callbacks are in JobConnections.cpp.
#include "core/engine/Job.h"

#include "core/engine/ResponseCheck.h"
#include "core/io/ControlFile.h"
#include "core/io/PathText.h"
#include "core/naming/FileNaming.h"

#include <spdlog/spdlog.h>

#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kPreallocateFrom = std::int64_t{1} << 20;
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
        meta.fileName = io::pathText(m_finalPath.filename());
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
    using Kind = ResponseVerdict::Kind;
    const HttpResponse& r = c.response;
    const bool sameUrl = m_request.url == m_store.sourceUrl();
    const RangeAsked asked{c.requestBegin, c.requestEnd, c.ranged, c.segmentId != 0,
                           m_connections.size() <= 1};
    const KnownFile known{m_total, m_etag, m_lastModified, m_contentType, sameUrl};
    const ResponseVerdict verdict = checkResponse(asked, known, r);
    *total = verdict.total;
    if (verdict.rangesWork && verdict.kind != Kind::AcceptWhole) {
        m_rangesOk = *verdict.rangesWork; // (a 206 proves ranges even if the file is refused)
    }
    switch (verdict.kind) {
    case Kind::Accept:
        break;
    case Kind::AcceptWhole:
        // The only connection got the whole file: the server ignores ranges. It sends from
        // byte 0, so that is where writing starts again.
        spdlog::warn("[#{}] {}; starting over from zero", m_id, verdict.message);
        if (!forgetBytesOnDisk()) {
            c.stop = Stop::Io;
            c.stopMessage = m_ioError.message;
            return false;
        }
        m_rangesOk = verdict.rangesWork.value_or(false);
        c.requestBegin = 0;
        c.requestEnd = -1;
        c.writeOffset = 0;
        break;
    case Kind::ErrorStatus:
        c.stop = Stop::HttpStatus;
        return false;
    case Kind::BadRange:
        c.stop = Stop::BadRange;
        c.stopMessage = verdict.message;
        return false;
    case Kind::FileChanged:
        c.stop = Stop::FileChanged;
        c.stopMessage = verdict.message;
        return false;
    case Kind::LinkExpired:
        c.stop = Stop::NotTheFile;
        c.stopMessage = verdict.message;
        return false;
    case Kind::RangesIgnored:
        c.stop = Stop::NoRanges; // a secondary connection: the others carry on
        return false;
    }
    if (!r.isHttp()) {
        return true;
    }
    if (r.etag != m_etag || r.lastModified != m_lastModified ||
        (m_contentType.empty() && !r.contentType.empty())) {
        m_store.markDirty();
    }
    if (m_etag.empty() || sameUrl) {
        m_etag = r.etag;
        m_lastModified = r.lastModified;
    }
    if (m_contentType.empty()) {
        m_contentType = r.contentType;
    }
    return true;
}

bool Job::prepareFile(Connection& c, std::int64_t total) {
    using Stop = Connection::Stop;
    if (total >= 0 && total != m_total) {
        m_total = total;
        m_store.markDirty();
    }
    if (m_finalPath.empty() && !chooseName(c)) {
        return false;
    }
    if (!m_store.isOpen() && !openPart(io::PartFile::Mode::Reopen)) {
        c.stop = Stop::Io;
        c.stopMessage = m_ioError.message;
        return false;
    }
    if (!m_planner && m_total >= 0 && m_rangesOk && !m_plainRequests) {
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
    // A small file neither fragments nor fills a disk by surprise: reserving it costs more
    // than it saves, and so does asking for the free space first (a statfs and an fstat per
    // file of a long list); a full disk still shows at its first write, as DiskFull.
    if (!m_store.allocated() && m_total >= kPreallocateFrom && m_download.preallocate) {
        std::error_code ec;
        const auto space = fs::space(m_dir, ec);
        const std::int64_t have = std::max<std::int64_t>(0, m_store.file().size());
        if (!ec && static_cast<std::int64_t>(space.available) < m_total - have) {
            c.stop = Stop::Io;
            m_ioError.diskFull = true;
            c.stopMessage = "not enough free space in '" + io::pathText(m_dir) +
                            "': the file needs " + std::to_string(m_total) + " bytes, " +
                            std::to_string(space.available) + " are free";
            return false;
        }
        if (!m_store.file().allocateInBackground(m_total, &m_ioError)) {
            c.stop = Stop::Io;
            c.stopMessage = m_ioError.message;
            return false;
        }
        m_store.setAllocated(true);
    }
    if (m_store.dirty()) {
        // The control file must exist before the part file can hold anything but contiguous
        // bytes from 0 (preallocated zeros, or segments): a part file found without one is read
        // as "its size is what we have". One connection writing a small file in order is just
        // that, so its control file waits for the periodic save; most such files finish first.
        const bool contiguousOnly =
            m_total < kPreallocateFrom && wantedConnections() <= 1 && !m_resumed;
        if (contiguousOnly) {
            m_store.deferSave(Clock::now() +
                              std::chrono::milliseconds(m_download.controlSaveIntervalMs));
        } else {
            saveResumeData(true);
            if (auto failure = m_store.takeSaveFailure()) {
                c.stop = Stop::Io;
                m_ioError = *failure;
                c.stopMessage = failure->message;
                return false;
            }
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
        naming::chooseFileName(m_request.fileName, c.response.contentDisposition, urlForName);
    const bool overwrite = m_request.allowOverwrite;
    // A free name is claimed pool-wide as it is found: no other download of this process can
    // take it between the check and the part file's creation.
    const auto taken = [this, overwrite](const fs::path& p) {
        if (!m_host.names().claim(p, m_id)) {
            return true;
        }
        // Anything with the name counts, a dangling link too (fs::exists would follow it).
        std::error_code ec;
        const auto named = [&ec](const fs::path& q) {
            return fs::symlink_status(q, ec).type() != fs::file_type::not_found;
        };
        if (!overwrite && (named(p) || named(io::partPathFor(p)))) {
            m_host.names().release(p, m_id);
            return true;
        }
        return false;
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
        c.stopMessage =
            "refusing to write outside the download folder: " + io::pathText(m_finalPath);
        m_host.names().release(m_finalPath, m_id);
        m_finalPath.clear();
        return false;
    }
    m_store.setPath(io::partPathFor(m_finalPath));
    spdlog::info("[#{}] saving as {}", m_id, io::pathText(m_finalPath));
    // With overwrite allowed, whatever has the part's name goes (a link itself, not its target).
    if (!openPart(overwrite ? io::PartFile::Mode::Replace : io::PartFile::Mode::CreateNew)) {
        c.stop = Connection::Stop::Io;
        c.stopMessage = m_ioError.message;
        return false;
    }
    return true;
}

bool Job::openPart(io::PartFile::Mode mode) {
    return m_store.open(mode, &m_ioError); // (after the flush in flight, if any)
}

} // namespace maria2
