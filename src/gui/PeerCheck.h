#pragma once
// PeerCheck: what keeps the single-instance socket (SingleInstance) to this user alone, where it
// differs per platform: who is at the other end of a connected local socket, and a folder only
// this user can enter to put the socket in.
//   Linux: SO_PEERCRED; macOS: getpeereid; both: lstat/mkdir (PeerCheck_posix.cpp).
//   Windows: the socket is a named pipe, which QLocalServer::UserAccessOption already limits to
//   this user (its security descriptor grants only the user's SID), so the peer always counts as
//   this user and no folder is needed.
// No Qt here: the Windows file is compile-checked on its own with MinGW.
#include <cstdint>
#include <string>

namespace maria2::gui::peer {

// True when the process that connected the local socket `descriptor` (a QLocalSocket's
// socketDescriptor()) runs as this process's effective user. False when it does not, or when
// that cannot be found out.
bool isSameUser(std::intptr_t descriptor);

// This process's effective user id as text ("1000"), for names of per-user folders.
std::string userId();

// Makes sure `path` is a folder only this user can use: created (mode 0700) when missing; if it
// exists it must be a real folder (not a symbolic link), owned by this user, with no access for
// group or others. Empty when it is; otherwise why not (and nothing is changed). With
// create = false a missing folder is refused too.
std::string ensurePrivateDirectory(const std::string& path, bool create);

} // namespace maria2::gui::peer
