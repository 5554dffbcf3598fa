#include "session/PowerAction.h"

namespace maria2 {

std::optional<PowerKind> powerKindFromConfig(std::string_view value) {
    if (value == "sleep") {
        return PowerKind::Sleep;
    }
    if (value == "shutdown") {
        return PowerKind::Shutdown;
    }
    return std::nullopt;
}

const char* toString(PowerKind kind) {
    return kind == PowerKind::Sleep ? "sleep" : "shutdown";
}

} // namespace maria2
