// Job life cycle: start, resume from disk, retries, attention states, completion.
// Connections and response validation are in JobConnections.cpp.
#include "core/engine/Job.h"

#include "core/io/ControlFile.h"
#include "core/naming/FileNaming.h"
#include "core/net/CurlOptions.h"
#include "core/net/Url.h"

#include <spdlog/spdlog.h>

#include <limits>
#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

namespace {

std::int64_t nowEpochMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr auto kTickInterval = std::chrono::milliseconds(50);
constexpr auto kStallAfter = std::chrono::seconds(10);

} // namespace

Job::Job(DownloadId id, DownloadRequest request, const Config& config, JobHost& host)
    : m_id(id)
    , m_request(std::move(request))
    , m_network(config.network)
    , m_download(config.download)
    , m_retry(config.retry)
    , m_host(host)
    , m_addedAtMs(nowEpochMs())
    , m_dir(
          fs::path(m_request.directory.empty() ? config.download.directory : m_request.directory)) {
    if (m_dir.empty()) {
        m_dir = fs::current_path();
    }
    m_controlUrl = m_request.url;
}

Job::~Job() {
    // Connections clean their easy handles (the engine detached them). A flush in flight uses
    // the part file: it ends first.
    if (m_pendingSave.valid()) {
        m_pendingSave.wait();
    }
}

void Job::setState(DownloadState state) {
    if (state == m_state) {
        return;
    }
    m_state = state;
    if (!isActive(state)) {
        m_speed.reset();
    }
    m_host.jobStateChanged(*this);
}

const IntervalSet& Job::written() const {
    return m_planner ? m_planner->written() : m_linear;
}
std::int64_t Job::doneBytes() const {
    return written().coveredBytes();
}
bool Job::allWritten() const {
    if (m_planner) {
        return m_planner->complete();
    }
    return m_total >= 0 && m_linear.coveredBytes() == m_total;
}

void Job::changeUrl(const std::string& url) {
    spdlog::info("[#{}] new URL {}", m_id, net::redactUrl(url));
    m_request.url = url;
}

void Job::start() {
    m_runStartedAt = Clock::now();
    m_lastActivityAt = m_runStartedAt;
    m_runBytes = 0;
    m_peakConnections = 0;
    m_firstTtfb = -1;
    m_lastStatus = 0;
    m_throttled = false;
    m_pushbacks = 0;
    m_resets = 0;
    m_metadataSent = false;
    m_wireBytes = 0;
    m_limitedAt = {};
    m_limitedRun = false;
    m_diskBusy = 0;
    m_degradation.reset();
    m_nextDegradationSample = {};
    m_error = ErrorCode::Ok;
    m_errorMessage.clear();
    m_blockNewConnections = false;
    m_failuresWithoutProgress = 0;
    std::string why;
    if (!net::parseUrl(m_request.url, &why)) {
        fail(ErrorCode::BadOption, why);
        return;
    }
    m_verifyAuto = m_request.checksum == "auto";
    if (!m_request.checksum.empty() && !m_verifyAuto && !m_checksum) {
        m_checksum = parseChecksum(m_request.checksum, &why);
        if (!m_checksum) {
            fail(ErrorCode::BadOption, why);
            return;
        }
    }
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec || !fs::is_directory(m_dir)) {
        fail(ErrorCode::CannotCreateDir,
             "cannot create download folder '" + m_dir.string() + "': " + ec.message());
        return;
    }
    if (m_finalPath.empty() && m_request.continuePartial) {
        adoptExistingPart();
    }
    if (m_restartOnStart) {
        m_restartOnStart = false;
        restartFromZero("the file changed on the server; starting over as asked");
        return;
    }
    setState(DownloadState::Connecting);
    m_lastProgressAt = Clock::now();
    m_lastProgressBytes = doneBytes();
    if (m_planner && m_rangesOk) {
        openMoreConnections(Clock::now());
    } else {
        openConnection(m_linear.contiguousFrom(0), -1, 0);
    }
}

