#pragma once
// A set of byte offsets kept as sorted, coalesced, disjoint half-open ranges: what a download
// has written, or what its connections own.
#include "core/segment/ByteRange.h"

#include <cstdint>
#include <vector>

namespace maria2 {

class IntervalSet {
public:
    // Merges r with every range it overlaps or touches. Empty ranges are ignored.
    void add(ByteRange r);
    void subtract(ByteRange r);
    // True when every byte of r is in the set (always true for an empty r).
    bool contains(ByteRange r) const;
    bool containsByte(std::int64_t offset) const;
    std::int64_t coveredBytes() const;
    std::int64_t coveredBytesIn(ByteRange r) const;
    // End of the covered run starting at offset; offset itself when that byte is not covered.
    std::int64_t contiguousFrom(std::int64_t offset) const;
    // The uncovered parts of [0, total), in order.
    std::vector<ByteRange> gaps(std::int64_t total) const;
    const std::vector<ByteRange>& ranges() const { return m_ranges; }
    bool empty() const { return m_ranges.empty(); }
    void clear() { m_ranges.clear(); }
    bool operator==(const IntervalSet&) const = default;

private:
    // Sorted by begin; no range is empty, and no two overlap or touch.
    std::vector<ByteRange> m_ranges;
};

} // namespace maria2
