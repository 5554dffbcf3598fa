#include "core/log/LogFile.h"

namespace maria2::log::detail {

// A file created under the user's profile inherits its owner-only ACL; nothing to narrow.
void preparePrivateFile(const std::string&) {
}

} // namespace maria2::log::detail