void Job::adoptExistingPart() {
    // With -c, a part file left by an earlier run under the name we would choose is resumed.
    std::string name = m_request.fileName;
    if (name.empty()) {
        name = naming::fileNameFromUrl(m_request.url).value_or("");
    }
    const std::string safe = naming::sanitizeFileName(name, "");
    if (safe.empty()) {
        return;
    }
    const fs::path finalPath = m_dir / safe;
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
    const std::int64_t partSize = m_file.size();
    m_resumed = true;
    std::string why;
    const auto control = io::loadControl(io::controlPathFor(m_partPath), &why);
    if (!control) {
        // A part file from another tool or a lost control file: its bytes are contiguous.
        spdlog::info("[#{}] {}: no usable control file ({}); resuming from its size", m_id,
                     m_partPath.string(), why);
        m_linear.add({0, partSize});
        m_durable = m_linear;
        return;
    }
    m_total = control->totalBytes;
    m_etag = control->etag;
    m_lastModified = control->lastModified;
    m_contentType = control->contentType;
    m_rangesOk = control->acceptsRanges;
    m_controlUrl = control->url;
    IntervalSet done;
    if (control->contiguous) {
        done.add({0, m_total >= 0 ? std::min(partSize, m_total) : partSize});
    } else {
        for (const auto& r : control->ranges) {
            done.add(r);
        }
        // Only what the part file holds: one truncated after its control file was saved (a
        // restart from zero truncates first) must not pass its missing tail off as data.
        done.subtract(
            {std::max<std::int64_t>(partSize, 0), std::numeric_limits<std::int64_t>::max()});
    }
    m_allocated = m_total >= 0 && partSize == m_total;
    if (m_total >= 0 && m_rangesOk) {
        m_planner.emplace(m_total, std::max<std::int64_t>(1, m_request.minSplitSize > 0
                                                                 ? m_request.minSplitSize
                                                                 : m_download.minSplitSize));
        m_planner->markWritten(done);
    } else {
        m_linear.add({0, done.contiguousFrom(0)});
    }
    m_durable = written();
    m_controlDirty = false;
    spdlog::info("[#{}] resuming {}: {} of {} bytes already on disk", m_id, m_partPath.string(),
                 doneBytes(), m_total);
}

void Job::tick(Clock::time_point now) {
    if (now < m_nextTick) {
        return;
    }
    m_nextTick = now + kTickInterval;
    if (m_state == DownloadState::Retrying) {
        if (now >= m_nextRetryAt && m_connections.empty()) {
            setState(DownloadState::Connecting);
            m_blockNewConnections = false;
            m_lastProgressAt = now;
            if (m_planner && m_rangesOk) {
                openMoreConnections(now);
            } else {
                openConnection(m_linear.contiguousFrom(0), -1, 0);
            }
        }
        return;
    }
    if (!isActive(m_state)) {
        return;
    }
    resumeLimited(now);
    // A racer that lost, or a connection whose range someone else finished: close it.
    for (std::size_t i = 0; i < m_connections.size();) {
        Connection* c = m_connections[i].get();
        if (m_planner && c->segmentId != 0 && m_planner->isDone(c->segmentId)) {
            dropConnection(c, true);
            continue;
        }
        ++i;
    }
    if (allWritten() && m_connections.empty()) {
        complete();
        return;
    }
    const Bottleneck why = bottleneck(now);
    const bool limited = heldBySpeedLimit(why);
    if (!limited) {
        // Under a limit, the limiter decides who is slow: closing "slow" connections would
        // only churn ranges.
        closeSlowConnections(now);
    }
    checkIdleConnections(now);
    watchDegradation(now);
    openMoreConnections(now);
    const std::int64_t done = doneBytes();
    if (done != m_lastProgressBytes || limited) {
        m_lastProgressBytes = done;
        m_lastProgressAt = now;
        if (m_state == DownloadState::Stalled) {
            setState(DownloadState::Downloading);
        }
    } else if (m_state == DownloadState::Downloading && now - m_lastProgressAt > kStallAfter) {
        spdlog::info("[#{}] stalled: no data for {} s", m_id,
                     std::chrono::duration_cast<std::chrono::seconds>(kStallAfter).count());
        setState(DownloadState::Stalled);
    }
    saveResumeData(false);
}

