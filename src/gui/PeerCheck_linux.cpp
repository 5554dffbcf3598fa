// Linux: the connecting process's credentials, which the kernel records at connect() time
// (SO_PEERCRED); a process cannot claim another user's.
#include "gui/PeerCheck.h"

#include <sys/socket.h>
#include <unistd.h>

namespace maria2::gui::peer {

bool isSameUser(std::intptr_t descriptor) {
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(int(descriptor), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
        size != sizeof credentials) {
        return false;
    }
    return credentials.uid == ::geteuid();
}

} // namespace maria2::gui::peer
