#pragma once
// The temporary name writeFileAtomically() writes a file under before renaming it over the
// target: the target's own name, ".t" and five random characters. Unique each time (never a
// fixed NAME.tmp another user of a shared folder could plant a link as), and still the
// target's: a process killed between the write and the rename leaves NAME.tXXXXX behind, and
// whoever owns NAME later finds and removes it (removeStaleTemps). A name too long for that
// (over 255 bytes) falls back to ".maria2-<16 hex>.tmp".
#include <cstdint>
#include <filesystem>
#include <string>

namespace maria2::io {

inline constexpr std::size_t kMaxFileNameBytes = 255;

// The temporary name for a target named `targetName`, from 64 random bits.
std::string tempNameFor(const std::string& targetName, std::uint64_t random);
// `candidate` is a temporary name tempNameFor() makes for `targetName`.
bool isTempNameOf(const std::string& candidate, const std::string& targetName);
// Removes what killed writers of `target` left beside it (regular files only; a link is
// removed as a link, never followed). Only for the owner of `target`, while nothing else
// writes it (a download's control file: its name is claimed).
void removeStaleTemps(const std::filesystem::path& target);

} // namespace maria2::io
