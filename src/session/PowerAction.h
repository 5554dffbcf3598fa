#pragma once
// PowerAction: puts the computer to sleep or shuts it down, for "when the queue finishes".
// One interface, one implementation per platform (PowerAction_linux/_win/_mac.cpp): logind over
// D-Bus on Linux, SetSuspendState / InitiateSystemShutdownEx on Windows, Apple events to the
// system process on macOS. Plain C++ so tests inject a fake: a test must never suspend the
// machine it runs on. Only QueueFinishedPrompt calls it, after a countdown the person can cancel.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace maria2 {

enum class PowerKind { Sleep, Shutdown };

// Interface.WhenQueueFinishes: "sleep" / "shutdown"; nothing for "nothing" (or anything else).
std::optional<PowerKind> powerKindFromConfig(std::string_view value);
const char* toString(PowerKind kind); // "sleep", "shutdown"

class PowerAction {
public:
    virtual ~PowerAction() = default;

    // Asks the system to sleep or shut down. True when the request was made; false with *error
    // saying why when it could not be. Where the system answers asynchronously (logind may ask
    // the person to authenticate) a later refusal is logged. Never blocks for long.
    virtual bool perform(PowerKind kind, std::string* error) = 0;

protected:
    PowerAction() = default;
    PowerAction(const PowerAction&) = delete;
    PowerAction& operator=(const PowerAction&) = delete;
};

// This platform's power action.
std::unique_ptr<PowerAction> makePowerAction();

} // namespace maria2
