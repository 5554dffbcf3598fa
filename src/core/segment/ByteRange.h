#pragma once
// A half-open byte range [begin, end) of a file.
#include <cstdint>

namespace maria2 {

struct ByteRange {
    std::int64_t begin = 0;
    std::int64_t end = 0; // exclusive

    std::int64_t size() const { return end - begin; }
    // A range with end <= begin holds no byte.
    bool empty() const { return end <= begin; }
    bool operator==(const ByteRange&) const = default;
};

} // namespace maria2
