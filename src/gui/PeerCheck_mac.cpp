// macOS: the connecting process's effective user as the kernel recorded it at connect() time.
#include "gui/PeerCheck.h"

#include <sys/types.h>
#include <unistd.h>

namespace maria2::gui::peer {

bool isSameUser(std::intptr_t descriptor) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (::getpeereid(int(descriptor), &uid, &gid) != 0) {
        return false;
    }
    return uid == ::geteuid();
}

} // namespace maria2::gui::peer
