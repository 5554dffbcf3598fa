#include "core/config/RequestDefaults.h"

namespace maria2 {

void applyRequestDefaults(DownloadRequest& request, const DownloadSettings& settings,
                          const RequestChoices& choices) {
    if (request.directory.empty()) {
        request.directory = settings.directory;
    }
    // An explicit "no" wins over a settings' "yes" (maria2c --allow-overwrite=false).
    request.allowOverwrite = choices.allowOverwrite.value_or(settings.allowOverwrite);
    request.continuePartial = choices.continuePartial.value_or(settings.continueDownloads);
}

} // namespace maria2
