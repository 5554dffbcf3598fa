#include "core/log/LogFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

namespace maria2::log::detail {

void preparePrivateFile(const std::string& path) {
    namespace fs = std::filesystem;
    std::vector<fs::path> missing; // deepest first
    std::error_code ec;
    for (fs::path dir = fs::path(path).parent_path(); !dir.empty() && !fs::exists(dir, ec);
         dir = dir.parent_path()) {
        missing.push_back(dir);
        if (dir == dir.parent_path()) {
            break;
        }
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) == 0) {
            ::chmod(it->c_str(), 0700); // the umask may have taken bits away, never added
        } else if (errno != EEXIST) {
            return;
        }
    }
    // O_CREAT with 0600 before spdlog's fopen ("ab" or "wb", which would create 0666 & ~umask):
    // the file is never readable by others, not even for a moment.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        return;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
        (st.st_mode & 07777) != 0600) {
        ::fchmod(fd, 0600);
    }
    ::close(fd);
}

} // namespace maria2::log::detail
