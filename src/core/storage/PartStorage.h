#pragma once
// The part file of one download and what makes it resumable: NAME.part, its control file
// NAME.part.maria2, the ranges known to be on disk, the periodic flush-then-record save (on
// the engine's I/O worker), and the durable end (flush, close, rename to NAME, control file
// gone). Knows nothing of HTTP or connections; the Job tells it what is written.
#include "core/io/ControlFile.h"
#include "core/io/IoWorker.h"
#include "core/io/PartFile.h"
#include "core/segment/IntervalSet.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace maria2 {

class PartStorage {
public:
    using Clock = std::chrono::steady_clock;
    // How often the control file records what was written without flushing it first: a
    // killed process re-downloads at most this (plus one engine tick) of its data.
    static constexpr std::chrono::milliseconds kWrittenSaveInterval{200};

    // logTag: "[#7]", for the log lines. io: the engine's worker (outlives this).
    // writtenSaveInterval: see save(); tests set 0.
    PartStorage(io::IoWorker& io, std::string logTag, std::chrono::milliseconds saveInterval,
                std::string url,
                std::chrono::milliseconds writtenSaveInterval = kWrittenSaveInterval);
    ~PartStorage(); // settle()
    PartStorage(const PartStorage&) = delete;
    PartStorage& operator=(const PartStorage&) = delete;

    void setPath(const std::filesystem::path& partPath) { m_partPath = partPath; }
    const std::filesystem::path& partPath() const { return m_partPath; }
    std::filesystem::path controlPath() const { return io::controlPathFor(m_partPath); }
    // The URL the bytes on disk came from (recorded in the control file).
    const std::string& sourceUrl() const { return m_sourceUrl; }

    // Opens the part file (see PartFile::Mode: never through a link, never someone else's
    // file). After any save in flight.
    bool open(io::PartFile::Mode mode, io::IoError* error);
    bool isOpen() const { return m_file.isOpen(); }
    // For the write callback only: positional writes, nothing that waits.
    io::PartFile& file() { return m_file; }
    // Closes the part file (save() first to keep what is written resumable).
    void close() { m_file.close(); }

    // An existing part file of ours: opens it and reads its control file. nullopt control (why set)
    // when there is none or it is unusable: then only its first partSize bytes count.
    struct Adopted {
        std::int64_t partSize = 0;
        std::optional<io::ControlData> control;
        std::string why;
    };
    std::optional<Adopted> adopt(io::IoError* error);

    // The ranges flushed and recorded in the control file. After an adoption that trusted
    // ranges written but not flushed by the killed run (same boot), only the flushed ones
    // count as durable, whatever is passed, until the next flushing save.
    const IntervalSet& durable() const { return m_durable; }
    void setDurable(IntervalSet ranges);
    // The control file on disk describes the file as it is (just adopted).
    void markClean() { m_dirty = false; }
    // What the control file says about the file (size, validators) is out of date.
    void markDirty() { m_dirty = true; }
    bool dirty() const { return m_dirty; }
    bool allocated() const { return m_allocated; }
    void setAllocated(bool allocated) { m_allocated = allocated; }
    // A periodic save (of either kind) may happen at `now`: what it would record must be in
    // the file by then.
    bool saveDue(Clock::time_point now) const {
        return now >= m_nextSave || now >= m_nextWrittenSave;
    }
    // No periodic save before `until` (a small file written in order needs none at all).
    void deferSave(Clock::time_point until) {
        m_nextSave = std::max(m_nextSave, until);
        m_nextWrittenSave = std::max(m_nextWrittenSave, until);
    }

    // Saves resume data when due, on the worker, with `describe()`'s metadata. Two kinds:
    //  - every saveInterval, the flushing save: `written` flushed (fdatasync of a big file
    //    takes 100-200 ms), then recorded as durable. What survives a power loss.
    //  - in between, every kWrittenSaveInterval, `written` recorded as written in this boot,
    //    without a flush (a small file replaced atomically). What survives a killed process:
    //    its pwrites are in the page cache. Skipped where the boot is unknown.
    // Either records only what `written` held when it was called (bytes whose pwrite had
    // returned). force = a flushing save now, on this thread, after any save in flight.
    void save(bool force, const IntervalSet& written,
              const std::function<io::ControlData()>& describe);
    // A save that failed since the last call (the control file could not be written): the
    // download must not go on as if it were resumable. Its message names the file and why.
    std::optional<io::IoError> takeSaveFailure() { return std::exchange(m_saveFailure, {}); }
    // Ends the save in flight: one that has not started is taken back (and its ranges stay
    // dirty), one that runs is waited for. Before the file is truncated, closed or renamed.
    void settle();
    // Forgets every byte on disk and empties the part file (kept open if it was).
    bool forget(io::IoError* error);
    // Deletes the part and control files.
    void removeFiles();

    // The durable end of a download, on the worker: never longer than total, fdatasync, the
    // control file (when a checksum still has to pass), close; then, with rename, NAME.part
    // becomes finalPath and the control file goes. The bytes are on disk before the rename.
    struct Finish {
        std::int64_t total = -1;
        bool flush = true;                      // the part file is open: truncate, sync, close
        std::optional<io::ControlData> control; // recorded after the flush (verify first)
        std::filesystem::path renameTo;         // empty: keep NAME.part (verify first)
        // Recorded on the renamed file as its origin (io::markDownloadOrigin), when not empty.
        std::string originUrl;
        std::string referrer;
    };
    struct Finished {
        bool ok = false;
        bool diskFull = false;
        bool renameFailed = false;
        std::string message;
    };
    // `done` runs on the worker once it is over (it must hand the result to its owner's
    // thread). The file must not be touched before settle() or `done`.
    void finish(Finish plan, std::function<void(const Finished&)> done);
    // After settle(): whether a finish ran to the end (the part file is now the final file).
    bool finishedOk() const { return m_finished && m_finished->ok; }

private:
    struct SaveResult {
        bool ran = false; // false: taken back, or posted after the worker stopped
        bool ok = false;
        bool flushed = true; // a flushing save (else one of the written ranges only)
        IntervalSet ranges;
        std::string url;
        std::string error;
        bool diskFull = false;
    };
    void poll();
    void apply(const SaveResult& result);
    void saveWritten(Clock::time_point now, const IntervalSet& written,
                     const std::function<io::ControlData()>& describe);

    io::IoWorker& m_io;
    std::string m_tag;
    std::chrono::milliseconds m_saveInterval;
    std::chrono::milliseconds m_writtenSaveInterval;
    std::filesystem::path m_partPath;
    io::PartFile m_file;
    std::string m_sourceUrl;
    IntervalSet m_durable;
    bool m_dirty = true;
    bool m_allocated = false;
    Clock::time_point m_nextSave{};
    Clock::time_point m_nextWrittenSave{};
    IntervalSet m_recordedWritten; // what the last save recorded as written
    // Set by an adoption that trusted unflushed ranges: the flushed ones (setDurable's cap).
    std::optional<IntervalSet> m_flushedCap;
    // The task in flight on the worker (a save or the finish) and where it leaves its result.
    io::IoWorker::Ticket m_pending;
    std::shared_ptr<SaveResult> m_pendingSave;
    std::shared_ptr<Finished> m_finished;
    std::optional<io::IoError> m_saveFailure;
};

} // namespace maria2
