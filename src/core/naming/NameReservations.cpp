#include "core/naming/NameReservations.h"

namespace maria2 {

bool NameReservations::claim(const std::filesystem::path& path, DownloadId id) {
    const std::lock_guard lock(m_mutex);
    const auto [it, inserted] = m_claims.emplace(path.lexically_normal(), id);
    return inserted || it->second == id;
}

bool NameReservations::isClaimed(const std::filesystem::path& path) const {
    const std::lock_guard lock(m_mutex);
    return m_claims.count(path.lexically_normal()) > 0;
}

void NameReservations::release(const std::filesystem::path& path, DownloadId id) {
    const std::lock_guard lock(m_mutex);
    const auto it = m_claims.find(path.lexically_normal());
    if (it != m_claims.end() && it->second == id) {
        m_claims.erase(it);
    }
}

} // namespace maria2
