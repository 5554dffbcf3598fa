#include "core/io/PartFile.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

namespace maria2::io {
namespace {

bool fail(IoError* error, const std::filesystem::path& path, const char* what) {
    const DWORD err = GetLastError();
    if (error != nullptr) {
        error->diskFull = (err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL);
        char buf[256] = {};
        FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, err, 0,
                       buf, sizeof(buf), nullptr);
        error->message = std::string(what) + " '" + path.string() + "': " + buf;
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

bool PartFile::open(const std::filesystem::path& path, bool truncate, IoError* error) {
    close();
    m_path = path;
    HANDLE h = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                           truncate ? CREATE_ALWAYS : OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        return fail(error, path, "cannot open");
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
    std::filesystem::path tmp = path;
    tmp += L".tmp";
    PartFile file;
    if (!file.open(tmp, true, error) || !file.writeAt(0, content.data(), content.size(), error) ||
        (durable && !file.sync(error))) {
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
