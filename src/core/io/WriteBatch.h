#pragma once
// Bytes one connection has taken but not yet written. libcurl hands a download over in 16 KiB
// pieces, and one pwrite per piece cost more than copying it (65,536 calls per GiB), so a
// connection gathers up to kCapacity contiguous bytes and writes them in one call. Whoever owns
// the batch writes it out before the bytes are read back or recorded as written (a save, the
// end of the connection). Buffers come from a small pool per thread so that their pages stay
// mapped: a fresh buffer costs a page fault per 4 KiB, dearer than the write it saves.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace maria2::io {

class PartFile;
struct IoError;

class WriteBatch {
public:
    static constexpr std::size_t kCapacity = 128 * 1024;

    WriteBatch() = default;
    ~WriteBatch(); // gives the buffer back (anything unwritten is dropped)
    WriteBatch(const WriteBatch&) = delete;
    WriteBatch& operator=(const WriteBatch&) = delete;

    bool empty() const { return m_size == 0; }
    std::int64_t begin() const { return m_at; }
    std::int64_t end() const { return m_at + static_cast<std::int64_t>(m_size); }
    // n bytes at offset can join without writing first: the batch is empty, or they follow
    // its last byte and fit.
    bool fits(std::int64_t offset, std::size_t n) const;
    // Holds a copy of n bytes for offset; requires fits(offset, n).
    void add(std::int64_t offset, const char* data, std::size_t n);
    // Writes what it holds at its offset and empties itself, also when the write fails (the
    // caller then knows the range [begin(), end()) as it was is not on disk).
    bool writeTo(PartFile& file, IoError* error);
    // Empties it without writing.
    void discard();

    // Buffers kept for reuse by the calling thread (for tests).
    static std::size_t pooledOnThisThread();

private:
    void release();

    std::unique_ptr<char[]> m_buffer;
    std::int64_t m_at = 0;
    std::size_t m_size = 0;
};

} // namespace maria2::io
