#include "core/monitor/ResourceSampler.h"

#include <algorithm>

namespace maria2 {

std::optional<double> cpuPercentBetween(const CpuTimes& previous, const CpuTimes& current) {
    if (current.total <= previous.total || current.busy < previous.busy) {
        return std::nullopt;
    }
    const double total = static_cast<double>(current.total - previous.total);
    const double busy = static_cast<double>(current.busy - previous.busy);
    return std::clamp(100.0 * busy / total, 0.0, 100.0);
}

} // namespace maria2