void Job::saveResumeData(bool force) {
    finishPendingSave(force);
    if (m_partPath.empty() || !m_file.isOpen() || m_pendingSave.valid()) {
        return; // the last periodic save is still flushing: its result comes first
    }
    const auto now = Clock::now();
    if (!force && now < m_nextSave) {
        return;
    }
    m_nextSave = now + std::chrono::milliseconds(m_download.controlSaveIntervalMs);
    // Snapshot first, then flush: the control file may only claim bytes the disk has.
    const IntervalSet snapshot = written();
    if (snapshot == m_durable && !m_controlDirty) {
        return;
    }
    io::ControlData data;
    data.url = m_request.url;
    data.totalBytes = m_total;
    data.etag = m_etag;
    data.lastModified = m_lastModified;
    data.contentType = m_contentType;
    data.acceptsRanges = m_rangesOk;
    data.ranges = snapshot.ranges();
    m_controlDirty = false; // set again if this save fails, or if something changes meanwhile
    auto save = [file = &m_file, control = io::controlPathFor(m_partPath), data = std::move(data),
                 snapshot]() {
        SaveResult r;
        r.ranges = snapshot;
        r.url = data.url;
        io::IoError ioError;
        if (!file->sync(&ioError)) {
            r.error = ioError.message;
            return r;
        }
        r.ok = io::saveControl(control, data, &r.error);
        return r;
    };
    if (force) {
        applySave(save());
        return;
    }
    // fdatasync of a big part file on a real disk takes 100-200 ms: on the engine thread it
    // stalled every transfer once a second. The flush runs beside them; the control file
    // claims only the bytes of the snapshot taken before it, so a crash still loses nothing.
    m_pendingSave = std::async(std::launch::async, std::move(save));
}

void Job::finishPendingSave(bool wait) {
    if (!m_pendingSave.valid()) {
        return;
    }
    if (!wait && m_pendingSave.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return;
    }
    applySave(m_pendingSave.get());
}

void Job::applySave(const SaveResult& result) {
    if (result.ok) {
        m_durable = result.ranges;
        m_controlUrl = result.url;
    } else {
        m_controlDirty = true;
        spdlog::warn("[#{}] cannot save resume data: {}", m_id, result.error);
    }
}

void Job::scheduleRetry(const std::string& why, ErrorCode code, std::chrono::milliseconds delay) {
    m_error = code;
    m_errorMessage = why;
    m_nextRetryAt = Clock::now() + delay;
    spdlog::warn("[#{}] {}; retrying in {:.1f} s", m_id, why,
                 static_cast<double>(delay.count()) / 1000.0);
    saveResumeData(true);
    setState(DownloadState::Retrying);
}

void Job::stopAll() {
    while (!m_connections.empty()) {
        dropConnection(m_connections.back().get(), true);
    }
}

void Job::goToAttentionState(DownloadState state, const std::string& why) {
    stopAll();
    saveResumeData(true);
    m_file.close();
    m_error =
        state == DownloadState::LinkExpired ? ErrorCode::NotFound : ErrorCode::BadHttpResponse;
    m_errorMessage = why;
    m_restartOnStart = state == DownloadState::FileChanged;
    spdlog::warn("[#{}] {}: {}", m_id, toString(state), why);
    setState(state);
}

void Job::restartFromZero(const std::string& why) {
    spdlog::warn("[#{}] starting over from zero: {}", m_id, why);
    stopAll();
    forgetBytesOnDisk();
    m_nextRetryAt = Clock::now();
    setState(DownloadState::Retrying);
}

bool Job::forgetBytesOnDisk() {
    finishPendingSave(true); // it would write a control file for the bytes being dropped
    m_streamDigest.reset();
    m_streamHashed = 0;
    m_planner.reset();
    m_linear.clear();
    m_durable.clear();
    m_total = -1;
    m_etag.clear();
    m_lastModified.clear();
    m_contentType.clear();
    m_rangesOk = false;
    m_resumed = false;
    m_allocated = false;
    m_controlDirty = true;
    return !m_file.isOpen() || m_file.truncate(0, &m_ioError);
}

