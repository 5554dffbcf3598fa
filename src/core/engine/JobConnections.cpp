// Job's connections: opening them on planned ranges, the libcurl callbacks, splitting and
// endgame, and what a finished or failed connection means. Response checks: JobResponses.cpp.
#include "core/engine/Job.h"

#include "core/io/ControlFile.h"
#include "core/log/Log.h"
#include "core/naming/FileNaming.h"
#include "core/net/CurlOptions.h"
#include "core/net/Url.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <random>

namespace maria2 {
namespace fs = std::filesystem;

namespace {

double jitter() {
    thread_local std::mt19937 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool isWeakEtag(const std::string& etag) {
    return etag.rfind("W/", 0) == 0;
}

// A first connection that looked fast in its first kProbe is measured again this much later.
constexpr auto kProbeAgain = std::chrono::milliseconds(100);

} // namespace

// Static trampolines from libcurl's C callbacks into the Job.
struct JobCallbacks {
    static size_t write(char* data, size_t size, size_t count, void* self) {
        auto* c = static_cast<Connection*>(self);
        return c->job->write(*c, data, size * count);
    }
    static int debug(CURL*, curl_infotype type, char* data, size_t size, void* self) {
        const auto* c = static_cast<Connection*>(self);
        if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN && type != CURLINFO_TEXT) {
            return 0;
        }
        const std::string_view text(data, size);
        size_t start = 0;
        while (start < text.size()) { // request headers arrive as one block: line by line
            size_t end = text.find('\n', start);
            end = end == std::string_view::npos ? text.size() : end;
            std::string line = log::redactHeader(text.substr(start, end - start));
            while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
                line.pop_back();
            }
            if (!line.empty()) {
                const char dir = type == CURLINFO_HEADER_OUT  ? '>'
                                 : type == CURLINFO_HEADER_IN ? '<'
                                                              : '*';
                spdlog::debug("[#{}] {} {}", c->job->id(), dir, line);
            }
            start = end + 1;
        }
        return 0;
    }
};

void Job::setConnectionLimit(int n) {
    n = std::clamp(n, 1, 64);
    m_request.split = n;
    m_request.maxConnectionsPerServer = std::max(m_request.maxConnectionsPerServer, n);
    while (m_connections.count() > wantedConnections()) {
        spdlog::info("[#{}] backing off to {} connection(s)", m_id, n);
        dropConnection(m_connections.slowest(), true);
    }
    if (m_connections.count() < wantedConnections()) {
        // The pool's tuner ramps in steps of a few hundred milliseconds and judges each by
        // the rate it brings: open the new connections on this turn of the engine's loop,
        // not at the next tick.
        m_nextTick = {};
    }
}

int Job::wantedConnections() const {
    if (!m_rangesOk || m_total < 0 || !m_host.profile().split) {
        return 1;
    }
    const int split = m_request.split > 0 ? m_request.split : m_download.split;
    const int perServer = m_request.maxConnectionsPerServer > 0
                              ? m_request.maxConnectionsPerServer
                              : m_download.maxConnectionsPerServer;
    const std::int64_t minSplit =
        m_request.minSplitSize > 0 ? m_request.minSplitSize : m_download.minSplitSize;
    // No more connections than the file has pieces of at least minSplit bytes; the planner
    // itself never cuts below minSplit, and the endgame may race a last slow piece.
    // (Rounded up without adding first: a size near INT64_MAX from a server must not overflow.)
    const std::int64_t piece = std::max<std::int64_t>(1, minSplit);
    const std::int64_t pieces = m_total / piece + (m_total % piece != 0 ? 1 : 0);
    const auto byMinSplit = static_cast<int>(std::clamp<std::int64_t>(pieces, 1, 64));
    return std::max(1, std::min({split, perServer, byMinSplit}));
}

