#include "core/engine/Job.h"

#include "Version.h"
#include "core/io/ControlFile.h"
#include "core/log/Log.h"
#include "core/naming/FileNaming.h"
#include "core/net/Url.h"

#include <spdlog/spdlog.h>

#include <random>
#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

namespace {

std::int64_t nowEpochMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double jitter() {
    thread_local std::mt19937 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool isWeakEtag(const std::string& etag) {
    return etag.rfind("W/", 0) == 0;
}

} // namespace

Job::Job(DownloadId id, DownloadRequest request, const Config& config, JobHost& host)
    : m_id(id)
    , m_request(std::move(request))
    , m_network(config.network)
    , m_retry(config.retry)
    , m_host(host)
    , m_addedAtMs(nowEpochMs())
    , m_dir(
          fs::path(m_request.directory.empty() ? config.download.directory : m_request.directory)) {
    if (m_dir.empty()) {
        m_dir = fs::current_path();
    }
}

Job::~Job() {
    closeEasy();
}

void Job::setState(DownloadState state) {
    if (state == m_state) {
        return;
    }
    m_state = state;
    if (state != DownloadState::Downloading) {
        m_speed.reset();
    }
    m_host.jobStateChanged(*this);
}

bool Job::isHttp() const {
    const std::string scheme = net::schemeOf(m_request.url);
    return scheme == "http" || scheme == "https";
}

void Job::closeEasy() {
    if (m_easy != nullptr) {
        curl_easy_cleanup(m_easy);
        m_easy = nullptr;
    }
    if (m_headers != nullptr) {
        curl_slist_free_all(m_headers);
        m_headers = nullptr;
    }
}

void Job::adoptExistingPart() {
    // With -c, a part file left by an earlier run under the name we would choose is resumed.
    std::string name = m_request.fileName;
    if (name.empty()) {
        name = naming::fileNameFromUrl(m_request.url).value_or("");
    }
    if (name.empty()) {
        return;
    }
    const fs::path finalPath = m_dir / naming::sanitizeFileName(name);
    const fs::path partPath = io::partPathFor(finalPath);
    std::error_code ec;
    if (!fs::is_regular_file(partPath, ec) || m_host.isPathReserved(finalPath)) {
        return;
    }
    m_finalPath = finalPath;
    m_partPath = partPath;
    m_host.reservePath(m_finalPath, m_id);
    if (!openPart(false)) {
        return;
    }
    m_done = m_file.size();
    std::string why;
    if (auto control = io::loadControl(io::controlPathFor(m_partPath), &why)) {
        m_total = control->totalBytes;
        m_etag = control->etag;
        m_lastModified = control->lastModified;
        m_controlSaved = true;
    } else {
        spdlog::info("[#{}] {}: no usable control file ({}); resuming without validators", m_id,
                     m_partPath.string(), why);
    }
    if (m_total >= 0 && m_done > m_total) {
        restartFromZero("the part file is larger than the file on the server");
    }
    spdlog::info("[#{}] resuming {} from byte {}", m_id, m_partPath.string(), m_done);
}

CURL* Job::beginAttempt() {
    closeEasy();
    std::string urlError;
    const auto parsed = net::parseUrl(m_request.url, &urlError);
    if (!parsed) {
        fail(ErrorCode::BadOption, urlError);
        return nullptr;
    }
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec || !fs::is_directory(m_dir)) {
        fail(ErrorCode::CannotCreateDir,
             "cannot create download folder '" + m_dir.string() + "': " + ec.message());
        return nullptr;
    }
    if (m_finalPath.empty() && m_request.continuePartial) {
        adoptExistingPart();
    }
    if (m_state == DownloadState::Failed) {
        return nullptr;
    }

    m_easy = curl_easy_init();
    if (m_easy == nullptr) {
        fail(ErrorCode::Unknown, "libcurl could not create a transfer");
        return nullptr;
    }
    ++m_attempts;
    m_response.reset();
    m_abort = Abort::None;
    m_abortMessage.clear();
    m_bodyStarted = false;
    m_attemptBytes = 0;
    m_resumeFrom = m_finalPath.empty() ? 0 : m_done;
    m_errorBuffer[0] = '\0';

