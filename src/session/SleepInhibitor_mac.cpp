// macOS: an IOKit power assertion of type PreventUserIdleSystemSleep, named with the reason
// (shown by `pmset -g assertions`), held until IOPMAssertionRelease.
#include "session/SleepInhibitor.h"

#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/pwr_mgt/IOPMLib.h>

namespace maria2 {
namespace {

class MacSleepInhibitor final : public SleepInhibitor {
public:
    ~MacSleepInhibitor() override { release(); }

    bool acquire(const std::string& reason) override {
        if (m_held) {
            return true;
        }
        CFStringRef name =
            CFStringCreateWithCString(kCFAllocatorDefault, reason.c_str(), kCFStringEncodingUTF8);
        if (name == nullptr) {
            name = CFSTR("MAria2 is downloading");
            CFRetain(name);
        }
        const IOReturn result = IOPMAssertionCreateWithName(
            kIOPMAssertionTypePreventUserIdleSystemSleep, kIOPMAssertionLevelOn, name, &m_id);
        CFRelease(name);
        m_held = result == kIOReturnSuccess;
        return m_held;
    }

    void release() override {
        if (m_held) {
            IOPMAssertionRelease(m_id);
            m_held = false;
        }
    }

    bool held() const override { return m_held; }

private:
    IOPMAssertionID m_id = kIOPMNullAssertionID;
    bool m_held = false;
};

} // namespace

std::unique_ptr<SleepInhibitor> makeSleepInhibitor() {
    return std::make_unique<MacSleepInhibitor>();
}

} // namespace maria2
