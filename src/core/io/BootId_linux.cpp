// Linux: a random UUID the kernel makes at each boot.
#include "core/io/BootId.h"

#include <fstream>

namespace maria2::io {

const std::string& currentBootId() {
    static const std::string id = [] {
        std::ifstream in("/proc/sys/kernel/random/boot_id");
        std::string line;
        std::getline(in, line);
        return line.size() >= 32 ? line : std::string();
    }();
    return id;
}

} // namespace maria2::io