    CURL* e = m_easy;
    curl_easy_setopt(e, CURLOPT_URL, parsed->url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, this);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, m_errorBuffer);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Job::writeCallback);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Job::headerCallback);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp,ftps");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(m_network.maxRedirects));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, static_cast<long>(m_network.connectTimeoutSeconds));
    if (m_network.lowSpeedLimitBytes > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
                         static_cast<long>(m_network.lowSpeedLimitBytes));
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                         static_cast<long>(m_network.lowSpeedTimeSeconds));
    }
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024L);
    const std::string defaultAgent = std::string("MAria2/") + kVersion;
    const std::string& agent = !m_request.userAgent.empty()   ? m_request.userAgent
                               : !m_network.userAgent.empty() ? m_network.userAgent
                                                              : defaultAgent;
    curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());
    if (!m_request.referer.empty()) {
        curl_easy_setopt(e, CURLOPT_REFERER, m_request.referer.c_str());
    }
    const long verify = m_network.checkCertificate ? 1L : 0L;
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, m_network.checkCertificate ? 2L : 0L);
    if (!m_network.caCertificate.empty()) {
        curl_easy_setopt(e, CURLOPT_CAINFO, m_network.caCertificate.c_str());
    }
    if (!m_network.proxy.empty()) {
        curl_easy_setopt(e, CURLOPT_PROXY, m_network.proxy.c_str());
    }
    for (const auto& header : m_request.headers) {
        m_headers = curl_slist_append(m_headers, header.c_str());
    }
    if (m_resumeFrom > 0) {
        if (isHttp()) {
            const std::string range = std::to_string(m_resumeFrom) + "-";
            curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
            // If-Range: the server sends the whole new file (200) rather than a range of a
            // different one, so old and new bytes are never spliced together.
            if (!m_etag.empty() && !isWeakEtag(m_etag)) {
                m_headers = curl_slist_append(m_headers, ("If-Range: " + m_etag).c_str());
            } else if (!m_lastModified.empty()) {
                m_headers = curl_slist_append(m_headers, ("If-Range: " + m_lastModified).c_str());
            }
        } else {
            curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(m_resumeFrom));
        }
    }
    if (m_headers != nullptr) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers);
    }
    if (spdlog::should_log(spdlog::level::debug)) {
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, &Job::debugCallback);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, this);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
    spdlog::info("[#{}] attempt {}: GET {}{}", m_id, m_attempts, net::redactUrl(m_request.url),
                 m_resumeFrom > 0 ? " from byte " + std::to_string(m_resumeFrom) : "");
    setState(DownloadState::Connecting);
    return e;
}

size_t Job::headerCallback(char* data, size_t size, size_t count, void* self) {
    auto* job = static_cast<Job*>(self);
    const size_t n = size * count;
    job->m_response.feed(std::string_view(data, n));
    return n;
}

int Job::debugCallback(CURL*, curl_infotype type, char* data, size_t size, void* self) {
    const auto* job = static_cast<Job*>(self);
    if (type == CURLINFO_HEADER_OUT || type == CURLINFO_HEADER_IN || type == CURLINFO_TEXT) {
        std::string_view text(data, size);
        // Request headers arrive as one block: redact line by line.
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string_view::npos) {
                end = text.size();
            }
            std::string line = log::redactHeader(text.substr(start, end - start));
            while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
                line.pop_back();
            }
            if (!line.empty()) {
                spdlog::debug("[#{}] {} {}", job->m_id,
                              type == CURLINFO_HEADER_OUT  ? '>'
                              : type == CURLINFO_HEADER_IN ? '<'
                                                           : '*',
                              line);
            }
            start = end + 1;
        }
    }
    return 0;
}

size_t Job::writeCallback(char* data, size_t size, size_t count, void* self) {
    auto* job = static_cast<Job*>(self);
    const size_t n = size * count;
    if (!job->m_bodyStarted) {
        if (!job->onBodyStart()) {
            return 0; // aborts the transfer with CURLE_WRITE_ERROR; m_abort says why
        }
        job->m_bodyStarted = true;
    }
    if (job->m_total >= 0 && job->m_writeOffset + static_cast<std::int64_t>(n) > job->m_total) {
        job->m_abort = Abort::TooMuchData;
        job->m_abortMessage = "the server sent more data than the announced size of " +
                              std::to_string(job->m_total) + " bytes";
        return 0;
    }
    if (!job->m_file.writeAt(job->m_writeOffset, data, n, &job->m_ioError)) {
        job->m_abort = Abort::Io;
        job->m_abortMessage = job->m_ioError.message;
        return 0;
    }
    job->m_writeOffset += static_cast<std::int64_t>(n);
    job->m_done = job->m_writeOffset;
    job->m_attemptBytes += static_cast<std::int64_t>(n);
    return n;
}

