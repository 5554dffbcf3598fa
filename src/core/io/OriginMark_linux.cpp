#include "core/io/OriginMark.h"

#include <sys/xattr.h>

namespace maria2::io {

bool markDownloadOrigin(const std::filesystem::path& path, const std::string& url,
                        const std::string& referrer) {
    // The freedesktop.org names (also wget2's and Chromium's); lsetxattr: never through a link.
    const std::string origin = originUrlForRecord(url);
    if (origin.empty() ||
        ::lsetxattr(path.c_str(), "user.xdg.origin.url", origin.data(), origin.size(), 0) != 0) {
        return false;
    }
    const std::string from = referrer.empty() ? std::string() : originUrlForRecord(referrer);
    if (!from.empty()) {
        ::lsetxattr(path.c_str(), "user.xdg.referrer.url", from.data(), from.size(), 0);
    }
    return true;
}

} // namespace maria2::io
