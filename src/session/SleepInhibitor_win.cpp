// Windows: SetThreadExecutionState. ES_CONTINUOUS | ES_SYSTEM_REQUIRED keeps the system from
// idle sleep until the same thread clears it with ES_CONTINUOUS alone (the state belongs to the
// calling thread: KeepAwake acquires and releases on the GUI thread). No Qt here: the file is
// compile-checked on its own with MinGW.
#include "session/SleepInhibitor.h"

#include <windows.h>

namespace maria2 {
namespace {

class WindowsSleepInhibitor final : public SleepInhibitor {
public:
    ~WindowsSleepInhibitor() override { release(); }

    bool acquire(const std::string& /*reason: Windows takes none for this call*/) override {
        if (m_held) {
            return true;
        }
        m_held = SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED) != 0;
        return m_held;
    }

    void release() override {
        if (m_held) {
            SetThreadExecutionState(ES_CONTINUOUS);
            m_held = false;
        }
    }

    bool held() const override { return m_held; }

private:
    bool m_held = false;
};

} // namespace

std::unique_ptr<SleepInhibitor> makeSleepInhibitor() {
    return std::make_unique<WindowsSleepInhibitor>();
}

} // namespace maria2
