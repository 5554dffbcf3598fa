#include "core/io/PartFile.h"

#include "core/io/PathText.h"
#include "core/io/TempNames.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
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
        error->message = std::string(what) + " '" + pathText(path) + "': " + std::strerror(err);
    }
    return false;
}

bool refuse(IoError* error, const std::filesystem::path& path, const char* why) {
    if (error != nullptr) {
        error->diskFull = false;
        error->message = "refusing to use '" + pathText(path) + "': " + why;
    }
    return false;
}

// Why an existing file may not be resumed into, or nullptr. Only a regular file with one name
// that we own: a hard link or another user's file could be a file elsewhere that they want us
// to overwrite.
const char* refusal(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return "cannot read its attributes";
    }
    if (!S_ISREG(st.st_mode)) {
        return "it is not a regular file";
    }
    if (st.st_nlink != 1) {
        return "it has more than one name (a hard link)";
    }
    if (st.st_uid != ::geteuid()) {
        return "it belongs to another user";
    }
    return nullptr;
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

bool PartFile::open(const std::filesystem::path& path, Mode mode, IoError* error) {
    close();
    m_path = path;
    // The name is looked up in the folder we opened and its last component is never followed:
    // a link planted under our name (a shared folder) fails the open instead of sending our
    // writes elsewhere.
    const std::filesystem::path parent = path.parent_path();
    const int dir =
        ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        return fail(error, path, "cannot open the folder of");
    }
    const std::string name = path.filename().string();
    constexpr int kFlags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
    if (mode == Mode::Replace && ::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) {
        ::close(dir);
        return fail(error, path, "cannot remove");
    }
    if (mode == Mode::Reopen) {
        // O_NONBLOCK: a FIFO or device planted under the name must not hang us; it is refused
        // below, and a regular file ignores the flag.
        m_fd = ::openat(dir, name.c_str(), kFlags | O_NONBLOCK);
        if (m_fd >= 0) {
            ::close(dir);
            const char* why = refusal(m_fd);
            if (why != nullptr) {
                ::close(m_fd);
                m_fd = -1;
                return refuse(error, path, why);
            }
            ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
            return true;
        }
        if (errno == ELOOP) {
            ::close(dir);
            return refuse(error, path, "it is a symbolic link");
        }
        if (errno != ENOENT) {
            ::close(dir);
            return fail(error, path, "cannot open");
        }
    }
    m_fd = ::openat(dir, name.c_str(), kFlags | O_CREAT | O_EXCL, 0644);
    ::close(dir);
    if (m_fd < 0) {
        if (errno == EEXIST) {
            return refuse(error, path, "something else has that name now");
        }
        return fail(error, path, "cannot create");
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

static std::filesystem::path uniqueTempPath(const std::filesystem::path& beside) {
    // A name of its own each time, yet the target's (TempNames.h).
    thread_local std::mt19937_64 random{std::random_device{}() ^
                                        static_cast<std::uint64_t>(::getpid())};
    return beside.parent_path() / tempNameFor(beside.filename().string(), random());
}

bool writeFileAtomically(const std::filesystem::path& path, const std::string& content,
                         IoError* error, bool durable) {
    PartFile file;
    std::filesystem::path tmp;
    for (int attempt = 0;; ++attempt) {
        tmp = uniqueTempPath(path);
        if (file.open(tmp, PartFile::Mode::CreateNew, error)) {
            break;
        }
        struct stat st {};
        if (attempt == 8 || ::lstat(tmp.c_str(), &st) != 0) {
            return false; // not a clash of names: the folder's own fault
        }
    }
    if (!file.writeAt(0, content.data(), content.size(), error) || (durable && !file.sync(error))) {
        file.close();
        ::unlink(tmp.c_str());
        return false;
    }
    file.close();
    // rename(2) replaces the name itself, a link too, never the file a link points to.
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