void Job::complete() {
    stopAll();
    finishPendingSave(true); // before the part file is truncated, closed and renamed
    if (!m_file.isOpen() && !openPart(false)) {
        fail(ErrorCode::CannotOpenFile, m_ioError.message);
        return;
    }
    if (m_total < 0) {
        m_total = doneBytes();
    }
    // Never longer than the file (before the checksum reads it).
    if (m_file.size() > m_total && !m_file.truncate(m_total, &m_ioError)) {
        fail(ErrorCode::FileIo, m_ioError.message);
        return;
    }
    if (!m_file.sync(&m_ioError)) {
        fail(ErrorCode::FileIo, m_ioError.message);
        return;
    }
    if (m_checksum || m_verifyAuto) {
        saveResumeData(true); // a crash while verifying resumes as "all bytes there"
    }
    m_file.close();
    if (m_checksum || m_verifyAuto) {
        VerifyTask task;
        task.file = m_partPath;
        task.expected = m_checksum;
        task.discover = m_verifyAuto;
        task.url = m_request.url;
        task.fileName = m_finalPath.filename().string();
        task.urlName = naming::fileNameFromUrl(m_request.url).value_or("");
        task.network = m_network;
        task.headers = m_request.headers;
        task.userAgent = net::userAgentFor(m_request.userAgent, m_network);
        if (m_streamDigest && m_streamHashed > 0) {
            spdlog::debug("[#{}] {} of {} bytes were hashed as they arrived", m_id, m_streamHashed,
                          m_total);
            task.streamed = std::move(m_streamDigest);
            task.streamedAlgorithm = streamAlgorithm();
            task.streamedBytes = m_streamHashed;
        }
        m_streamDigest.reset();
        m_streamHashed = 0;
        setState(DownloadState::Verifying);
        m_host.verifyAsync(*this, std::move(task));
        return;
    }
    finishVerified();
}

void Job::verified(const VerifyOutcome& outcome) {
    if (m_state != DownloadState::Verifying) {
        return; // paused or removed meanwhile
    }
    if (!outcome.checked) {
        // --verify=auto and nothing published: the download itself is fine.
        spdlog::info("[#{}] not verified: {}", m_id, outcome.note);
        finishVerified();
        return;
    }
    const ChecksumSpec& expected = *outcome.expected;
    const std::string from = outcome.source.empty() ? "" : " (from " + outcome.source + ")";
    if (outcome.ok) {
        spdlog::info("[#{}] {} checksum verified{}", m_id, expected.algorithm, from);
        finishVerified();
        return;
    }
    fail(ErrorCode::ChecksumMismatch,
         expected.algorithm + " mismatch: expected " + expected.hex + from + ", got " +
             (outcome.actualHex.empty() ? "no digest (" + outcome.note + ")" : outcome.actualHex) +
             "; the data stays in '" + m_partPath.filename().string() + "'");
}

void Job::reportEnd(bool ok) {
    TransferReport r;
    r.id = m_id;
    r.url = m_request.url;
    r.ok = ok;
    r.bytes = m_runBytes;
    r.activeSeconds = std::chrono::duration<double>(m_lastActivityAt - m_runStartedAt).count();
    r.peakConnections = m_peakConnections;
    r.ttfbSeconds = m_firstTtfb;
    r.httpVersion = m_httpVersion;
    r.lastHttpStatus = m_lastStatus;
    r.throttled = m_throttled;
    r.resets = m_resets;
    r.limited = m_limitedRun;
    m_host.transferEnded(std::move(r));
}

std::string Job::streamAlgorithm() const {
    // --verify=auto looks for SHA-256 lists, so that is what it hashes on the way.
    return m_checksum ? m_checksum->algorithm : std::string("sha-256");
}