bool Job::onBodyStart() {
    std::int64_t total = -1;
    if (m_response.isHttp()) {
        const long status = m_response.status();
        if (status < 200 || status >= 300) {
            m_abort = Abort::HttpStatus;
            return false;
        }
        if (status == 206) {
            const auto& range = m_response.contentRange();
            if (!range || range->first != m_resumeFrom) {
                m_abort = Abort::BadRange;
                m_abortMessage =
                    "the server answered a request for bytes " + std::to_string(m_resumeFrom) +
                    "- with Content-Range '" +
                    (range ? std::to_string(range->first) + "-" + std::to_string(range->last)
                           : std::string("missing or malformed")) +
                    "'";
                return false;
            }
            const bool etagChanged =
                !m_etag.empty() && !m_response.etag().empty() && m_response.etag() != m_etag;
            const bool sizeChanged = m_total >= 0 && range->total >= 0 && range->total != m_total;
            if (etagChanged || sizeChanged) {
                m_abort = Abort::FileChanged;
                m_abortMessage = etagChanged ? "the ETag changed" : "the size changed";
                return false;
            }
            m_writeOffset = range->first;
            total = range->total;
        } else {
            if (m_resumeFrom > 0) {
                spdlog::warn("[#{}] the server sent the whole file instead of bytes {}- "
                             "(no range support, or the file changed); starting over",
                             m_id, m_resumeFrom);
                m_resumeFrom = 0;
                m_done = 0;
                m_controlSaved = false;
                if (m_file.isOpen() && !m_file.truncate(0, &m_ioError)) {
                    m_abort = Abort::Io;
                    m_abortMessage = m_ioError.message;
                    return false;
                }
            }
            m_writeOffset = 0;
            total = m_response.contentLength();
        }
        if (m_response.etag() != m_etag || m_response.lastModified() != m_lastModified) {
            m_controlSaved = false;
        }
        m_etag = m_response.etag();
        m_lastModified = m_response.lastModified();
    } else {
        // FTP: libcurl reports the bytes still to come after a REST.
        curl_off_t remaining = -1;
        curl_easy_getinfo(m_easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &remaining);
        m_writeOffset = m_resumeFrom;
        total = remaining >= 0 ? m_resumeFrom + remaining : -1;
    }
    if (total >= 0 && total != m_total) {
        m_total = total;
        m_controlSaved = false;
    }
    if (m_finalPath.empty() && !chooseName()) {
        return false;
    }
    if (!m_file.isOpen() && !openPart(m_writeOffset == 0)) {
        return false;
    }
    if (m_writeOffset == 0 && m_file.size() > 0 && !m_file.truncate(0, &m_ioError)) {
        m_abort = Abort::Io;
        m_abortMessage = m_ioError.message;
        return false;
    }
    saveControl();
    setState(DownloadState::Downloading);
    return true;
}

bool Job::chooseName() {
    char* effective = nullptr;
    curl_easy_getinfo(m_easy, CURLINFO_EFFECTIVE_URL, &effective);
    // The final URL after redirects names the file best (download links often redirect to
    // the real file); fall back to the URL the person gave.
    std::string urlForName = m_request.url;
    if (effective != nullptr && naming::fileNameFromUrl(effective)) {
        urlForName = effective;
    }
    const std::string name =
        naming::chooseFileName(m_request.fileName, m_response.contentDisposition(), urlForName);
    const bool overwrite = m_request.allowOverwrite;
    const auto taken = [this, overwrite](const fs::path& p) {
        if (m_host.isPathReserved(p)) {
            return true;
        }
        if (overwrite) {
            return false;
        }
        std::error_code ec;
        return fs::exists(p, ec) || fs::exists(io::partPathFor(p), ec);
    };
    try {
        m_finalPath = naming::uniquePath(m_dir, name, taken);
    } catch (const std::exception& e) { // every "name (N)" taken: never throw through curl
        m_abort = Abort::Local;
        m_abortMessage = e.what();
        return false;
    }
    if (!naming::isInside(m_dir, m_finalPath)) {
        m_abort = Abort::Local;
        m_abortMessage = "refusing to write outside the download folder: " + m_finalPath.string();
        m_finalPath.clear();
        return false;
    }
    m_partPath = io::partPathFor(m_finalPath);
    m_host.reservePath(m_finalPath, m_id);
    spdlog::info("[#{}] saving as {}", m_id, m_finalPath.string());
    return openPart(true);
}

