#include "core/storage/PartStorage.h"

#include "core/io/BootId.h"
#include "core/io/OriginMark.h"
#include "core/io/PathText.h"
#include "core/io/TempNames.h"

#include <spdlog/spdlog.h>

#include <limits>

#include <system_error>

namespace maria2 {
namespace fs = std::filesystem;

namespace {

// io::saveControl, keeping whether the disk was full.
template <typename Result>
bool saveControlFile(const fs::path& path, const io::ControlData& data, bool durable,
                     Result& result) {
    io::IoError error;
    if (io::writeFileAtomically(path, io::encodeControl(data), &error, durable)) {
        return true;
    }
    result.error = error.message;
    result.diskFull = error.diskFull;
    return false;
}

} // namespace

PartStorage::PartStorage(io::IoWorker& io, std::string logTag,
                         std::chrono::milliseconds saveInterval, std::string url,
                         std::chrono::milliseconds writtenSaveInterval)
    : m_io(io)
    , m_tag(std::move(logTag))
    , m_saveInterval(saveInterval)
    , m_writtenSaveInterval(writtenSaveInterval)
    , m_sourceUrl(std::move(url)) {
}

PartStorage::~PartStorage() {
    // A flush in flight uses the part file: it ends first.
    settle();
}

bool PartStorage::open(io::PartFile::Mode mode, io::IoError* error) {
    settle(); // a flush in flight still uses the old descriptor
    return m_file.open(m_partPath, mode, error);
}

std::optional<PartStorage::Adopted> PartStorage::adopt(io::IoError* error) {
    if (!open(io::PartFile::Mode::Reopen, error)) {
        return std::nullopt;
    }
    // A run killed while it saved left its control file's temporary copy behind.
    io::removeStaleTemps(controlPath());
    Adopted a;
    a.partSize = m_file.size();
    a.control = io::loadControl(controlPath(), &a.why);
    m_flushedCap.reset();
    if (a.control) {
        m_sourceUrl = a.control->url;
        // A run killed in this boot: what it had written is in the page cache, hence in the
        // file. After a restart only what it had flushed is.
        auto trusted = io::trustedRanges(*a.control, io::currentBootId());
        if (trusted != a.control->ranges) {
            IntervalSet flushed;
            for (const auto& r : a.control->ranges) {
                flushed.add(r);
            }
            m_flushedCap = std::move(flushed);
            a.control->ranges = std::move(trusted);
        }
    }
    return a;
}

void PartStorage::setDurable(IntervalSet ranges) {
    if (m_flushedCap) {
        // Keep only what is also in the cap: subtract every gap of the cap.
        std::int64_t from = 0;
        for (const auto& r : m_flushedCap->ranges()) {
            ranges.subtract({from, r.begin});
            from = r.end;
        }
        ranges.subtract({from, std::numeric_limits<std::int64_t>::max()});
    }
    m_durable = std::move(ranges);
    m_recordedWritten = m_durable;
}

void PartStorage::save(bool force, const IntervalSet& written,
                       const std::function<io::ControlData()>& describe) {
    if (force) {
        settle();
    } else {
        poll();
    }
    if (m_partPath.empty() || !m_file.isOpen() || m_pending.valid()) {
        return; // the last periodic save is still flushing: its result comes first
    }
    const auto now = Clock::now();
    if (!force && now < m_nextSave) {
        saveWritten(now, written, describe);
        return;
    }
    m_nextSave = now + m_saveInterval;
    m_nextWrittenSave = now + m_writtenSaveInterval;
    // Snapshot first, then flush: the control file may only claim bytes the disk has.
    if (written == m_durable && !m_dirty) {
        return;
    }
    io::ControlData data = describe();
    data.ranges = written.ranges();
    data.bootId = io::currentBootId();
    m_recordedWritten = written;
    auto result = std::make_shared<SaveResult>();
    result->ranges = written;
    result->url = data.url;
    m_dirty = false; // set again if this save fails, or if something changes meanwhile
    auto work = [file = &m_file, control = controlPath(), data = std::move(data), result] {
        result->ran = true;
        io::IoError ioError;
        if (!file->sync(&ioError)) {
            result->error = ioError.message;
            result->diskFull = ioError.diskFull;
            return;
        }
        result->ok = saveControlFile(control, data, true, *result);
    };
    if (force) {
        work();
        apply(*result);
        return;
    }
    // fdatasync of a big part file on a real disk takes 100-200 ms: on the engine thread it
    // stalled every transfer once a second. The flush runs beside them; the control file
    // claims only the bytes of the snapshot taken before it, so a crash still loses nothing.
    m_pendingSave = std::move(result);
    m_pending = m_io.post(std::move(work));
}

void PartStorage::saveWritten(Clock::time_point now, const IntervalSet& written,
                              const std::function<io::ControlData()>& describe) {
    if (now < m_nextWrittenSave || written == m_recordedWritten || io::currentBootId().empty()) {
        return;
    }
    m_nextWrittenSave = now + m_writtenSaveInterval;
    io::ControlData data = describe();
    data.ranges = m_durable.ranges();
    data.written = written.ranges();
    data.bootId = io::currentBootId();
    auto result = std::make_shared<SaveResult>();
    result->flushed = false;
    result->ranges = written;
    m_recordedWritten = written;
    // No flush: a few hundred bytes renamed into place, ~50 us. A killed process keeps its
    // page cache, so the next run in this boot finds these ranges in the file.
    auto work = [control = controlPath(), data = std::move(data), result] {
        result->ran = true;
        result->ok = saveControlFile(control, data, false, *result);
    };
    m_pendingSave = std::move(result);
    m_pending = m_io.post(std::move(work));
}

void PartStorage::poll() {
    if (m_pendingSave && m_io.finished(m_pending)) {
        apply(*m_pendingSave);
        m_pendingSave.reset();
        m_pending = {};
    }
}

void PartStorage::settle() {
    if (!m_pending.valid()) {
        return;
    }
    if (m_io.cancel(m_pending)) {
        if (m_pendingSave && m_pendingSave->flushed) {
            m_dirty = true; // its ranges were never recorded
        } else if (m_pendingSave) {
            m_recordedWritten = m_durable;
        }
    } else {
        m_io.wait(m_pending);
        if (m_pendingSave) {
            apply(*m_pendingSave);
        }
    }
    m_pendingSave.reset();
    m_pending = {};
}

void PartStorage::apply(const SaveResult& result) {
    if (result.ran && !result.ok) {
        spdlog::warn("{} cannot save resume data: {}", m_tag, result.error);
        m_saveFailure = io::IoError{result.diskFull, "cannot save resume data: " + result.error};
    }
    if (!result.flushed) {
        if (!result.ok) {
            m_recordedWritten = m_durable; // the next one records them again
        }
        return;
    }
    if (result.ok) {
        m_durable = result.ranges;
        m_sourceUrl = result.url;
        m_flushedCap.reset(); // everything recorded is flushed now
        return;
    }
    m_recordedWritten = m_durable;
    m_dirty = true;
}

bool PartStorage::forget(io::IoError* error) {
    settle(); // it would write a control file for the bytes being dropped
    m_durable.clear();
    m_recordedWritten.clear();
    m_flushedCap.reset();
    m_allocated = false;
    m_dirty = true;
    return !m_file.isOpen() || m_file.truncate(0, error);
}

void PartStorage::removeFiles() {
    settle();
    std::error_code ec;
    fs::remove(m_partPath, ec);
    fs::remove(controlPath(), ec);
    io::removeStaleTemps(controlPath());
}

void PartStorage::finish(Finish plan, std::function<void(const Finished&)> done) {
    settle();
    auto result = std::make_shared<Finished>();
    m_finished = result;
    auto work = [file = &m_file, part = m_partPath, control = controlPath(), plan = std::move(plan),
                 result, done = std::move(done), tag = m_tag] {
        Finished& r = *result;
        io::IoError ioError;
        if (plan.flush) {
            // Never longer than the file (before the checksum reads it or the name is given).
            if ((plan.total >= 0 && file->size() > plan.total &&
                 !file->truncate(plan.total, &ioError)) ||
                !file->sync(&ioError)) {
                r.diskFull = ioError.diskFull;
                r.message = ioError.message;
                done(r);
                return;
            }
            std::string why;
            if (plan.control && !io::saveControl(control, *plan.control, &why)) {
                spdlog::warn("{} cannot save resume data: {}", tag, why);
            }
            file->close();
        }
        if (!plan.renameTo.empty()) {
            std::error_code ec;
            if (plan.total >= 0 &&
                fs::file_size(part, ec) != static_cast<std::uintmax_t>(plan.total)) {
                fs::resize_file(part, static_cast<std::uintmax_t>(plan.total), ec); // never longer
            }
            fs::rename(part, plan.renameTo, ec);
            if (ec) {
                r.renameFailed = true;
                r.message = "cannot rename '" + io::pathText(part) + "' to '" +
                            io::pathText(plan.renameTo) + "': " + ec.message();
                done(r);
                return;
            }
            fs::remove(control, ec);
            if (!plan.originUrl.empty()) {
                io::markDownloadOrigin(plan.renameTo, plan.originUrl, plan.referrer);
            }
        }
        r.ok = true;
        done(r);
    };
    m_pending = m_io.post(std::move(work));
}

} // namespace maria2
