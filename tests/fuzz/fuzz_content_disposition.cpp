// libFuzzer target: Content-Disposition parsing (a server's header) and the file-name sanitiser
// every name goes through before it touches the disk (core/naming/FileNaming).
#include "FuzzCheck.h"
#include "NameChecks.h"

#include "core/naming/FileNaming.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::asText(data, size);
    if (const auto name = naming::parseContentDisposition(input)) {
        MARIA2_FUZZ_CHECK(!name->empty(), "parseContentDisposition returned an empty name");
        fuzz::checkSafeName(naming::sanitizeFileName(*name, ""), true);
    }
    // The header value itself as a name: the sanitiser sees raw server bytes this way too.
    fuzz::checkSafeName(naming::sanitizeFileName(input, ""), true);
    fuzz::checkSafeName(naming::sanitizeFileName(input), false);
    // -o, the header and the URL all from the same bytes: always a usable name.
    fuzz::checkSafeName(naming::chooseFileName(input, input, input), false);
    return 0;
}