long Job::readBufferBytes() const {
    // 4 MiB over the connections open with this one, within libcurl's 16 KiB .. 512 KiB
    // range: one connection reads 512 KiB at a time, the 64th 64 KiB.
    constexpr long kShared = 4L << 20;
    const auto open = static_cast<long>(m_connections.count()) + 1;
    return std::clamp(kShared / open, 64L * 1024L, 512L * 1024L);
}

Connection* Job::openConnection(std::int64_t begin, std::int64_t end, int segmentId) {
    auto c = std::make_unique<Connection>();
    c->job = this;
    c->easy = curl_easy_init();
    c->segmentId = segmentId;
    c->requestBegin = begin;
    c->requestEnd = end;
    c->writeOffset = begin;
    c->startedAt = Clock::now();
    if (c->easy == nullptr) {
        fail(ErrorCode::Unknown, "libcurl could not create a transfer");
        return nullptr;
    }
    CURL* e = c->easy;
    const bool http = net::schemeOf(m_request.url).rfind("http", 0) == 0;
    curl_easy_setopt(e, CURLOPT_URL, m_request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, c.get());
    net::applyNetworkOptions(e, m_network, net::userAgentFor(m_request.userAgent, m_network));
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errorBuffer);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &JobCallbacks::write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c.get());
    if (m_request.connectTimeoutSeconds > 0) { // the router's, from this host's latency
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                         static_cast<long>(m_request.connectTimeoutSeconds));
    }
    const std::int64_t lowSpeedLimit = m_request.lowSpeedLimitBytes > 0
                                           ? m_request.lowSpeedLimitBytes
                                           : m_network.lowSpeedLimitBytes;
    const int lowSpeedTime = m_request.lowSpeedTimeSeconds > 0 ? m_request.lowSpeedTimeSeconds
                                                               : m_network.lowSpeedTimeSeconds;
    SpeedLimiter& limiter = *m_host.limiter();
    const std::int64_t limit = limiter.tightestRate(m_id);
    // libcurl's low-speed abort would take a transfer that the limiter keeps slow for a dead
    // one. Under a limit, checkIdleConnections() watches for silence instead.
    if (lowSpeedLimit > 0 && limit == 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(lowSpeedLimit));
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(lowSpeedTime));
        c->curlLowSpeed = true;
    }
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    switch (m_host.profile().http) {
    case HttpPreference::Http11:
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
        break;
    case HttpPreference::Http2:
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
        break;
    case HttpPreference::Http3:
        // Tries QUIC and falls back to HTTP/2 or 1.1 over TCP (libcurl with HTTP/3 only).
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_3));
        break;
    case HttpPreference::Default:
        break;
    }
    // Over HTTPS wait for an existing connection that may multiplex (HTTP/2) rather than
    // opening one per transfer.
    if (m_host.profile().multiplex && net::schemeOf(m_request.url) == "https") {
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    // Under a limit, one read is one write callback (libcurl hands data over in 16 KiB
    // pieces): a refused piece is all libcurl keeps while paused. With a larger buffer each
    // pause made libcurl copy the rest of the buffer aside and each resume copy it again, most
    // of the CPU a limited download cost (14% of a core at 10 MiB/s with 512 KiB reads).
    // Unlimited, a big read buffer means fewer reads per byte; but each open connection keeps
    // its own, so a download ramped to 64 connections would hold 32 MiB of them. Past eight
    // connections each new one gets a smaller one (readBufferBytes()).
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, limit > 0 ? 16L * 1024L : readBufferBytes());
    if (!m_request.referer.empty()) {
        curl_easy_setopt(e, CURLOPT_REFERER, m_request.referer.c_str());
    }
    c->headers.addUser(m_request.headers);
    // Ask for a range whenever it tells us something: to resume, for a planned segment, or
    // (bytes=0-) on a first request that would like to split, to learn whether ranges work.
    const bool wantsSplit = (m_request.split > 0 ? m_request.split : m_download.split) > 1;
    const bool ranged =
        !m_plainRequests && (begin > 0 || end >= 0 || (http && wantsSplit && m_total < 0));
    c->ranged = ranged;
    if (ranged) {
        const std::string range =
            std::to_string(begin) + "-" + (end >= 0 ? std::to_string(end - 1) : std::string());
        curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
        // If-Range: a changed file comes back whole (200) instead of as a range of another
        // file. Only for the URL the bytes came from: a refreshed link is checked by hand.
        if (http && m_request.url == m_store.sourceUrl()) {
            if (!m_etag.empty() && !isWeakEtag(m_etag)) {
                c->headers.add("If-Range: " + m_etag);
            } else if (!m_lastModified.empty()) {
                c->headers.add("If-Range: " + m_lastModified);
            }
        }
    }
    // The person's headers go to their URL's origin only; an https start never follows a
    // redirect to plain http (unless the settings allow either).
    c->headers.apply(e, m_request.url, m_network);
    if (spdlog::should_log(spdlog::level::debug)) {
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, &JobCallbacks::debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, c.get());
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
    ++m_attempts;
    c->number = m_attempts;
    spdlog::info("[#{}] connection {}: GET {} bytes {}-{}", m_id, m_attempts,
                 net::redactUrl(m_request.url), begin, end >= 0 ? std::to_string(end - 1) : "");
    Connection* raw = &m_connections.add(std::move(c));
    m_peakConnections = std::max(m_peakConnections, m_connections.count());
    if (!m_host.attach(raw->easy)) {
        dropConnection(raw, true);
        fail(ErrorCode::Unknown, "libcurl refused a new transfer");
        return nullptr;
    }
    return raw;
}

