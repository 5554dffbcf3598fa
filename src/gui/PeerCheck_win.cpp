// Windows: QLocalServer is a named pipe there, and with QLocalServer::UserAccessOption its
// security descriptor grants access to this user's SID only (plus the system account), so a
// process of another user is refused by Windows before a connection exists. Nothing is left to
// check per connection, and pipes live in no folder.
#include "gui/PeerCheck.h"

namespace maria2::gui::peer {

bool isSameUser(std::intptr_t /*descriptor*/) {
    return true;
}

std::string userId() {
    return {}; // no per-user folders on Windows
}

std::string ensurePrivateDirectory(const std::string& path, bool /*create*/) {
    return path + ": private socket folders are not used on Windows (named pipes)";
}

} // namespace maria2::gui::peer
