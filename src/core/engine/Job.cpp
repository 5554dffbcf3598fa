// Job life cycle: start, resume from disk, retries, attention states, failure. The end (flush,
// verify, rename) is in JobFinish.cpp.
// Connections and response validation are in JobConnections.cpp.
#include "core/engine/Job.h"

#include "core/io/ControlFile.h"
#include "core/io/PathText.h"
#include "core/naming/FileNaming.h"
#include "core/net/CurlOptions.h"
#include "core/net/Url.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
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
    , m_dir(io::pathFromUtf8(m_request.directory.empty() ? config.download.directory
                                                         : m_request.directory))
    , m_store(host.ioWorker(), "[#" + std::to_string(id) + "]",
              std::chrono::milliseconds(config.download.controlSaveIntervalMs), m_request.url) {
    if (m_dir.empty()) {
        m_dir = fs::current_path();
    }
}

// Connections clean their easy handles (the engine detached them); the storage ends the flush
// in flight before the part file closes.
Job::~Job() = default;

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
    assert(m_host.onEngineThread());
    m_runStartedAt = Clock::now();
    m_lastActivityAt = m_runStartedAt;
    m_runBytes = 0;
    m_peakConnections = 0;
    m_splitAtRate = 0;
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
    m_store.takeSaveFailure(); // one from the run that ended (its last save) is no news now
    for (const ByteRange& lost : m_unwritten.ranges()) {
        // Bytes a failed write lost (a full disk): counted, never on disk, so fetched again.
        if (m_planner) {
            m_planner->forgetWritten(lost);
        }
        m_linear.subtract(lost);
    }
    m_unwritten.clear();
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
    // One stat when the folder is there (every file of a list after the first): creating
    // it first would stat it twice.
    std::error_code ec;
    if (!fs::is_directory(fs::status(m_dir, ec))) {
        fs::create_directories(m_dir, ec);
        if (ec || !fs::is_directory(m_dir)) {
            fail(ErrorCode::CannotCreateDir,
                 "cannot create download folder '" + io::pathText(m_dir) + "': " + ec.message());
            return;
        }
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
    if (m_endInterrupted && allWritten()) {
        m_endInterrupted = false;
        complete(); // every byte is on disk already (its end was interrupted): nothing to fetch
        return;
    }
    if (m_planner && m_rangesOk) {
        openMoreConnections(Clock::now());
    } else {
        openConnection(m_linear.contiguousFrom(0), -1, 0);
    }
}

void Job::adoptExistingPart() {
    m_unwritten.clear(); // what is on disk is read again below
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
    auto status = fs::symlink_status(partPath, ec);
    if (!fs::exists(status) && m_request.continueExistingFile &&
        fs::is_regular_file(fs::symlink_status(finalPath, ec)) &&
        fs::hard_link_count(finalPath, ec) == 1 && !m_host.names().isClaimed(finalPath)) {
        // -c on a file another tool left: it becomes our part file (a prefix of the download;
        // the server's answer decides whether it is) and gets its name back when complete. A
        // server that ignores ranges rewrites it from the first byte, under the same name.
        fs::rename(finalPath, partPath, ec);
        if (ec) {
            spdlog::warn("[#{}] cannot continue {}: {}", m_id, io::pathText(finalPath),
                         ec.message());
            return;
        }
        spdlog::info("[#{}] continuing {} left by an earlier download", m_id,
                     io::pathText(finalPath));
        status = fs::symlink_status(partPath, ec);
    }
    if (!fs::exists(status)) {
        return;
    }
    if (!fs::is_regular_file(status)) {
        // A link or anything else under our part's name is not ours to write through: the
        // download takes another name.
        spdlog::warn("[#{}] not resuming {}: it is not a regular file", m_id,
                     io::pathText(partPath));
        return;
    }
    if (!m_host.names().claim(finalPath, m_id)) {
        return; // another download of this process resumes it
    }
    m_finalPath = finalPath;
    m_store.setPath(partPath);
    const auto adopted = m_store.adopt(&m_ioError);
    if (!adopted) {
        return;
    }
    const std::int64_t partSize = adopted->partSize;
    m_resumed = true;
    const auto& control = adopted->control;
    if (!control) {
        // A part file from another tool or a lost control file: its bytes are contiguous.
        spdlog::info("[#{}] {}: no usable control file ({}); resuming from its size", m_id,
                     io::pathText(partPath), adopted->why);
        m_linear.add({0, partSize});
        m_store.setDurable(m_linear);
        return;
    }
    m_total = control->totalBytes;
    m_etag = control->etag;
    m_lastModified = control->lastModified;
    m_contentType = control->contentType;
    m_rangesOk = control->acceptsRanges;
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
    m_store.setAllocated(m_total >= 0 && partSize == m_total);
    if (m_total >= 0 && m_rangesOk) {
        m_planner.emplace(m_total, std::max<std::int64_t>(1, m_request.minSplitSize > 0
                                                                 ? m_request.minSplitSize
                                                                 : m_download.minSplitSize));
        m_planner->markWritten(done);
    } else {
        m_linear.add({0, done.contiguousFrom(0)});
    }
    m_store.setDurable(written());
    m_store.markClean();
    spdlog::info("[#{}] resuming {}: {} of {} bytes already on disk", m_id, io::pathText(partPath),
                 doneBytes(), m_total);
}

