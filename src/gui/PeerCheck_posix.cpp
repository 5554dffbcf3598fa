// Linux and macOS: the per-user folder for the single-instance socket (POSIX calls only; the
// peer's user is asked differently on each, in PeerCheck_linux.cpp and PeerCheck_mac.cpp).
#include "gui/PeerCheck.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace maria2::gui::peer {

std::string userId() {
    return std::to_string(::geteuid());
}

std::string ensurePrivateDirectory(const std::string& path, bool create) {
    if (path.empty()) {
        return "no folder given";
    }
    // mkdir never follows a symbolic link at `path` and fails on anything already there: what
    // it creates is ours, with at most 0700 (the umask can only take bits away).
    if (create && ::mkdir(path.c_str(), S_IRWXU) != 0 && errno != EEXIST) {
        return path + " cannot be created: " + std::strerror(errno);
    }
    // lstat, not stat: a link planted by someone else must not lead us to a folder of theirs.
    // Nobody else can swap the folder afterwards: its parent is ours, or sticky like /tmp.
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        return path + ": " + std::strerror(errno);
    }
    if (S_ISLNK(info.st_mode)) {
        return path + " is a symbolic link";
    }
    if (!S_ISDIR(info.st_mode)) {
        return path + " is not a folder";
    }
    if (info.st_uid != ::geteuid()) {
        return path + " belongs to user " + std::to_string(info.st_uid) + ", not to this user (" +
               userId() + ")";
    }
    if ((info.st_mode & 0777) != S_IRWXU) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", unsigned(info.st_mode & 07777));
        return path + " has mode " + mode + ", not 0700";
    }
    return {};
}

} // namespace maria2::gui::peer
