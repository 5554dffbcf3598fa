#pragma once
// Which boot of this machine is running. Two calls return the same non-empty text exactly
// when the machine has not restarted in between, so the page cache is still there: bytes a
// killed process had written (pwrite returned, not yet flushed) are still part of the file.
// A control file records it with its "written" ranges; a later run trusts those ranges only
// under the same boot, and after a restart (power loss included) only the flushed ones.
#include <string>

namespace maria2::io {

// Empty when the platform does not tell: then nothing beyond the flushed ranges is trusted.
// Read once per process (it cannot change while the process runs).
const std::string& currentBootId();

} // namespace maria2::io
