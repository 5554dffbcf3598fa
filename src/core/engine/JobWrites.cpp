// The bytes libcurl hands over: checked against the connection's range and the limits,
// counted, hashed, and gathered per connection (io::WriteBatch) into fewer, larger writes.
#include "core/engine/Job.h"

#include "core/limit/SpeedLimiter.h"

#include <spdlog/spdlog.h>

#include <cassert>

namespace maria2 {

size_t Job::write(Connection& c, const char* data, size_t n) {
    if (!c.bodyStarted) {
        c.response = readResponse(c.easy); // the headers are complete at the first body byte
        if (!onBodyStart(c)) {
            return 0; // aborts this transfer; c.stop says why
        }
        c.bodyStarted = true;
        c.firstByteAt = Clock::now();
        if (m_firstTtfb < 0) {
            m_firstTtfb = std::chrono::duration<double>(c.firstByteAt - c.startedAt).count();
        }
        if (!m_splitDecided) {
            m_nextTick = std::min(m_nextTick, c.firstByteAt + kProbe); // decide on time
        }
    }
    const auto now = Clock::now();
    SpeedLimiter& limiter = *m_host.limiter();
    if (limiter.anyLimit()) {
        const SpeedLimiter::Decision decision = limiter.acquire(m_id, n, now);
        if (!decision.granted) {
            // libcurl keeps these bytes and hands them over again after curl_easy_pause(CONT);
            // tick() does that at retryAt.
            c.limiterPaused = true;
            // At least a few ms: tokens come back in slivers, and waking for each one costs
            // more CPU than the transfer (the bucket keeps them, so the rate is unchanged).
            c.resumeAt = std::max(decision.retryAt, now + kMinLimitPause);
            m_limitedAt = now;
            m_limitedByOwn = decision.byOwnLimit;
            m_limitedRun = true;
            m_nextTick = std::min(m_nextTick, c.resumeAt);
            return CURL_WRITEFUNC_PAUSE;
        }
    }
    c.lastDataAt = now;
    m_wireBytes += static_cast<std::int64_t>(n);
    m_totalWire += static_cast<std::int64_t>(n);
    std::int64_t allowed = static_cast<std::int64_t>(n);
    if (m_planner && c.segmentId != 0) {
        allowed = m_planner->writable(c.segmentId, allowed);
    } else if (m_total >= 0 && c.writeOffset + allowed > m_total) {
        c.stop = Connection::Stop::TooMuchData;
        c.stopMessage =
            "the server sent more than the announced " + std::to_string(m_total) + " bytes";
        return 0;
    }
    if (allowed > 0 && !stageWrite(c, data, static_cast<size_t>(allowed))) {
        c.stop = Connection::Stop::Io;
        c.stopMessage = m_ioError.message;
        m_host.countTraffic(n, 0);
        return 0;
    }
    m_writeTime += Clock::now() - now;
    m_totalKept += allowed;
    m_host.countTraffic(n, static_cast<std::uint64_t>(allowed));
    if (allowed > 0) {
        m_resumed = false; // this run wrote bytes: a changed file now needs a person's decision
        if (m_checksum || m_verifyAuto) {
            streamHash(c.writeOffset, data, allowed);
        }
    }
    if (m_planner && c.segmentId != 0) {
        m_planner->advance(c.segmentId, allowed);
    } else {
        m_linear.add({c.writeOffset, c.writeOffset + allowed});
    }
    c.writeOffset += allowed;
    c.bytes += allowed;
    m_runBytes += allowed;
    if (allowed < static_cast<std::int64_t>(n)) {
        c.stop = Connection::Stop::ReachedEnd; // its range is done; the rest is someone else's
        return 0;
    }
    return n;
}

bool Job::stageWrite(Connection& c, const char* data, size_t n) {
    if (!c.batch.fits(c.writeOffset, n) && !writeBatch(c)) {
        return false;
    }
    if (n >= io::WriteBatch::kCapacity) { // nothing to gain from a copy
        return m_store.file().writeAt(c.writeOffset, data, n, &m_ioError);
    }
    c.batch.add(c.writeOffset, data, n);
    return true;
}

bool Job::writeBatch(Connection& c) {
    if (c.batch.empty()) {
        return true;
    }
    const ByteRange range{c.batch.begin(), c.batch.end()};
    if (m_store.isOpen() && c.batch.writeTo(m_store.file(), &m_ioError)) {
        return true;
    }
    if (!m_store.isOpen()) {
        m_ioError = io::IoError{false, "the part file was closed with bytes still to write"};
    }
    c.batch.discard();
    // The planner already counts these bytes: no save may claim them, and the download cannot
    // complete with them missing (complete() and tick() fail it).
    m_unwritten.add(range);
    spdlog::warn("[#{}] could not write bytes {}-{}: {}", m_id, range.begin, range.end - 1,
                 m_ioError.message);
    return false;
}

bool Job::writeBatches() {
    bool ok = true;
    for (const auto& c : m_connections) {
        ok = writeBatch(*c) && ok;
    }
    return ok;
}

IntervalSet Job::recordable() const {
    IntervalSet ranges = written();
    for (const ByteRange& r : m_unwritten.ranges()) {
        ranges.subtract(r);
    }
    for (const auto& c : m_connections) {
        if (!c->batch.empty()) {
            ranges.subtract({c->batch.begin(), c->batch.end()});
        }
    }
    return ranges;
}

} // namespace maria2
