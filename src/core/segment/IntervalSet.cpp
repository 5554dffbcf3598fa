#include "core/segment/IntervalSet.h"

#include <algorithm>

namespace maria2 {

namespace {

// The first range that could hold `offset` or lie after it.
std::vector<ByteRange>::const_iterator firstEndingAfter(const std::vector<ByteRange>& ranges,
                                                        std::int64_t offset) {
    return std::upper_bound(ranges.begin(), ranges.end(), offset,
                            [](std::int64_t value, const ByteRange& r) { return value < r.end; });
}

} // namespace

void IntervalSet::add(ByteRange r) {
    if (r.empty()) {
        return;
    }
    // The first range whose end reaches r.begin: it overlaps or touches r, or lies after it.
    auto first =
        std::lower_bound(m_ranges.begin(), m_ranges.end(), r.begin,
                         [](const ByteRange& x, std::int64_t value) { return x.end < value; });
    auto last = first;
    while (last != m_ranges.end() && last->begin <= r.end) {
        r.begin = std::min(r.begin, last->begin);
        r.end = std::max(r.end, last->end);
        ++last;
    }
    first = m_ranges.erase(first, last);
    m_ranges.insert(first, r);
}

void IntervalSet::subtract(ByteRange r) {
    if (r.empty()) {
        return;
    }
    std::vector<ByteRange> out;
    out.reserve(m_ranges.size() + 1);
    for (const ByteRange& x : m_ranges) {
        if (x.end <= r.begin || x.begin >= r.end) {
            out.push_back(x);
            continue;
        }
        if (x.begin < r.begin) {
            out.push_back({x.begin, r.begin});
        }
        if (x.end > r.end) {
            out.push_back({r.end, x.end});
        }
    }
    m_ranges = std::move(out);
}

bool IntervalSet::contains(ByteRange r) const {
    if (r.empty()) {
        return true;
    }
    // Ranges are coalesced, so a fully covered r lies inside a single range.
    const auto it = firstEndingAfter(m_ranges, r.begin);
    return it != m_ranges.end() && it->begin <= r.begin && it->end >= r.end;
}

bool IntervalSet::containsByte(std::int64_t offset) const {
    return contains({offset, offset + 1});
}

std::int64_t IntervalSet::coveredBytes() const {
    std::int64_t sum = 0;
    for (const ByteRange& x : m_ranges) {
        sum += x.size();
    }
    return sum;
}

std::int64_t IntervalSet::coveredBytesIn(ByteRange r) const {
    std::int64_t sum = 0;
    if (r.empty()) {
        return sum;
    }
    for (auto it = firstEndingAfter(m_ranges, r.begin); it != m_ranges.end() && it->begin < r.end;
         ++it) {
        sum += std::min(it->end, r.end) - std::max(it->begin, r.begin);
    }
    return sum;
}

std::int64_t IntervalSet::contiguousFrom(std::int64_t offset) const {
    const auto it = firstEndingAfter(m_ranges, offset);
    if (it != m_ranges.end() && it->begin <= offset) {
        return it->end; // coalesced: the run cannot continue past this range
    }
    return offset;
}

std::vector<ByteRange> IntervalSet::gaps(std::int64_t total) const {
    std::vector<ByteRange> out;
    std::int64_t cursor = 0;
    for (const ByteRange& x : m_ranges) {
        if (x.begin >= total) {
            break;
        }
        if (x.begin > cursor) {
            out.push_back({cursor, x.begin});
        }
        cursor = std::max(cursor, x.end);
    }
    if (cursor < total) {
        out.push_back({cursor, total});
    }
    return out;
}

} // namespace maria2