void Job::dropConnection(Connection* c, bool releaseSegment) {
    writeBatch(*c); // (a failure leaves its range in m_unwritten)
    m_host.detach(c->easy);
    if (releaseSegment && m_planner && c->segmentId != 0 && m_planner->find(c->segmentId)) {
        m_planner->release(c->segmentId);
    }
    m_connections.remove(c);
}

bool Job::splitNow(Clock::time_point now) {
    if (m_splitDecided) {
        return true;
    }
    if (m_connections.size() != 1 || m_request.splitAtOnce) {
        // A resume (the ranges left are known), or a host known to cap each connection:
        // fetch in parallel without measuring first.
        m_splitDecided = true;
        if (m_connections.size() == 1) {
            shareFirstRange();
        }
        return true;
    }
    // Measure the first connection for a moment: on a fast link one stream is the ceiling and
    // more connections only cost CPU; a per-connection cap shows as a slow first stream.
    const Connection& first = m_connections.front();
    if (!first.bodyStarted || now < m_nextSplitCheck) {
        return false;
    }
    if (now - first.firstByteAt < kProbe) {
        m_nextTick = std::min(m_nextTick, first.firstByteAt + kProbe); // decide on time
        return false;
    }
    // The first look is from the first byte; later ones from the previous look. A server that
    // limits each connection often lets the first socket buffer through at once: measured
    // from the first byte that burst looks like a fast link, so a stream that looked fast is
    // looked at again soon, from after the burst.
    const bool firstLook = m_probeAt < first.firstByteAt || first.bytes < m_probeBytes;
    const Clock::time_point from = firstLook ? first.firstByteAt : m_probeAt;
    const std::int64_t bytes = first.bytes - (firstLook ? 0 : m_probeBytes);
    const double seconds = std::chrono::duration<double>(now - from).count();
    const double speed = seconds > 0 ? static_cast<double>(bytes) / seconds : 0.0;
    const auto threshold = static_cast<double>(m_download.splitBelowSpeed);
    if (threshold > 0 && speed >= threshold) {
        m_probeAt = now;
        m_probeBytes = first.bytes;
        // Look again: soon after the first look, then once a second (links change).
        m_nextSplitCheck = now + (firstLook ? kProbeAgain : std::chrono::milliseconds(1000));
        return false;
    }
    if (wantedConnections() > 1) {
        spdlog::info("[#{}] first connection at {:.1f} MiB/s: splitting", m_id, speed / (1 << 20));
        m_splitAtRate = speed;
    }
    m_splitDecided = true;
    shareFirstRange();
    return true;
}