void Job::tick(Clock::time_point now) {
    assert(m_host.onEngineThread());
    if (now < m_nextTick) {
        return;
    }
    m_nextTick = now + kTickInterval;
    if (!m_unwritten.empty()) {
        // Bytes the planner counts are not in the file: going on would leave a hole in it.
        fail(m_ioError.diskFull ? ErrorCode::DiskFull : ErrorCode::FileIo, m_ioError.message);
        return;
    }
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
    if (!isActive(m_state) || m_finishing) {
        return;
    }
    resumeLimited(now);
    // A racer that lost, or a connection whose range someone else finished: close it.
    for (std::size_t i = 0; i < m_connections.size();) {
        Connection* c = &m_connections.at(i);
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
    if (auto failure = m_store.takeSaveFailure()) {
        // Without its control file a download is not resumable as promised (a crash could
        // later pass the gaps of a segmented part file off as data): stop and say so.
        fail(failure->diskFull ? ErrorCode::DiskFull : ErrorCode::FileIo, failure->message);
    }
}

void Job::saveResumeData(bool force) {
    const bool gathered = std::any_of(m_connections.begin(), m_connections.end(),
                                      [](const auto& c) { return !c->batch.empty(); });
    if (gathered && (force || m_store.saveDue(Clock::now()))) {
        writeBatches(); // what the save records is in the file first
    }
    if (!gathered && m_unwritten.empty()) {
        m_store.save(force, written(), [this] { return controlData(); });
    } else {
        m_store.save(force, recordable(), [this] { return controlData(); });
    }
}

io::ControlData Job::controlData() const {
    io::ControlData data;
    data.url = m_request.url;
    data.totalBytes = m_total;
    data.etag = m_etag;
    data.lastModified = m_lastModified;
    data.contentType = m_contentType;
    data.acceptsRanges = m_rangesOk;
    return data;
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
        dropConnection(&m_connections.back(), true);
    }
}

