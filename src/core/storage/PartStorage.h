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

namespace maria2 {

class PartStorage {
public:
    using Clock = std::chrono::steady_clock;

    // logTag: "[#7]", for the log lines. io: the engine's worker (outlives this).
    PartStorage(io::IoWorker& io, std::string logTag, std::chrono::milliseconds saveInterval,
                std::string url);
    ~PartStorage(); // settle()
    PartStorage(const PartStorage&) = delete;
    PartStorage& operator=(const PartStorage&) = delete;

    void setPath(const std::filesystem::path& partPath) { m_partPath = partPath; }
    const std::filesystem::path& partPath() const { return m_partPath; }
    std::filesystem::path controlPath() const { return io::controlPathFor(m_partPath); }
    // The URL the bytes on disk came from (recorded in the control file).
    const std::string& sourceUrl() const { return m_sourceUrl; }

    // Opens the part file (creating it; truncate = empty it). After any save in flight.
    bool open(bool truncate, io::IoError* error);
    bool isOpen() const { return m_file.isOpen(); }
    // For the write callback only: positional writes, nothing that waits.
    io::PartFile& file() { return m_file; }
    // Closes the part file (save() first to keep what is written resumable).
    void close() { m_file.close(); }

    // An existing part file: opens it and reads its control file. nullopt control (why set)
    // when there is none or it is unusable: then only its first partSize bytes count.
    struct Adopted {
        std::int64_t partSize = 0;
        std::optional<io::ControlData> control;
        std::string why;
    };
    std::optional<Adopted> adopt(io::IoError* error);

    // The ranges flushed and recorded in the control file.
    const IntervalSet& durable() const { return m_durable; }
    void setDurable(IntervalSet ranges) { m_durable = std::move(ranges); }
    // The control file on disk describes the file as it is (just adopted).
    void markClean() { m_dirty = false; }
    // What the control file says about the file (size, validators) is out of date.
    void markDirty() { m_dirty = true; }
    bool dirty() const { return m_dirty; }
    bool allocated() const { return m_allocated; }
    void setAllocated(bool allocated) { m_allocated = allocated; }
    // No periodic save before `until` (a small file written in order needs none at all).
    void deferSave(Clock::time_point until) { m_nextSave = std::max(m_nextSave, until); }

    // Saves resume data when due: `written` flushed, then recorded with `describe()`'s
    // metadata. Periodic saves run on the worker (fdatasync of a big file takes 100-200 ms);
    // force = now, on this thread, after any save in flight.
    void save(bool force, const IntervalSet& written,
              const std::function<io::ControlData()>& describe);
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
        IntervalSet ranges;
        std::string url;
        std::string error;
    };
    void poll();
    void apply(const SaveResult& result);

    io::IoWorker& m_io;
    std::string m_tag;
    std::chrono::milliseconds m_saveInterval;
    std::filesystem::path m_partPath;
    io::PartFile m_file;
    std::string m_sourceUrl;
    IntervalSet m_durable;
    bool m_dirty = true;
    bool m_allocated = false;
    Clock::time_point m_nextSave{};
    // The task in flight on the worker (a save or the finish) and where it leaves its result.
    io::IoWorker::Ticket m_pending;
    std::shared_ptr<SaveResult> m_pendingSave;
    std::shared_ptr<Finished> m_finished;
};

} // namespace maria2