bool Job::openPart(bool truncate) {
    if (!m_file.open(m_partPath, truncate, &m_ioError)) {
        m_abort = Abort::Io;
        m_abortMessage = m_ioError.message;
        return false;
    }
    return true;
}

void Job::saveControl() {
    if (m_controlSaved || m_partPath.empty()) {
        return;
    }
    io::ControlData data{m_request.url, m_total, m_etag, m_lastModified};
    std::string error;
    if (io::saveControl(io::controlPathFor(m_partPath), data, &error)) {
        m_controlSaved = true;
    } else {
        spdlog::warn("[#{}] cannot save resume data: {}", m_id, error);
    }
}

std::string Job::describeFailure(CURLcode result, long status) const {
    if (!m_abortMessage.empty()) {
        return m_abortMessage;
    }
    if (status >= 400 || (m_abort == Abort::HttpStatus && status > 0)) {
        return "the server answered HTTP " + std::to_string(status) + " (" +
               describe(RetryPolicy::classify(0, status)) + ")";
    }
    std::string message = m_errorBuffer[0] != '\0' ? m_errorBuffer : curl_easy_strerror(result);
    if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE) {
        message += " (TLS certificate not trusted; give its CA with --ca-certificate, or "
                   "--check-certificate=false if you trust this server)";
    }
    return message;
}

void Job::finishAttempt(CURLcode result) {
    const long status = m_response.isHttp() ? m_response.status() : 0;
    curl_off_t retryAfter = 0;
    if (m_easy != nullptr) {
        curl_easy_getinfo(m_easy, CURLINFO_RETRY_AFTER, &retryAfter);
    }
    const std::string failure = describeFailure(result, status);
    closeEasy();

    if (m_abort == Abort::FileChanged) {
        restartFromZero(m_abortMessage);
        return;
    }
    if (m_abort == Abort::Io) {
        m_file.close();
        fail(m_ioError.diskFull ? ErrorCode::DiskFull : ErrorCode::FileIo, failure);
        return;
    }
    if (m_abort == Abort::Local) {
        fail(ErrorCode::CannotCreateFile, failure);
        return;
    }
    if (status == 416 && m_resumeFrom > 0) {
        if (m_total >= 0 && m_done == m_total) {
            complete(); // the part file already held every byte
        } else {
            restartFromZero("the server cannot serve bytes " + std::to_string(m_resumeFrom) +
                            "- (416); the file on the server is shorter now");
        }
        return;
    }
    if (result == CURLE_OK && m_abort == Abort::None && status < 300) {
        if (!m_bodyStarted && !onBodyStart()) { // an empty file is still a file
            fail(ErrorCode::CannotCreateFile, m_abortMessage);
            return;
        }
        if (m_total < 0 || m_done == m_total) {
            complete();
            return;
        }
        result = CURLE_PARTIAL_FILE; // shorter than announced: continue where it stopped
    }

    AttemptOutcome outcome;
    outcome.curlCode = result;
    if (m_abort == Abort::HttpStatus || result == CURLE_OK) {
        outcome.httpStatus = status;
        if (status < 400) {
            outcome.curlCode = CURLE_WEIRD_SERVER_REPLY; // e.g. a 3xx with no Location
        }
    } else if (m_abort == Abort::BadRange) {
        outcome.curlCode = CURLE_RECV_ERROR; // worth another try, counted against MaxTries
    } else if (m_abort == Abort::TooMuchData) {
        outcome.curlCode = CURLE_WEIRD_SERVER_REPLY;
    }
    outcome.retryAfterSeconds = retryAfter;
    outcome.madeProgress = m_attemptBytes > 0;
    m_failuresWithoutProgress = outcome.madeProgress ? 1 : m_failuresWithoutProgress + 1;
    const RetryDecision decision = m_retry.decide(outcome, m_failuresWithoutProgress, jitter());
    if (m_file.isOpen()) {
        m_file.sync(&m_ioError);
    }
    if (decision.retry) {
        m_error = decision.error;
        m_errorMessage = failure;
        m_nextRetryAt = Clock::now() + decision.delay;
        spdlog::warn("[#{}] attempt {} failed: {}; retrying in {:.1f} s", m_id, m_attempts, failure,
                     static_cast<double>(decision.delay.count()) / 1000.0);
        setState(DownloadState::Retrying);
        return;
    }
    fail(decision.error == ErrorCode::Ok ? ErrorCode::Unknown : decision.error, failure);
}