void Job::goToAttentionState(DownloadState state, const std::string& why) {
    stopAll();
    saveResumeData(true);
    m_store.close();
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
    m_unwritten.clear();
    m_streamDigest.reset();
    m_streamHashed = 0;
    m_planner.reset();
    m_linear.clear();
    m_total = -1;
    m_etag.clear();
    m_lastModified.clear();
    m_contentType.clear();
    m_rangesOk = false;
    m_resumed = false;
    return m_store.forget(&m_ioError);
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

void Job::fail(ErrorCode code, const std::string& message) {
    stopAll();
    m_error = code;
    m_errorMessage = message;
    if (m_store.isOpen()) {
        saveResumeData(true);
        m_store.close();
    }
    if (!m_store.partPath().empty() && doneBytes() == 0) {
        m_store.removeFiles(); // nothing worth resuming: leave no empty husk behind
    }
    spdlog::warn("[#{}] failed (exit code {}): {}", m_id, static_cast<int>(code), message);
    reportEnd(false);
    setState(DownloadState::Failed);
}

void Job::interrupt() {
    assert(m_host.onEngineThread());
    stopAll();
    if (m_finishing) {
        settleFinish(); // (it may have completed the download)
    }
    if (m_store.isOpen()) {
        saveResumeData(true);
        m_store.close();
    }
}

void Job::deleteFiles() {
    interrupt();
    std::error_code ec;
    if (m_state == DownloadState::Completed) {
        fs::remove(m_finalPath, ec);
    } else if (!m_store.partPath().empty()) {
        m_store.removeFiles();
    }
}

void Job::releaseName() {
    if (!m_finalPath.empty()) {
        m_host.names().release(m_finalPath, m_id);
    }
    if (const fs::path known = knownNamePath(m_request, m_download); !known.empty()) {
        m_host.names().release(known, m_id); // (it may have ended under another name)
    }
}

fs::path Job::knownNamePath(const DownloadRequest& request, const DownloadSettings& settings) {
    if (!request.ownsKnownName || request.fileName.empty()) {
        return {};
    }
    const std::string safe = naming::sanitizeFileName(request.fileName, "");
    const std::string& dir = request.directory.empty() ? settings.directory : request.directory;
    if (safe.empty() || dir.empty()) {
        return {};
    }
    return io::pathFromUtf8(dir) / safe;
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
}

void Job::sampleConnectionSpeeds(Clock::time_point now) {
    if (m_planner) {
        if (const double ttfb = m_connections.medianTtfb(); ttfb > 0) {
            m_planner->setRequestSeconds(ttfb);
        }
    }
    for (auto& c : m_connections) {
        c->speed.sample(now, c->bytes);
        if (const double speed = c->speed.bytesPerSecond();
            m_planner && c->segmentId != 0 && speed > 0) {
            // What to steal is chosen by expected time to finish, not bytes left alone.
            m_planner->setSpeed(c->segmentId, speed);
        }
    }
}

TuningSample Job::tuningSample(Clock::time_point now) {
    // On this cadence, not the display's: a ramp adds connections every 100-200 ms, and each
    // new one steals by expected time to finish, which needs the speeds of the ones running
    // (unknown, the planner can only go by bytes left and splits fast ranges, not slow ones).
    sampleConnectionSpeeds(now);
    TuningSample t;
    t.id = m_id;
    t.state = m_state;
    t.receivedBytes = m_totalWire;
    t.totalBytes = m_total;
    t.connections = static_cast<int>(m_connections.size());
    t.pushbacks = m_resets + m_pushbacks;
    t.bottleneck = bottleneck(now);
    t.speedBytesPerSec = isActive(m_state) ? m_speed.bytesPerSecond() : 0;
    t.singleConnectionRate = m_splitAtRate;
    // What each connection that ran through the whole interval took in it; the fastest one
    // says whether the ones already running keep their pace as more come.
    const double seconds = m_lastTuned == Clock::time_point{}
                               ? 0.0
                               : std::chrono::duration<double>(now - m_lastTuned).count();
    std::int64_t fastest = -1;
    for (auto& c : m_connections) {
        if (c->tunedBytes >= 0) {
            fastest = std::max(fastest, c->bytes - c->tunedBytes);
        }
        c->tunedBytes = c->bytes;
    }
    m_lastTuned = now;
    if (seconds > 0 && fastest >= 0) {
        t.fastConnectionRate = static_cast<double>(fastest) / seconds;
    }
    return t;
}

DownloadSnapshot Job::snapshot(Clock::time_point now) const {
    DownloadSnapshot s;
    s.id = m_id;
    s.state = m_state;
    s.url = m_request.url;
    s.directory = io::pathText(m_dir);
    s.fileName = m_finalPath.empty() ? m_request.fileName : io::pathText(m_finalPath.filename());
    s.filePath = io::pathText(m_finalPath);
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
