#pragma once
// The file names the downloads of one process have claimed, shared by every engine of the pool:
// two downloads of the same name routed to different engines must never pick, and write, the
// same part file. Thread-safe; a claim is atomic, so choosing a free name cannot race.
// Across restarts, a download restored from the database claims its name as it is added
// (DownloadRequest::ownsKnownName), before it starts and before any download added after it.
#include "core/types/DownloadTypes.h"

#include <filesystem>
#include <map>
#include <mutex>

namespace maria2 {

class NameReservations {
public:
    // Reserves `path` for `id`. False when another download holds it.
    bool claim(const std::filesystem::path& path, DownloadId id);
    bool isClaimed(const std::filesystem::path& path) const;
    // Gives it back; a name another download holds is left to that one.
    void release(const std::filesystem::path& path, DownloadId id);

private:
    mutable std::mutex m_mutex;
    std::map<std::filesystem::path, DownloadId> m_claims; // lexically normal paths
};

} // namespace maria2