void Job::streamHash(std::int64_t offset, const char* data, std::int64_t size) {
    if (offset > m_streamHashed || offset + size <= m_streamHashed) {
        return; // out of order (another segment) or already hashed (a racer's copy)
    }
    if (!m_streamDigest) {
        if (m_streamHashed != 0) {
            return;
        }
        m_streamDigest = m_host.makeDigest(streamAlgorithm());
        if (!m_streamDigest) {
            return;
        }
    }
    const std::int64_t skip = m_streamHashed - offset;
    m_streamDigest->update(data + skip, static_cast<std::size_t>(size - skip));
    m_streamHashed = offset + size;
}

void Job::finishVerified() {
    std::error_code ec;
    if (!m_request.allowOverwrite && fs::exists(m_finalPath, ec)) {
        // Someone created the name while we downloaded: never overwrite silently.
        const auto taken = [this](const fs::path& p) {
            std::error_code e;
            return m_host.isPathReserved(p) || fs::exists(p, e);
        };
        m_host.releasePath(m_finalPath);
        try {
            m_finalPath = naming::uniquePath(m_dir, m_finalPath.filename().string(), taken);
        } catch (const std::exception& e) {
            fail(ErrorCode::FileExists, e.what());
            return;
        }
        m_host.reservePath(m_finalPath, m_id);
    }
    if (m_total >= 0 && fs::file_size(m_partPath, ec) != static_cast<std::uintmax_t>(m_total)) {
        fs::resize_file(m_partPath, static_cast<std::uintmax_t>(m_total), ec); // never longer
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
    m_error = ErrorCode::Ok;
    m_errorMessage.clear();
    spdlog::info("[#{}] completed: {} ({} bytes)", m_id, m_finalPath.string(), m_total);
    reportEnd(true);
    setState(DownloadState::Completed);
}

void Job::fail(ErrorCode code, const std::string& message) {
    stopAll();
    m_error = code;
    m_errorMessage = message;
    if (m_file.isOpen()) {
        saveResumeData(true);
        m_file.close();
    }
    std::error_code ec;
    if (!m_partPath.empty() && doneBytes() == 0) {
        // Nothing worth resuming: leave no empty husk behind.
        fs::remove(m_partPath, ec);
        fs::remove(io::controlPathFor(m_partPath), ec);
    }
    spdlog::warn("[#{}] failed (exit code {}): {}", m_id, static_cast<int>(code), message);
    reportEnd(false);
    setState(DownloadState::Failed);
}

void Job::interrupt() {
    stopAll();
    if (m_file.isOpen()) {
        saveResumeData(true);
        m_file.close();
    }
}

void Job::deleteFiles() {
    interrupt();
    finishPendingSave(true);
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

void Job::sampleSpeed(Clock::time_point now) {
    m_speed.sample(now, doneBytes());
    if (m_lastBusySample != Clock::time_point{} && now > m_lastBusySample) {
        const double share = std::chrono::duration<double>(m_writeTime - m_lastWriteTime).count() /
                             std::chrono::duration<double>(now - m_lastBusySample).count();
        m_diskBusy = 0.7 * m_diskBusy + 0.3 * std::min(1.0, share);
    }
    m_lastBusySample = now;
    m_lastWriteTime = m_writeTime;
    for (auto& c : m_connections) {
        c->speed.sample(now, c->bytes);
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
    s.doneBytes = doneBytes();
    s.speedBytesPerSec = isActive(m_state) ? m_speed.bytesPerSecond() : 0;
    if (s.speedBytesPerSec > 0 && m_total >= 0) {
        s.etaSeconds = static_cast<double>(m_total - s.doneBytes) / s.speedBytesPerSec;
    }
    s.connections = static_cast<int>(m_connections.size());
    s.attempt = m_attempts;
    if (m_state == DownloadState::Retrying) {
        s.nextRetryInMs = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(m_nextRetryAt - now).count());
    }
    s.error = m_error;
    s.errorMessage = m_errorMessage;
    s.addedAtMs = m_addedAtMs;
    s.checksum = m_request.checksum;
    s.engine = m_host.profile().name;
    s.pushbacks = m_resets + m_pushbacks;
    s.bottleneck = bottleneck(now);
    s.maxSpeed = m_request.maxSpeed;
    s.receivedBytes = m_totalWire;
    s.keptBytes = m_totalKept;
    s.replans = m_replans;
    return s;
}

} // namespace maria2
