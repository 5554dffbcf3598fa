#pragma once
// Marks a downloaded file as coming from the internet, where the file system allows, as browsers
// do: the desktop and the system then treat it with the care due to a download (Windows' "this
// file came from another computer" and SmartScreen, macOS Gatekeeper, the origin that Linux file
// managers and wget2 record). One implementation per platform (OriginMark_linux/_mac/_win.cpp).
//  - Linux: user.xdg.origin.url and user.xdg.referrer.url extended attributes.
//  - macOS: com.apple.quarantine.
//  - Windows: the Zone.Identifier stream with ZoneId=3 (Internet), HostUrl and ReferrerUrl.
// Best effort: a file system without extended attributes (FAT, some tmpfs) keeps the file
// unmarked; that is not an error of the download.
#include <filesystem>
#include <string>

namespace maria2::io {

// The URL as it is safe to record beside a file any reader of the file can see: no user name or
// password, no query (signed links carry tokens there), no fragment. Empty if it does not parse.
std::string originUrlForRecord(const std::string& url);

// Records url (and referrer, when not empty) on the file at path (never through a link).
// Returns false when the file system does not take it.
bool markDownloadOrigin(const std::filesystem::path& path, const std::string& url,
                        const std::string& referrer);

} // namespace maria2::io
