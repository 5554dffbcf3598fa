#include "core/io/OriginMark.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

namespace maria2::io {

bool markDownloadOrigin(const std::filesystem::path& path, const std::string& url,
                        const std::string& referrer) {
    // The Mark of the Web, as browsers write it: ZoneId=3 is the Internet zone.
    const std::string origin = originUrlForRecord(url);
    if (origin.empty()) {
        return false;
    }
    std::string text = "[ZoneTransfer]\r\nZoneId=3\r\n";
    if (const std::string from = referrer.empty() ? std::string() : originUrlForRecord(referrer);
        !from.empty()) {
        text += "ReferrerUrl=" + from + "\r\n";
    }
    text += "HostUrl=" + origin + "\r\n";
    std::wstring stream = path.wstring() + L":Zone.Identifier";
    HANDLE h = CreateFileW(stream.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        return false; // FAT and other volumes without streams
    }
    DWORD written = 0;
    const bool ok = WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &written, nullptr) &&
                    written == text.size();
    CloseHandle(h);
    return ok;
}

} // namespace maria2::io
