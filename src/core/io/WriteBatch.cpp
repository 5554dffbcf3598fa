#include "core/io/WriteBatch.h"

#include "core/io/PartFile.h"

#include <cassert>
#include <cstring>
#include <vector>

namespace maria2::io {

namespace {

// Enough for every connection an engine thread usually has open at once; beyond that a buffer
// is freed when its batch empties.
constexpr std::size_t kPoolLimit = 32;

std::vector<std::unique_ptr<char[]>>& pool() {
    thread_local std::vector<std::unique_ptr<char[]>> buffers;
    return buffers;
}

std::unique_ptr<char[]> takeBuffer() {
    auto& buffers = pool();
    if (buffers.empty()) {
        // Not value-initialised: every byte is written before it is read.
        return std::unique_ptr<char[]>(new char[WriteBatch::kCapacity]);
    }
    auto buffer = std::move(buffers.back());
    buffers.pop_back();
    return buffer;
}

void giveBack(std::unique_ptr<char[]> buffer) {
    auto& buffers = pool();
    if (buffer && buffers.size() < kPoolLimit) {
        buffers.push_back(std::move(buffer));
    }
}

} // namespace

WriteBatch::~WriteBatch() {
    release();
}

bool WriteBatch::fits(std::int64_t offset, std::size_t n) const {
    if (m_size == 0) {
        return n <= kCapacity;
    }
    return offset == end() && n <= kCapacity - m_size;
}

void WriteBatch::add(std::int64_t offset, const char* data, std::size_t n) {
    assert(fits(offset, n));
    if (n == 0) {
        return;
    }
    if (!m_buffer) {
        m_buffer = takeBuffer();
    }
    if (m_size == 0) {
        m_at = offset;
    }
    std::memcpy(m_buffer.get() + m_size, data, n);
    m_size += n;
}

bool WriteBatch::writeTo(PartFile& file, IoError* error) {
    if (m_size == 0) {
        return true;
    }
    const bool ok = file.writeAt(m_at, m_buffer.get(), m_size, error);
    release();
    return ok;
}

void WriteBatch::discard() {
    release();
}

void WriteBatch::release() {
    m_size = 0;
    // Back to the pool between batches: a connection of a small file holds no buffer once its
    // bytes are written, and the next connection on this thread gets pages already mapped.
    giveBack(std::move(m_buffer));
    m_buffer.reset();
}

std::size_t WriteBatch::pooledOnThisThread() {
    return pool().size();
}

} // namespace maria2::io
