#pragma once
// Which commands a download's state allows, shared by the window's actions and its commands.
#include "core/types/DownloadTypes.h"

namespace maria2::gui {

// Link expired and file changed keep their bytes: resuming them is a person's "try again".
inline bool canStart(DownloadState s) {
    return s == DownloadState::Paused || s == DownloadState::Failed || needsAttention(s);
}

inline bool canPause(DownloadState s) {
    return s == DownloadState::Queued || s == DownloadState::Connecting ||
           s == DownloadState::Downloading || s == DownloadState::Stalled ||
           s == DownloadState::Retrying;
}

// Anything not finished may get a fresh link; once all bytes are here (verifying) it is moot.
inline bool canChangeUrl(DownloadState s) {
    return s != DownloadState::Completed && s != DownloadState::Removed &&
           s != DownloadState::Verifying;
}

} // namespace maria2::gui
