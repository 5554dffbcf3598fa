// Windows: the boot counter the kernel keeps in the registry (incremented at each boot),
// with the boot's time rounded to a minute, so that a restored or copied registry alone
// cannot make two boots look alike.
#include "core/io/BootId.h"

#include <windows.h>

#include <string>

namespace maria2::io {

const std::string& currentBootId() {
    static const std::string id = [] {
        DWORD bootId = 0;
        DWORD size = sizeof(bootId);
        if (RegGetValueW(HKEY_LOCAL_MACHINE,
                         L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory "
                         L"Management\\PrefetchParameters",
                         L"BootId", RRF_RT_REG_DWORD, nullptr, &bootId, &size) != ERROR_SUCCESS) {
            return std::string();
        }
        FILETIME now{};
        GetSystemTimeAsFileTime(&now);
        const ULONGLONG nowTicks =
            (static_cast<ULONGLONG>(now.dwHighDateTime) << 32) | now.dwLowDateTime; // 100 ns
        const ULONGLONG bootMinute = (nowTicks / 10000 - GetTickCount64()) / 60000;
        return std::to_string(bootId) + "-" + std::to_string(bootMinute);
    }();
    return id;
}

} // namespace maria2::io
