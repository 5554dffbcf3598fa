// Job's end: every byte is there, so flush, verify when asked, and give the file its name.
// The disk work runs on the engine's I/O worker (PartStorage::finish); the results come back
// here on the engine thread. The rest of the life cycle is in Job.cpp.
#include "core/engine/Job.h"

#include "core/io/PathText.h"
#include "core/naming/FileNaming.h"
#include "core/net/CurlOptions.h"

#include <spdlog/spdlog.h>

#include <cassert>
#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

void Job::complete() {
    assert(m_host.onEngineThread());
    stopAll(); // (writes what the connections gathered)
    if (!m_unwritten.empty()) {
        fail(m_ioError.diskFull ? ErrorCode::DiskFull : ErrorCode::FileIo, m_ioError.message);
        return;
    }
    m_store.settle(); // before the part file is truncated, closed and renamed
    if (!m_store.isOpen() && !openPart(io::PartFile::Mode::Reopen)) {
        fail(ErrorCode::CannotOpenFile, m_ioError.message);
        return;
    }
    if (m_total < 0) {
        m_total = doneBytes();
    }
    PartStorage::Finish plan;
    plan.total = m_total;
    const bool verify = m_checksum || m_verifyAuto;
    if (verify) {
        // A crash while verifying resumes as "all bytes there".
        plan.control = controlData();
        plan.control->ranges = written().ranges();
    } else {
        if (!claimFinalName()) {
            return;
        }
        plan.renameTo = m_finalPath;
        plan.originUrl = m_request.url;
        plan.referrer = m_request.referer;
    }
    finishOnWorker(std::move(plan), !verify);
}

void Job::finishOnWorker(PartStorage::Finish plan, bool rename) {
    // fdatasync, close and rename wait for the disk: on the engine thread, 400 small files
    // meant 400 flushes in a row while every other transfer stood still. The download is
    // reported completed only when they are done, so its bytes are on disk before its name.
    m_finishing = true;
    m_finishRenames = rename;
    const std::uint64_t run = ++m_finishRun;
    JobHost& host = m_host;
    m_store.finish(std::move(plan), [&host, id = m_id, run](const PartStorage::Finished& r) {
        host.runOnEngine(id, [run, r](Job& job) { job.finished(run, r); });
    });
}

void Job::finished(std::uint64_t run, const PartStorage::Finished& result) {
    assert(m_host.onEngineThread());
    if (!m_finishing || run != m_finishRun) {
        return; // settled meanwhile (a pause, a removal): settleFinish() applied it
    }
    m_store.settle(); // over: only forgets the ticket
    m_finishing = false;
    if (!result.ok) {
        fail(result.renameFailed ? ErrorCode::RenameFailed : ErrorCode::FileIo, result.message);
        return;
    }
    if (m_finishRenames) {
        completed();
        return;
    }
    VerifyTask task;
    task.file = m_store.partPath();
    task.expected = m_checksum;
    task.discover = m_verifyAuto;
    task.url = m_request.url;
    task.fileName = io::pathText(m_finalPath.filename());
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
}

void Job::settleFinish() {
    if (!m_finishing) {
        return;
    }
    m_store.settle();
    m_finishing = false;
    ++m_finishRun; // a result still on its way is stale now
    if (m_finishRenames && m_store.finishedOk()) {
        completed(); // it got there: the file is complete under its name
        return;
    }
    m_endInterrupted = true; // every byte is still there: the next start only ends it
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
             "; the data stays in '" + io::pathText(m_store.partPath().filename()) + "'");
}

void Job::finishVerified() {
    if (!claimFinalName()) {
        return;
    }
    PartStorage::Finish plan;
    plan.total = m_total;
    plan.flush = false; // flushed and closed before the checksum read it
    plan.renameTo = m_finalPath;
    plan.originUrl = m_request.url;
    plan.referrer = m_request.referer;
    finishOnWorker(std::move(plan), true);
}

bool Job::claimFinalName() {
    std::error_code ec;
    if (m_request.allowOverwrite ||
        fs::symlink_status(m_finalPath, ec).type() == fs::file_type::not_found) {
        return true;
    }
    // Someone created the name while we downloaded: never overwrite silently.
    const auto taken = [this](const fs::path& p) {
        if (!m_host.names().claim(p, m_id)) {
            return true;
        }
        std::error_code e;
        if (fs::symlink_status(p, e).type() != fs::file_type::not_found) {
            m_host.names().release(p, m_id);
            return true;
        }
        return false;
    };
    m_host.names().release(m_finalPath, m_id);
    try {
        m_finalPath = naming::uniquePath(m_dir, io::pathText(m_finalPath.filename()), taken);
    } catch (const std::exception& e) {
        fail(ErrorCode::FileExists, e.what());
        return false;
    }
    return true;
}

void Job::completed() {
    // The finished file now guards its own name on disk; the reservation is for part files.
    m_host.names().release(m_finalPath, m_id);
    m_error = ErrorCode::Ok;
    m_errorMessage.clear();
    spdlog::info("[#{}] completed: {} ({} bytes)", m_id, io::pathText(m_finalPath), m_total);
    reportEnd(true);
    setState(DownloadState::Completed);
}

} // namespace maria2
