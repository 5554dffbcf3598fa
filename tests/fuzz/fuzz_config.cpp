// libFuzzer target: a user's configuration file (core/config/Config: JSON with comments, one
// schema) laid over the built-in defaults. A file is either refused with a ConfigError or gives
// a Config that writes out (toJson) and reads back to itself.
#include "FuzzCheck.h"

#include "core/config/Config.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Config defaults = ConfigLoader::defaults();
    const std::string text(reinterpret_cast<const char*>(data), size);
    Config loaded;
    std::vector<std::string> warnings;
    try {
        loaded = ConfigLoader::apply(defaults, text, "fuzz.json", &warnings);
    } catch (const ConfigError& e) {
        MARIA2_FUZZ_CHECK(std::string(e.what()).starts_with("fuzz.json: "),
                          "ConfigError that does not name the file");
        return 0;
    }
    const std::string json = ConfigLoader::toJson(loaded);
    Config again;
    try {
        again = ConfigLoader::apply(defaults, json, "written");
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        MARIA2_FUZZ_CHECK(false, "a loaded config does not load again once written out");
    }
    MARIA2_FUZZ_CHECK(ConfigLoader::toJson(again) == json, "config changes on write + read");
    return 0;
}
