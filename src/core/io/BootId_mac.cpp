// macOS: the boot session UUID the kernel makes at each boot.
#include "core/io/BootId.h"

#include <sys/sysctl.h>

namespace maria2::io {

const std::string& currentBootId() {
    static const std::string id = [] {
        char buffer[64] = {};
        std::size_t size = sizeof(buffer) - 1;
        if (sysctlbyname("kern.bootsessionuuid", buffer, &size, nullptr, 0) != 0) {
            return std::string();
        }
        const std::string text(buffer);
        return text.size() >= 32 ? text : std::string();
    }();
    return id;
}

} // namespace maria2::io
