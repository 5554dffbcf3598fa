#include "core/engine/EngineProfile.h"

#include <algorithm>

namespace maria2 {

const char* toString(EngineKind kind) {
    switch (kind) {
    case EngineKind::Multiplex:
        return "multiplex";
    case EngineKind::Segmented:
        return "segmented";
    case EngineKind::Bulk:
        return "bulk";
    case EngineKind::Generic:
        return "generic";
    }
    return "generic";
}

bool EngineProfile::supports(const std::string& scheme) const {
    return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

} // namespace maria2
