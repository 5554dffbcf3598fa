#pragma once
// The one check the fuzz targets use: a broken invariant prints what broke and aborts, so
// libFuzzer saves the input as a crash (an assert would vanish in a -DNDEBUG build).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define MARIA2_FUZZ_CHECK(cond, what)                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, what,   \
                         #cond);                                                                   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace maria2::fuzz {

// The fuzzer's bytes as text (every parser here takes arbitrary bytes, NUL included).
inline std::string_view asText(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

} // namespace maria2::fuzz