void Job::shareFirstRange() {
    // Even pieces at once: the first stream keeps its share, the others split the rest.
    const int wanted = wantedConnections();
    const Connection& first = m_connections.front();
    if (const Segment* s = m_planner ? m_planner->find(first.segmentId) : nullptr;
        s != nullptr && wanted > 1) {
        const std::int64_t share = s->remaining() / wanted + (s->remaining() % wanted != 0 ? 1 : 0);
        m_planner->truncate(first.segmentId, s->cursor + share);
    }
}

void Job::openMoreConnections(Clock::time_point now) {
    if (!m_planner || !m_rangesOk || m_blockNewConnections || now < m_noNewConnectionsBefore ||
        !isActive(m_state)) {
        return;
    }
    if (!splitNow(now)) {
        return;
    }
    const int wanted = wantedConnections();
    while (const auto segment = m_connections.nextSegment(*m_planner, wanted)) {
        if (openConnection(segment->cursor, segment->end, segment->id) == nullptr) {
            return;
        }
    }
    // Endgame: nothing left to hand out, a connection is free, and one range still needs
    // longer than a moment at its connection's pace: race a second request for it.
    if (m_connections.count() >= wanted || m_planner->unassignedBytes() > 0) {
        return;
    }
    if (heldBySpeedLimit(bottleneck(now))) {
        return; // a race under a limit only spends the limited bytes twice
    }
    double worst = 0;
    if (Connection* slowest = m_connections.endgameVictim(*m_planner, now, &worst)) {
        if (const auto racer = m_planner->duplicate(slowest->segmentId)) {
            spdlog::info("[#{}] endgame: racing bytes {}-{} ({:.2f} s left at the current pace)",
                         m_id, racer->cursor, racer->end - 1, worst);
            openConnection(racer->cursor, racer->end, racer->id);
        }
    }
}

void Job::closeSlowConnections(Clock::time_point now) {
    if (!m_planner) {
        return;
    }
    Connection* c = m_connections.slowToClose(*m_planner, now);
    if (c == nullptr) {
        return;
    }
    std::vector<double> speeds;
    for (const auto& each : m_connections) {
        speeds.push_back(each->speed.bytesPerSecond());
    }
    std::nth_element(speeds.begin(),
                     speeds.begin() + static_cast<std::ptrdiff_t>(speeds.size() / 2), speeds.end());
    const Segment* s = m_planner->find(c->segmentId);
    spdlog::info("[#{}] closing a slow connection: {:.0f} KiB/s against a median of "
                 "{:.0f} KiB/s; its {} bytes go to another",
                 m_id, c->speed.bytesPerSecond() / 1024, speeds[speeds.size() / 2] / 1024,
                 s != nullptr ? s->remaining() : 0);
    dropConnection(c, true);
}

std::string Job::describeFailure(const Connection& c, CURLcode result) const {
    if (std::string why = c.headers.refusedRedirect(result); !why.empty()) {
        return why;
    }
    if (!c.stopMessage.empty()) {
        return c.stopMessage;
    }
    const long status = c.response.isHttp() ? c.response.status : 0;
    if (status >= 400 || (c.stop == Connection::Stop::HttpStatus && status > 0)) {
        return "the server answered HTTP " + std::to_string(status) + " (" +
               describe(RetryPolicy::classify(0, status)) + ")";
    }
    std::string message = c.errorBuffer[0] != '\0' ? c.errorBuffer : curl_easy_strerror(result);
    if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE) {
        message += " (TLS certificate not trusted; give its CA with --ca-certificate, or "
                   "--check-certificate=false if you trust this server)";
    }
    return message;
}