void Job::restartFromZero(const std::string& why) {
    spdlog::warn("[#{}] starting over from zero: {}", m_id, why);
    m_done = 0;
    m_total = -1;
    m_etag.clear();
    m_lastModified.clear();
    m_controlSaved = false;
    if (m_file.isOpen()) {
        m_file.truncate(0, &m_ioError);
    }
    m_nextRetryAt = Clock::now();
    setState(DownloadState::Retrying);
}

void Job::complete() {
    if (!m_file.isOpen() && !openPart(false)) {
        fail(ErrorCode::CannotOpenFile, m_abortMessage);
        return;
    }
    if (!m_file.sync(&m_ioError)) {
        fail(ErrorCode::FileIo, m_ioError.message);
        return;
    }
    m_file.close();
    std::error_code ec;
    if (!m_request.allowOverwrite && fs::exists(m_finalPath, ec)) {
        // Someone created the name while we downloaded: never overwrite silently.
        const fs::path old = m_finalPath;
        const auto taken = [this](const fs::path& p) {
            std::error_code e;
            return m_host.isPathReserved(p) || fs::exists(p, e);
        };
        m_host.releasePath(old);
        try {
            m_finalPath = naming::uniquePath(m_dir, m_finalPath.filename().string(), taken);
        } catch (const std::exception& e) {
            fail(ErrorCode::FileExists, e.what());
            return;
        }
        m_host.reservePath(m_finalPath, m_id);
    }
    fs::rename(m_partPath, m_finalPath, ec);
    if (ec) {
        fail(ErrorCode::RenameFailed, "cannot rename '" + m_partPath.string() + "' to '" +
                                          m_finalPath.string() + "': " + ec.message());
        return;
    }
    fs::remove(io::controlPathFor(m_partPath), ec);
    // The finished file now guards its own name on disk; the reservation is for part files.
    m_host.releasePath(m_finalPath);
    if (m_total < 0) {
        m_total = m_done;
    }
    m_error = ErrorCode::Ok;
    m_errorMessage.clear();
    spdlog::info("[#{}] completed: {} ({} bytes)", m_id, m_finalPath.string(), m_done);
    setState(DownloadState::Completed);
}

void Job::fail(ErrorCode code, const std::string& message) {
    m_error = code;
    m_errorMessage = message;
    if (m_file.isOpen()) {
        m_file.sync(&m_ioError);
        m_file.close();
    }
    std::error_code ec;
    if (!m_partPath.empty() && m_done == 0) {
        // Nothing worth resuming: leave no empty husk behind.
        fs::remove(m_partPath, ec);
        fs::remove(io::controlPathFor(m_partPath), ec);
    }
    spdlog::warn("[#{}] failed (exit code {}): {}", m_id, static_cast<int>(code), message);
    setState(DownloadState::Failed);
}

void Job::interrupt() {
    closeEasy();
    if (m_file.isOpen()) {
        m_file.sync(&m_ioError);
        m_file.close();
    }
}

void Job::deleteFiles() {
    interrupt();
    std::error_code ec;
    if (m_state == DownloadState::Completed) {
        fs::remove(m_finalPath, ec);
    } else if (!m_partPath.empty()) {
        fs::remove(m_partPath, ec);
        fs::remove(io::controlPathFor(m_partPath), ec);
    }
}

void Job::releaseName() {
    if (!m_finalPath.empty()) {
        m_host.releasePath(m_finalPath);
    }
}

DownloadSnapshot Job::snapshot(Clock::time_point now) const {
    DownloadSnapshot s;
    s.id = m_id;
    s.state = m_state;
    s.url = m_request.url;
    s.directory = m_dir.string();
    s.fileName = m_finalPath.empty() ? m_request.fileName : m_finalPath.filename().string();
    s.filePath = m_finalPath.string();
    s.totalBytes = m_total;
    s.doneBytes = m_done;
    s.speedBytesPerSec = m_state == DownloadState::Downloading ? m_speed.bytesPerSecond() : 0;
    if (s.speedBytesPerSec > 0 && m_total >= 0) {
        s.etaSeconds = static_cast<double>(m_total - m_done) / s.speedBytesPerSec;
    }
    s.connections = isActive(m_state) ? 1 : 0;
    s.attempt = m_attempts;
    if (m_state == DownloadState::Retrying) {
        s.nextRetryInMs = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(m_nextRetryAt - now).count());
    }
    s.error = m_error;
    s.errorMessage = m_errorMessage;
    s.addedAtMs = m_addedAtMs;
    return s;
}

} // namespace maria2
