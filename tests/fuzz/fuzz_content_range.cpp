// libFuzzer target: the Content-Range and Accept-Ranges values of a server's response
// (core/engine/HttpResponse), the only header values the engine parses itself.
#include "FuzzCheck.h"

#include "core/engine/HttpResponse.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::asText(data, size);
    if (const auto range = parseContentRange(input)) {
        MARIA2_FUZZ_CHECK(range->first >= 0, "negative first byte");
        MARIA2_FUZZ_CHECK(range->first <= range->last, "first > last");
        MARIA2_FUZZ_CHECK(range->total == -1 || range->last < range->total, "last >= total");
        // What the engine computes from it must not overflow: the byte count of the range.
        const std::int64_t count = range->last - range->first + 1;
        MARIA2_FUZZ_CHECK(count >= 1, "range of no bytes");
        // Written back canonically, it reads the same.
        const std::string canonical =
            "bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) + "/" +
            (range->total < 0 ? std::string("*") : std::to_string(range->total));
        const auto again = parseContentRange(canonical);
        MARIA2_FUZZ_CHECK(again && again->first == range->first && again->last == range->last &&
                              again->total == range->total,
                          "canonical Content-Range does not read back");
    }
    if (acceptsByteRanges(input)) {
        MARIA2_FUZZ_CHECK(input.find_first_not_of(" \t\r\n\f\vbytesBYTES") == std::string::npos,
                          "Accept-Ranges other than bytes taken as bytes");
    }
    return 0;
}
