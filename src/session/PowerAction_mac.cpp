// macOS: the documented way (Apple Technical Q&A QA1134) is an Apple event to the system process
// (loginwindow): kAESleep or kAEShutDown. loginwindow then asks running applications as a
// shutdown from the Apple menu would. Since macOS 10.14 the first such event asks the person to
// allow MAria2 to control "System Events" (NSAppleEventsUsageDescription in Info.plist).
// Links CoreServices.
#include "session/PowerAction.h"

#include <ApplicationServices/ApplicationServices.h>
#include <CoreServices/CoreServices.h>

namespace maria2 {
namespace {

OSStatus sendToSystemProcess(AEEventID event) {
    static const ProcessSerialNumber kSystemProcessNumber = {0, kSystemProcess};
    AEAddressDesc target = {typeNull, nullptr};
    OSStatus status = AECreateDesc(typeProcessSerialNumber, &kSystemProcessNumber,
                                   sizeof(kSystemProcessNumber), &target);
    if (status != noErr) {
        return status;
    }
    AppleEvent appleEvent = {typeNull, nullptr};
    status = AECreateAppleEvent(kCoreEventClass, event, &target, kAutoGenerateReturnID,
                                kAnyTransactionID, &appleEvent);
    AEDisposeDesc(&target);
    if (status != noErr) {
        return status;
    }
    AppleEvent reply = {typeNull, nullptr};
    status = AESendMessage(&appleEvent, &reply, kAENoReply, kAEDefaultTimeout);
    AEDisposeDesc(&appleEvent);
    AEDisposeDesc(&reply);
    return status;
}

class MacPowerAction final : public PowerAction {
public:
    bool perform(PowerKind kind, std::string* error) override {
        const OSStatus status =
            sendToSystemProcess(kind == PowerKind::Sleep ? kAESleep : kAEShutDown);
        if (status != noErr && error != nullptr) {
            *error =
                "the Apple event to loginwindow failed (OSStatus " + std::to_string(status) + ")";
        }
        return status == noErr;
    }
};

} // namespace

std::unique_ptr<PowerAction> makePowerAction() {
    return std::make_unique<MacPowerAction>();
}

} // namespace maria2
