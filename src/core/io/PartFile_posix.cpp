#include "core/io/PartFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

namespace maria2::io {
namespace {

bool fail(IoError* error, const std::filesystem::path& path, const char* what) {
    const int err = errno;
    if (error != nullptr) {
        error->diskFull = (err == ENOSPC || err == EDQUOT);
        error->message = std::string(what) + " '" + path.string() + "': " + std::strerror(err);
    }
    return false;
}

int syncFd(int fd) {
#ifdef __APPLE__
    // fsync on macOS does not reach the platter; F_FULLFSYNC does.
    if (fcntl(fd, F_FULLFSYNC) == 0) {
        return 0;
    }
    return fsync(fd);
#else
    return fdatasync(fd);
#endif
}

} // namespace

PartFile::~PartFile() {
    close();
}

void PartFile::stopAllocating() {
    if (m_allocator.joinable()) {
        m_stopAllocating = true;
        m_allocator.join();
        m_stopAllocating = false;
    }
}

bool PartFile::open(const std::filesystem::path& path, bool truncate, IoError* error) {
    close();
    m_path = path;
    int flags = O_RDWR | O_CREAT | O_CLOEXEC;
    if (truncate) {
        flags |= O_TRUNC;
    }
    m_fd = ::open(path.c_str(), flags, 0644);
    if (m_fd < 0) {
        return fail(error, path, "cannot open");
    }
    return true;
}

bool PartFile::isOpen() const {
    return m_fd >= 0;
}

bool PartFile::writeAt(std::int64_t offset, const char* data, std::size_t size, IoError* error) {
    while (size > 0) {
        const ssize_t n = ::pwrite(m_fd, data, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(error, m_path, "cannot write");
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
    return true;
}

bool PartFile::truncate(std::int64_t size, IoError* error) {
    stopAllocating(); // fallocate would grow the file again behind our back
    if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0) {
        return fail(error, m_path, "cannot truncate");
    }
    return true;
}

bool PartFile::allocate(std::int64_t size, IoError* error) {
#if defined(__linux__)
    const int rc = ::posix_fallocate(m_fd, 0, static_cast<off_t>(size));
    if (rc == 0) {
        return true;
    }
    if (rc != EOPNOTSUPP && rc != EINVAL) {
        errno = rc;
        return fail(error, m_path, "cannot reserve space for");
    }
#elif defined(__APPLE__)
    fstore_t store{F_ALLOCATECONTIG | F_ALLOCATEALL, F_PEOFPOSMODE, 0, static_cast<off_t>(size), 0};
    if (::fcntl(m_fd, F_PREALLOCATE, &store) != 0) {
        store.fst_flags = F_ALLOCATEALL; // contiguous failed is fine; any space will do
        ::fcntl(m_fd, F_PREALLOCATE, &store);
    }
#endif
    if (this->size() < size) {
        return truncate(size, error);
    }
    return true;
}

bool PartFile::allocateInBackground(std::int64_t size, IoError* error) {
#if defined(__linux__)
    stopAllocating();
    if (this->size() < size && !truncate(size, error)) {
        return false;
    }
    // In RAM (tmpfs, ramfs) reserving only zeroes pages that the writes will fill anyway, and
    // the caller has checked the free space already.
    struct statfs fsInfo {};
    if (::fstatfs(m_fd, &fsInfo) == 0 &&
        (fsInfo.f_type == TMPFS_MAGIC || fsInfo.f_type == RAMFS_MAGIC)) {
        return true;
    }
    // fallocate(2) itself, never glibc's posix_fallocate: where the file system cannot
    // preallocate, the latter emulates it by writing zeros, which would race with our data.
    // Mode 0 only reserves blocks that are still holes; bytes already written stay as they are.
    m_allocator = std::thread([this, fd = m_fd, size] {
        constexpr std::int64_t kChunk = std::int64_t{16} << 20;
        for (std::int64_t at = 0; at < size && !m_stopAllocating; at += kChunk) {
            if (::fallocate(fd, 0, static_cast<off_t>(at),
                            static_cast<off_t>(std::min(kChunk, size - at))) != 0 &&
                errno != EINTR) {
                return; // unsupported or full: the file stays sparse; a write will say so
            }
        }
    });
    return true;
#else
    return allocate(size, error);
#endif
}

bool PartFile::sync(IoError* error) {
    if (m_fd >= 0 && syncFd(m_fd) != 0) {
        return fail(error, m_path, "cannot flush");
    }
    return true;
}

std::int64_t PartFile::size() const {
    struct stat st {};
    if (m_fd < 0 || ::fstat(m_fd, &st) != 0) {
        return -1;
    }
    return static_cast<std::int64_t>(st.st_size);
}

void PartFile::close() {
    stopAllocating();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

bool writeFileAtomically(const std::filesystem::path& path, const std::string& content,
                         IoError* error, bool durable) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    PartFile file;
    if (!file.open(tmp, true, error) || !file.writeAt(0, content.data(), content.size(), error) ||
        (durable && !file.sync(error))) {
        file.close();
        ::unlink(tmp.c_str());
        return false;
    }
    file.close();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        fail(error, path, "cannot replace");
        ::unlink(tmp.c_str());
        return false;
    }
    if (!durable) {
        return true;
    }
    // Make the rename itself durable.
    const int dirFd =
        ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return true;
}

} // namespace maria2::io
