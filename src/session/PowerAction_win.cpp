// Windows: SetSuspendState (powrprof) to sleep, InitiateSystemShutdownEx to shut down; both need
// the shutdown privilege enabled in the process token first. No Qt here: the file is
// compile-checked on its own with MinGW. Links powrprof (and advapi32 for the token calls).
#include "session/PowerAction.h"

#include <windows.h>

#include <powrprof.h>

#ifdef _MSC_VER
#pragma comment(lib, "powrprof.lib")
#pragma comment(lib, "advapi32.lib")
#endif

namespace maria2 {
namespace {

std::string lastErrorText(const char* what) {
    return std::string(what) + " failed (Windows error " + std::to_string(GetLastError()) + ")";
}

// Suspend and shutdown are refused unless SeShutdownPrivilege is enabled (every interactive user
// holds it, disabled).
bool enableShutdownPrivilege(std::string* error) {
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
        *error = lastErrorText("OpenProcessToken");
        return false;
    }
    TOKEN_PRIVILEGES privileges{};
    privileges.PrivilegeCount = 1;
    privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    bool ok =
        LookupPrivilegeValueW(nullptr, L"SeShutdownPrivilege", &privileges.Privileges[0].Luid) != 0;
    if (!ok) {
        *error = lastErrorText("LookupPrivilegeValue");
    } else {
        // Succeeds even when the privilege is not held: GetLastError says whether it was set.
        AdjustTokenPrivileges(token, FALSE, &privileges, 0, nullptr, nullptr);
        ok = GetLastError() == ERROR_SUCCESS;
        if (!ok) {
            *error = lastErrorText("enabling the shutdown privilege");
        }
    }
    CloseHandle(token);
    return ok;
}

class WindowsPowerAction final : public PowerAction {
public:
    bool perform(PowerKind kind, std::string* error) override {
        std::string why;
        bool ok = enableShutdownPrivilege(&why);
        if (ok && kind == PowerKind::Sleep) {
            // Sleep (not hibernate), no forcing: applications may still object.
            ok = SetSuspendState(FALSE, FALSE, FALSE) != 0;
            if (!ok) {
                why = lastErrorText("SetSuspendState");
            }
        } else if (ok) {
            // No dialog (timeout 0); applications are asked to close, not forced; a planned
            // shutdown in the event log.
            ok = InitiateSystemShutdownExW(nullptr, nullptr, 0, FALSE, FALSE,
                                           SHTDN_REASON_MAJOR_OTHER | SHTDN_REASON_MINOR_OTHER |
                                               SHTDN_REASON_FLAG_PLANNED) != 0;
            if (!ok) {
                why = lastErrorText("InitiateSystemShutdownEx");
            }
        }
        if (!ok && error != nullptr) {
            *error = why;
        }
        return ok;
    }
};

} // namespace

std::unique_ptr<PowerAction> makePowerAction() {
    return std::make_unique<WindowsPowerAction>();
}

} // namespace maria2
