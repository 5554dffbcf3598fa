#pragma once
// SleepInhibitor: keeps the computer from going to sleep while MAria2 holds it. One interface,
// one implementation per platform (SleepInhibitor_linux/_win/_mac.cpp): logind's or the desktop
// portal's inhibitor on Linux, SetThreadExecutionState on Windows, an IOPMAssertion on macOS.
// Plain C++ so that KeepAwake's tests can pass a fake that only counts.
#include <memory>
#include <string>

namespace maria2 {

class SleepInhibitor {
public:
    virtual ~SleepInhibitor() = default; // implementations release what they hold

    // Asks the system not to sleep (idle sleep and suspend), saying why. Never blocks for long:
    // where the system answers over D-Bus the request is sent and answered asynchronously.
    // False when this machine offers no way to do it (said once in the log, not per call).
    // Acquiring what is held already changes nothing.
    virtual bool acquire(const std::string& reason) = 0;
    // Lets the system sleep again. Releasing what is not held does nothing.
    virtual void release() = 0;
    // Between acquire() and release() (an answer may still be on its way); false again once it
    // is known that this machine cannot do it.
    virtual bool held() const = 0;

protected:
    SleepInhibitor() = default;
    SleepInhibitor(const SleepInhibitor&) = delete;
    SleepInhibitor& operator=(const SleepInhibitor&) = delete;
};

// This platform's inhibitor. On Linux it needs a running Qt event loop to receive D-Bus answers.
std::unique_ptr<SleepInhibitor> makeSleepInhibitor();

} // namespace maria2
