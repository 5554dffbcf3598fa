#pragma once
// The file a download writes into while it is unfinished (NAME.part): positional writes,
// durable flushes, truncation. One implementation per platform (PartFile_posix.cpp,
// PartFile_win.cpp); everything else stays portable.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

namespace maria2::io {

struct IoError {
    bool diskFull = false;
    std::string message; // names the file and the system's reason
};

class PartFile {
public:
    PartFile() = default;
    ~PartFile();
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    // How open() treats what is already at the path. The download folder may be writable by
    // others (a shared folder, /tmp): a link planted under our name must never make us create,
    // truncate or write a file elsewhere, so the last component is never followed.
    enum class Mode {
        CreateNew, // a new, empty file; fails if anything (a link too) has the name
        Replace,   // whatever has the name is removed (a link itself, not its target), then new
        Reopen,    // an existing file of ours (regular, one name, our owner), else a new one
    };
    // Opens for read/write.
    bool open(const std::filesystem::path& path, Mode mode, IoError* error);
    bool isOpen() const;
    const std::filesystem::path& path() const { return m_path; }

    // Writes all of data at offset (not the file position: segments may write anywhere).
    bool writeAt(std::int64_t offset, const char* data, std::size_t size, IoError* error);
    bool truncate(std::int64_t size, IoError* error);
    // Reserves disk space for `size` bytes so a full disk shows at once, not mid-download,
    // and the file is not fragmented (posix_fallocate / F_PREALLOCATE / SetEndOfFile).
    // Falls back to a sparse file where the file system cannot preallocate.
    bool allocate(std::int64_t size, IoError* error);
    // The same without holding up the caller: the file gets its full size at once and the
    // blocks are reserved by a helper thread in chunks, so writes at offsets go on meanwhile
    // (on tmpfs, reserving 256 MiB takes ~140 ms of page zeroing). Linux only; elsewhere it is
    // allocate(). close(), truncate() and the destructor wait for the helper.
    bool allocateInBackground(std::int64_t size, IoError* error);
    // Data reaches the disk (fdatasync / FlushFileBuffers) before this returns.
    bool sync(IoError* error);
    std::int64_t size() const; // -1 if not open
    void close();

private:
    void stopAllocating();

    std::thread m_allocator;
    std::atomic<bool> m_stopAllocating{false};
#ifdef _WIN32
    void* m_handle = nullptr;
#else
    int m_fd = -1;
#endif
    std::filesystem::path m_path;
};

// Writes `content` to `path` atomically: a temp file beside it, then renamed over the target,
// so a crash leaves either the old or the new file, never a torn one. durable: the temp file
// is flushed before the rename and the rename after it (power loss keeps one of the two);
// without, a killed process still does, but after a power loss the file may be either, or
// empty (for what only has to survive the process).
bool writeFileAtomically(const std::filesystem::path& path, const std::string& content,
                         IoError* error, bool durable = true);

} // namespace maria2::io
