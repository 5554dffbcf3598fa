#pragma once
// Where a downloaded file's name comes from, and how it is made safe to write.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace maria2::naming {

// RFC 6266 Content-Disposition: returns the file name, preferring filename* (RFC 5987/8187,
// e.g. UTF-8''na%C3%AFve.txt) over filename. Quoted strings with backslash escapes, tokens,
// any case of parameter names. Returns nullopt if there is no usable name. Not sanitized.
std::optional<std::string> parseContentDisposition(std::string_view headerValue);

// The last path segment of a URL, percent-decoded (query and fragment ignored).
// Returns nullopt when the path is empty or ends with '/'. Not sanitized.
std::optional<std::string> fileNameFromUrl(std::string_view url);

// Makes a name safe as a single file name on every platform: no path separators
// ('/' and '\\'), no "." or "..", no control characters or characters Windows forbids
// (<>:"|?*), no Windows-reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with
// or without extension, any case), no trailing dots or spaces, no leading spaces,
// valid UTF-8, at most 236 bytes (extension kept, so "NAME (9999).part.maria2" fits 255),
// no leading dot (".bashrc" -> "_.bashrc": nothing hidden), no invisible characters (zero-width
// spaces and the like are dropped). Returns `fallback` if nothing usable remains.
// A name with directories is reduced to its last component ("../../etc/passwd" -> "passwd",
// "C:\\evil\\x.exe" -> "x.exe"); reserved device names get a '_' prefix ("CON" -> "_CON",
// "nul.txt" -> "_nul.txt"). `fallback` is returned as given, not sanitized; pass "" to learn
// whether `name` was usable at all.
std::string sanitizeFileName(std::string_view name, std::string_view fallback = "index.html");

// The name to use, in order: explicit (-o), Content-Disposition, URL path, "index.html";
// always sanitized. A source that sanitizes to nothing (e.g. -o "..") falls through to the next;
// an explicit name with directories ("sub/x.bin") is reduced to "x.bin".
std::string chooseFileName(std::string_view explicitName, std::string_view contentDisposition,
                           std::string_view url);

// `dir/name` if `taken` says it is free, else `dir/name (1).ext`, `name (2).ext`, ...
// (for "archive.tar.gz" the counter goes before ".tar.gz"). `taken` defaults to "exists on disk"
// (a dangling symlink counts as existing). `name` must already be sanitized. Throws
// std::runtime_error if "name (9999)" is taken too.
std::filesystem::path
uniquePath(const std::filesystem::path& dir, const std::string& name,
           const std::function<bool(const std::filesystem::path&)>& taken = {});

// True if `candidate` (after lexical normalisation) lies inside `dir`. Lexical only (symlinks
// are not resolved); `dir` itself is not inside `dir`; an absolute and a relative path never
// match, so pass `dir / name`, not a bare name.
bool isInside(const std::filesystem::path& dir, const std::filesystem::path& candidate);

} // namespace maria2::naming