void Job::connectionDone(CURL* easy, CURLcode result) {
    assert(m_host.onEngineThread());
    Connection* c = m_connections.find(easy);
    if (c == nullptr) {
        m_host.detach(easy);
        return;
    }
    m_nextTick = {}; // replace it at once
    m_lastActivityAt = Clock::now();
    if (!writeBatch(*c)) {
        c->stop = Connection::Stop::Io;
        c->stopMessage = m_ioError.message;
    }
    c->response = readResponse(easy); // also when no body came (an error, an empty file)
    const long status = c->response.isHttp() ? c->response.status : 0;
    bool ok = c->stop == Connection::Stop::ReachedEnd ||
              (result == CURLE_OK && c->stop == Connection::Stop::None && status < 300);
    if (ok && !c->bodyStarted && c->stop == Connection::Stop::None) {
        // An empty body is still an answer: an empty file, or nothing left in this range.
        ok = onBodyStart(*c);
        c->bodyStarted = ok;
    }
    if (ok && m_planner && c->segmentId != 0 && !m_planner->isDone(c->segmentId) &&
        c->stop != Connection::Stop::ReachedEnd) {
        ok = false; // a range cut short: the rest is fetched again, from where it stopped
        result = CURLE_PARTIAL_FILE;
    }
    if (ok && !m_planner && m_total >= 0 && doneBytes() != m_total) {
        ok = false;
        result = CURLE_PARTIAL_FILE;
    }
    if (!ok) {
        handleFailure(*c, result);
        return;
    }
    if (c->bytes > 0) {
        m_failuresWithoutProgress = 0;
    }
    dropConnection(c, true);
    if (!m_connections.empty()) {
        return;
    }
    if (allWritten() || (!m_planner && m_total < 0)) {
        complete(); // (unknown size and the stream ended cleanly: that was all of it)
    } else if (m_blockNewConnections) {
        fail(m_lastFailure, m_lastFailureMessage);
    }
}

