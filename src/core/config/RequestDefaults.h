#pragma once
// What a new download takes from the settings where whoever adds it (maria2c's options, the
// desktop app's add dialog) has not decided: its folder, whether an existing file may be
// replaced, whether a NAME.part found there is continued. The one place these are filled;
// the Session stores the result, so a later change of the settings does not change a download
// already added. Connections, split size and speed stay 0 in the request ("the settings'"):
// the engine reads them when the download runs, so a waiting download follows the settings.
#include "core/config/Config.h"
#include "core/types/DownloadTypes.h"

#include <optional>

namespace maria2 {

// The adder's explicit decisions; unset = the settings'.
struct RequestChoices {
    std::optional<bool> allowOverwrite;  // else Download.AllowOverwrite
    std::optional<bool> continuePartial; // else Download.Continue
};

void applyRequestDefaults(DownloadRequest& request, const DownloadSettings& settings,
                          const RequestChoices& choices);

} // namespace maria2
