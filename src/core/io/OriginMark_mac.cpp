#include "core/io/OriginMark.h"

#include <sys/xattr.h>

#include <cstdio>
#include <ctime>

namespace maria2::io {

bool markDownloadOrigin(const std::filesystem::path& path, const std::string& url,
                        const std::string& /*referrer*/) {
    // "flags;hex time;agent;uuid": 0081 = downloaded, not yet opened (what Safari writes). The
    // origin URL itself lives in LaunchServices' database, which only Apple's API fills.
    if (originUrlForRecord(url).empty()) {
        return false;
    }
    char value[64];
    const int n = std::snprintf(value, sizeof(value), "0081;%08lx;MAria2;",
                                static_cast<unsigned long>(std::time(nullptr)));
    return ::setxattr(path.c_str(), "com.apple.quarantine", value, static_cast<size_t>(n), 0,
                      XATTR_NOFOLLOW) == 0;
}

} // namespace maria2::io
