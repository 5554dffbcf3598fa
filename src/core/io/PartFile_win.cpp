#include "core/io/PartFile.h"

#include "core/io/PathText.h"
#include "core/io/TempNames.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <cstdio>
#include <random>

namespace maria2::io {
namespace {

bool fail(IoError* error, const std::filesystem::path& path, const char* what) {
    const DWORD err = GetLastError();
    if (error != nullptr) {
        error->diskFull = (err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL);
        char buf[256] = {};
        FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, err, 0,
                       buf, sizeof(buf), nullptr);
        error->message = std::string(what) + " '" + pathText(path) + "': " + buf;
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

bool PartFile::allocateInBackground(std::int64_t size, IoError* error) {
    // Reserving space with SetFileInformationByHandle is quick on NTFS: do it here.
    return allocate(size, error);
}

bool PartFile::open(const std::filesystem::path& path, Mode mode, IoError* error) {
    close();
    m_path = path;
    constexpr DWORD kAccess = GENERIC_READ | GENERIC_WRITE;
    // FILE_FLAG_OPEN_REPARSE_POINT: a link or junction planted under our name is opened as
    // itself (and refused below), never followed to a file elsewhere.
    constexpr DWORD kFlags = FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT;
    if (mode == Mode::Replace && !DeleteFileW(path.c_str()) &&
        GetLastError() != ERROR_FILE_NOT_FOUND) {
        return fail(error, path, "cannot remove");
    }
    if (mode == Mode::Reopen) {
        HANDLE h = CreateFileW(path.c_str(), kAccess, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                               kFlags, nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            BY_HANDLE_FILE_INFORMATION info{};
            const char* why = nullptr;
            if (!GetFileInformationByHandle(h, &info)) {
                why = "cannot read its attributes";
            } else if ((info.dwFileAttributes &
                        (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) != 0) {
                why = "it is a link or a folder";
            } else if (info.nNumberOfLinks != 1) {
                why = "it has more than one name (a hard link)";
            }
            if (why != nullptr) {
                CloseHandle(h);
                return refuse(error, path, why);
            }
            m_handle = h;
            return true;
        }
        if (GetLastError() != ERROR_FILE_NOT_FOUND) {
            return fail(error, path, "cannot open");
        }
    }
    HANDLE h =
        CreateFileW(path.c_str(), kAccess, FILE_SHARE_READ, nullptr, CREATE_NEW, kFlags, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_EXISTS) {
            return refuse(error, path, "something else has that name now");
        }
        return fail(error, path, "cannot create");
    }
    m_handle = h;
    return true;
}

bool PartFile::isOpen() const {
    return m_handle != nullptr;
}

bool PartFile::writeAt(std::int64_t offset, const char* data, std::size_t size, IoError* error) {
    while (size > 0) {
        OVERLAPPED ov{};
        ov.Offset = static_cast<DWORD>(offset & 0xffffffffULL);
        ov.OffsetHigh = static_cast<DWORD>(static_cast<std::uint64_t>(offset) >> 32);
        const DWORD chunk = static_cast<DWORD>(size > (1u << 30) ? (1u << 30) : size);
        DWORD written = 0;
        if (!WriteFile(static_cast<HANDLE>(m_handle), data, chunk, &written, &ov)) {
            return fail(error, m_path, "cannot write");
        }
        if (written == 0) { // never loop forever on a device that takes nothing
            SetLastError(ERROR_WRITE_FAULT);
            return fail(error, m_path, "cannot write");
        }
        data += written;
        size -= written;
        offset += written;
    }
    return true;
}

bool PartFile::truncate(std::int64_t size, IoError* error) {
    FILE_END_OF_FILE_INFO info{};
    info.EndOfFile.QuadPart = size;
    if (!SetFileInformationByHandle(static_cast<HANDLE>(m_handle), FileEndOfFileInfo, &info,
                                    sizeof(info))) {
        return fail(error, m_path, "cannot truncate");
    }
    return true;
}

bool PartFile::allocate(std::int64_t size, IoError* error) {
    FILE_ALLOCATION_INFO alloc{};
    alloc.AllocationSize.QuadPart = size;
    SetFileInformationByHandle(static_cast<HANDLE>(m_handle), FileAllocationInfo, &alloc,
                               sizeof(alloc)); // best effort: space reserved when it works
    if (this->size() < size) {
        return truncate(size, error);
    }
    return true;
}

bool PartFile::sync(IoError* error) {
    if (m_handle != nullptr && !FlushFileBuffers(static_cast<HANDLE>(m_handle))) {
        return fail(error, m_path, "cannot flush");
    }
    return true;
}

std::int64_t PartFile::size() const {
    LARGE_INTEGER li{};
    if (m_handle == nullptr || !GetFileSizeEx(static_cast<HANDLE>(m_handle), &li)) {
        return -1;
    }
    return li.QuadPart;
}

void PartFile::close() {
    if (m_handle != nullptr) {
        CloseHandle(static_cast<HANDLE>(m_handle));
        m_handle = nullptr;
    }
}

bool writeFileAtomically(const std::filesystem::path& path, const std::string& content,
                         IoError* error, bool durable) {
    // A name of its own each time, yet the target's (TempNames.h).
    thread_local std::mt19937_64 random{std::random_device{}() ^ GetCurrentProcessId()};
    PartFile file;
    std::filesystem::path tmp;
    for (int attempt = 0;; ++attempt) {
        tmp = path.parent_path() / pathFromUtf8(tempNameFor(pathText(path.filename()), random()));
        if (file.open(tmp, PartFile::Mode::CreateNew, error)) {
            break;
        }
        if (attempt == 8 || GetFileAttributesW(tmp.c_str()) == INVALID_FILE_ATTRIBUTES) {
            return false; // not a clash of names: the folder's own fault
        }
    }
    if (!file.writeAt(0, content.data(), content.size(), error) || (durable && !file.sync(error))) {
        file.close();
        DeleteFileW(tmp.c_str());
        return false;
    }
    file.close();
    if (!MoveFileExW(tmp.c_str(), path.c_str(),
                     MOVEFILE_REPLACE_EXISTING | (durable ? MOVEFILE_WRITE_THROUGH : 0))) {
        fail(error, path, "cannot replace");
        DeleteFileW(tmp.c_str());
        return false;
    }
    return true;
}

} // namespace maria2::io