void Job::handleFailure(Connection& c, CURLcode result) {
    using Stop = Connection::Stop;
    const std::string message = describeFailure(c, result);
    const long status = c.response.isHttp() ? c.response.status : 0;
    const Stop stop = c.stop;
    const bool progressed = c.bytes > 0;
    curl_off_t retryAfter = 0;
    curl_easy_getinfo(c.easy, CURLINFO_RETRY_AFTER, &retryAfter);
    m_lastStatus = status != 0 ? status : m_lastStatus;
    if (status == 429 || status == 503) {
        m_throttled = true;
        ++m_pushbacks;
    }
    if (progressed && result != CURLE_OPERATION_TIMEDOUT) {
        ++m_resets; // cut off mid-transfer; our own low-speed timeout is not the server's doing
    } else if (result == CURLE_COULDNT_CONNECT && m_connections.count() > 1) {
        ++m_resets; // refused while others are served: the server limits connections
    }
    m_lastActivityAt = Clock::now();
    const std::int64_t unsatisfiedTotal = c.response.unsatisfiedTotal;
    dropConnection(&c, true);
    switch (stop) {
    case Stop::FileChanged:
        // Nothing written yet in this run (other connections may still be waiting for their
        // answers): the bytes are an old part of an old file, so start again, never splice.
        if (m_resumed) {
            restartFromZero(message);
        } else {
            goToAttentionState(DownloadState::FileChanged, message);
        }
        return;
    case Stop::NotTheFile:
        goToAttentionState(DownloadState::LinkExpired, message);
        return;
    case Stop::Io:
        fail(m_ioError.diskFull ? ErrorCode::DiskFull : ErrorCode::FileIo, message);
        return;
    case Stop::Local:
        fail(ErrorCode::CannotCreateFile, message);
        return;
    case Stop::NoRanges: {
        spdlog::warn("[#{}] the server ignored a range request; continuing with one connection",
                     m_id);
        // One stream from the contiguous start; the planner's scattered ranges cannot be used.
        stopAll();
        const std::int64_t prefix = recordable().contiguousFrom(0);
        m_unwritten.clear(); // (nothing past the prefix counts any more)
        m_planner.reset();
        m_linear.clear();
        m_linear.add({0, prefix});
        m_rangesOk = false;
        m_store.markDirty();
        scheduleRetry("the server stopped honouring ranges", ErrorCode::ResumeUnsupported,
                      std::chrono::milliseconds(0));
        return;
    }
    default:
        break;
    }
    if (status == 416) {
        handleUnsatisfiable(unsatisfiedTotal, message);
        return;
    }
    if ((status == 403 || status == 404 || status == 410) && doneBytes() > 0) {
        goToAttentionState(DownloadState::LinkExpired,
                           "the link now answers HTTP " + std::to_string(status) +
                               "; the bytes so far are kept — give the download a fresh URL");
        return;
    }
    AttemptOutcome outcome;
    outcome.curlCode = result;
    if (stop == Stop::HttpStatus || (result == CURLE_OK && status > 0)) {
        outcome.httpStatus = status;
        if (status < 400) {
            outcome.curlCode = CURLE_WEIRD_SERVER_REPLY; // e.g. a 3xx with no Location
        }
    } else if (stop == Stop::BadRange) {
        outcome.curlCode = CURLE_RECV_ERROR; // worth another try, counted against MaxTries
    } else if (stop == Stop::TooMuchData) {
        outcome.curlCode = CURLE_WEIRD_SERVER_REPLY;
    }
    outcome.retryAfterSeconds = retryAfter;
    outcome.madeProgress = progressed;
    m_failuresWithoutProgress = progressed ? 1 : m_failuresWithoutProgress + 1;
    RetryDecision decision = m_retry.decide(outcome, m_failuresWithoutProgress, jitter());
    if (stop == Stop::BadRange) {
        decision.error = ErrorCode::BadHttpResponse; // retried like a glitch, but not the network
    }
    if (!decision.retry) {
        m_lastFailure = decision.error == ErrorCode::Ok ? ErrorCode::Unknown : decision.error;
        m_lastFailureMessage = message;
        m_blockNewConnections = true; // let the others finish; open no more
        if (m_connections.empty()) {
            fail(m_lastFailure, message);
        } else {
            spdlog::warn("[#{}] a connection failed for good: {}", m_id, message);
        }
        return;
    }
    m_noNewConnectionsBefore = Clock::now() + decision.delay;
    if (m_connections.empty()) {
        scheduleRetry("attempt failed: " + message, decision.error, decision.delay);
    } else {
        spdlog::info("[#{}] a connection failed ({}); its range goes back to the pool", m_id,
                     message);
    }
}

void Job::handleUnsatisfiable(std::int64_t serverTotal, const std::string& message) {
    // Every byte is here already (-c on a finished file, a run killed between its last byte and
    // its rename): the server's size proves it. Without a control file the part must be exactly
    // that long: a longer one is some other file, not this one's prefix.
    writeBatches(); // the size on disk must include what other connections took
    const std::int64_t onDisk = m_store.isOpen() ? m_store.file().size() : -1;
    if (serverTotal >= 0 && (m_total < 0 || m_total == serverTotal) &&
        recordable().contiguousFrom(0) >= serverTotal && (m_total >= 0 || onDisk == serverTotal)) {
        spdlog::info("[#{}] the server's file has {} bytes, all of them here", m_id, serverTotal);
        stopAll();
        m_total = serverTotal;
        m_store.markDirty();
        complete();
        return;
    }
    if (!m_restartedOn416) {
        // Inside the size it announced or not, a range the server will not serve makes the
        // bytes on disk useless to it: once more from the first byte, into the same file, never
        // asking for a range again.
        m_restartedOn416 = true;
        m_plainRequests = true;
        restartFromZero(serverTotal >= 0 && serverTotal < doneBytes()
                            ? "the server cannot serve the range asked for (416); the file on "
                              "the server is shorter now"
                            : "the server refused a range it should have (416)");
        return;
    }
    stopAll();
    fail(ErrorCode::BadHttpResponse,
         "the server answers 416 (range not satisfiable) even to a request for the whole file: " +
             message);
}

} // namespace maria2
