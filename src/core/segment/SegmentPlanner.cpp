#include "core/segment/SegmentPlanner.h"

#include <algorithm>
#include <cassert>

namespace maria2 {

namespace {

bool overlaps(ByteRange a, ByteRange b) {
    return !a.empty() && !b.empty() && a.begin < b.end && b.begin < a.end;
}

ByteRange unwrittenPart(const Segment& s) {
    return {s.cursor, s.end};
}

std::string describe(const Segment& s) {
    return "#" + std::to_string(s.id) + " [" + std::to_string(s.begin) + "," +
           std::to_string(s.cursor) + "," + std::to_string(s.end) + ")";
}

} // namespace

SegmentPlanner::SegmentPlanner(std::int64_t totalSize, std::int64_t minSplitSize)
    : m_total(std::max<std::int64_t>(totalSize, 0))
    , m_minSplit(std::max<std::int64_t>(minSplitSize, 1)) {
}

void SegmentPlanner::markWritten(const IntervalSet& done) {
    for (const ByteRange& r : done.ranges()) {
        const ByteRange clipped{std::max<std::int64_t>(r.begin, 0), std::min(r.end, m_total)};
        for ([[maybe_unused]] const Entry& e : m_entries) {
            assert(e.raced || !overlaps(clipped, unwrittenPart(e.seg)));
        }
        m_written.add(clipped);
    }
    checkInvariants();
}

void SegmentPlanner::forgetWritten(ByteRange range) {
    m_written.subtract(range);
    checkInvariants();
}

std::optional<Segment> SegmentPlanner::claim(ByteRange range) {
    ByteRange r{std::max<std::int64_t>(range.begin, 0), std::min(range.end, m_total)};
    if (r.empty() || m_written.containsByte(r.begin)) {
        return std::nullopt;
    }
    // The connection will be stopped at the first byte we already have (writable() is 0
    // there), so the segment must not pretend to own written bytes.
    for (const ByteRange& w : m_written.ranges()) {
        if (w.begin > r.begin) {
            r.end = std::min(r.end, w.begin);
            break;
        }
    }
    for (const Entry& e : m_entries) {
        if (overlaps(r, unwrittenPart(e.seg))) {
            return std::nullopt;
        }
    }
    return create(r, false, 0);
}

std::optional<Segment> SegmentPlanner::assign(std::int64_t targetSize) {
    const std::vector<ByteRange> gaps = freeGaps();
    if (gaps.empty()) {
        return steal();
    }
    ByteRange best = gaps.front();
    for (const ByteRange& g : gaps) {
        if (g.size() > best.size()) {
            best = g;
        }
    }
    std::int64_t length = best.size();
    if (targetSize > 0) {
        length = std::min(length, std::max(targetSize, m_minSplit));
        // A sliver left behind would later cost a connection of its own for too little.
        if (best.size() - length < m_minSplit) {
            length = best.size();
        }
    }
    return create({best.begin, best.begin + length}, false, 0);
}

void SegmentPlanner::setSpeed(int id, double bytesPerSecond) {
    if (Entry* e = entry(id)) {
        e->speed = bytesPerSecond > 0 ? bytesPerSecond : 0;
    }
}

double SegmentPlanner::slowSeconds() const {
    return m_requestSeconds > 0 ? std::max(kMinSlowSeconds, kRequestsWorth * m_requestSeconds)
                                : kSlowSeconds;
}

std::optional<Segment> SegmentPlanner::steal() {
    // The segment that makes the download wait longest is the one to split: on a mirror whose
    // ranges are not all served alike, a crawling segment with few bytes left outlasts a fast
    // one with many. Unknown speeds count as the mean of the known ones.
    double known = 0;
    int counted = 0;
    for (const Entry& e : m_entries) {
        if (e.speed > 0) {
            known += e.speed;
            ++counted;
        }
    }
    const double meanSpeed = counted > 0 ? known / counted : 0;
    const auto finishesIn = [&](const Entry& e) {
        const double speed = e.speed > 0 ? e.speed : meanSpeed;
        const auto left = static_cast<double>(e.seg.remaining());
        return speed > 0 ? left / speed : left; // no speed known at all: bytes decide
    };
    // minSplit keeps a request worth its round trip and slow start; a segment measured to
    // need more than slowSeconds() is worth splitting below it (down to kMinSlowPiece halves).
    const double slowAfter = slowSeconds();
    const auto smallest = [&](const Entry& e) {
        const bool slow =
            e.speed > 0 && static_cast<double>(e.seg.remaining()) / e.speed >= slowAfter;
        return slow ? std::min(m_minSplit, kMinSlowPiece) : m_minSplit;
    };
    Entry* victim = nullptr;
    double victimTime = 0;
    for (Entry& e : m_entries) {
        const Segment& s = e.seg;
        // Racers share their range, and a segment still re-writing bytes a former racer wrote
        // would hand the thief bytes that are already on disk: neither is split.
        if (s.duplicate || e.partner != 0 || s.remaining() < 2 * smallest(e) ||
            m_written.coveredBytesIn(unwrittenPart(s)) > 0) {
            continue;
        }
        const double time = finishesIn(e);
        if (victim == nullptr || time > victimTime ||
            (time == victimTime && s.remaining() > victim->seg.remaining())) {
            victim = &e;
            victimTime = time;
        }
    }
    if (victim == nullptr) {
        return std::nullopt;
    }
    Segment& v = victim->seg;
    const std::int64_t piece = smallest(*victim);
    std::int64_t split = v.cursor + v.remaining() / 2;
    // Aligned split points keep requests and writes on page/block boundaries.
    const std::int64_t aligned = split / kSplitAlignment * kSplitAlignment;
    if (aligned - v.cursor >= piece && v.end - aligned >= piece) {
        split = aligned;
    }
    const ByteRange stolen{split, v.end};
    v.end = split; // the victim's writable() now stops at the split point
    // Until its connection is measured, the thief is taken to go as fast as the victim did:
    // the same stretch of the same file, so a crawling region keeps being split at once.
    const double inherited = victim->speed;
    const Segment thief = create(stolen, false, 0);
    entry(thief.id)->speed = inherited;
    return thief;
}

bool SegmentPlanner::truncate(int id, std::int64_t end) {
    Entry* e = entry(id);
    if (e == nullptr || e->seg.duplicate || e->partner != 0 || e->raced) {
        return false;
    }
    Segment& s = e->seg;
    end = std::max(end, s.cursor + m_minSplit);
    const std::int64_t aligned = end / kSplitAlignment * kSplitAlignment;
    if (aligned >= s.cursor + m_minSplit) {
        end = aligned;
    }
    if (end >= s.end) {
        return false;
    }
    s.end = end;
    checkInvariants();
    return true;
}

std::optional<Segment> SegmentPlanner::duplicate(int victimId) {
    Entry* victim = entry(victimId);
    if (victim == nullptr || victim->seg.duplicate || victim->partner != 0 || isDone(victimId)) {
        return std::nullopt;
    }
    victim->partner = m_nextId;
    victim->raced = true;
    const ByteRange range = unwrittenPart(victim->seg);
    return create(range, true, victimId);
}

std::int64_t SegmentPlanner::writable(int id, std::int64_t n) const {
    const Entry* e = entry(id);
    if (e == nullptr || n <= 0 || isDone(id)) {
        return 0;
    }
    return std::min(n, e->seg.remaining());
}

void SegmentPlanner::advance(int id, std::int64_t n) {
    assert(n >= 0 && n <= writable(id, n));
    Entry* e = entry(id);
    if (e == nullptr || n <= 0) {
        return;
    }
    Segment& s = e->seg;
    n = std::min(n, s.remaining()); // never past end, even when the caller broke the contract
    m_written.add({s.cursor, s.cursor + n});
    s.cursor += n;
    checkInvariants();
}

bool SegmentPlanner::isDone(int id) const {
    const Entry* e = entry(id);
    if (e == nullptr) {
        return false;
    }
    return e->seg.cursor >= e->seg.end || m_written.contains(unwrittenPart(e->seg));
}

void SegmentPlanner::release(int id) {
    const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                                 [id](const Entry& e) { return e.seg.id == id; });
    if (it == m_entries.end()) {
        return;
    }
    const int partner = it->partner;
    m_entries.erase(it);
    // The survivor owns the same bytes, so nothing becomes a gap; it simply stops racing.
    if (Entry* p = entry(partner)) {
        p->partner = 0;
        p->seg.duplicate = false;
    }
    checkInvariants();
}

const Segment* SegmentPlanner::find(int id) const {
    const Entry* e = entry(id);
    return e == nullptr ? nullptr : &e->seg;
}

std::vector<Segment> SegmentPlanner::active() const {
    std::vector<Segment> out;
    out.reserve(m_entries.size());
    for (const Entry& e : m_entries) {
        out.push_back(e.seg);
    }
    return out;
}

bool SegmentPlanner::complete() const {
    return m_written.contains({0, m_total});
}

std::int64_t SegmentPlanner::unassignedBytes() const {
    std::int64_t sum = 0;
    for (const ByteRange& g : freeGaps()) {
        sum += g.size();
    }
    return sum;
}

std::string SegmentPlanner::invariantViolation() const {
    int previousId = 0;
    for (const Entry& e : m_entries) {
        const Segment& s = e.seg;
        if (s.id <= previousId || s.id >= m_nextId) {
            return describe(s) + ": ids out of order or reused";
        }
        previousId = s.id;
        if (s.begin < 0 || s.begin > s.cursor || s.cursor > s.end || s.end > m_total) {
            return describe(s) + ": not 0 <= begin <= cursor <= end <= total";
        }
        if (!m_written.contains({s.begin, s.cursor})) {
            return describe(s) + ": [begin,cursor) not written";
        }
        if (!e.raced && m_written.coveredBytesIn(unwrittenPart(s)) > 0) {
            return describe(s) + ": [cursor,end) overlaps written bytes";
        }
        const Entry* p = entry(e.partner);
        if ((e.partner != 0) != (p != nullptr) || (p != nullptr && p->partner != s.id) ||
            (s.duplicate && (p == nullptr || p->seg.duplicate))) {
            return describe(s) + ": broken racer pairing";
        }
        if (s.duplicate && (s.end != p->seg.end || s.begin < p->seg.begin)) {
            return describe(s) + ": racer range outside its victim's";
        }
        for (const Entry& o : m_entries) {
            if (o.seg.id > s.id && !s.duplicate && !o.seg.duplicate &&
                overlaps({s.begin, s.end}, {o.seg.begin, o.seg.end})) {
                return describe(s) + " overlaps " + describe(o.seg);
            }
        }
    }
    if (!m_written.empty() &&
        (m_written.ranges().front().begin < 0 || m_written.ranges().back().end > m_total)) {
        return "written bytes outside the file";
    }
    return {};
}

SegmentPlanner::Entry* SegmentPlanner::entry(int id) {
    const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                                 [id](const Entry& e) { return e.seg.id == id; });
    return it == m_entries.end() ? nullptr : &*it;
}

const SegmentPlanner::Entry* SegmentPlanner::entry(int id) const {
    return const_cast<SegmentPlanner*>(this)->entry(id);
}

std::vector<ByteRange> SegmentPlanner::freeGaps() const {
    IntervalSet taken = m_written;
    for (const Entry& e : m_entries) {
        taken.add(unwrittenPart(e.seg));
    }
    return taken.gaps(m_total);
}

Segment SegmentPlanner::create(ByteRange range, bool duplicate, int partner) {
    Entry e;
    e.seg.id = m_nextId++;
    e.seg.begin = range.begin;
    e.seg.cursor = range.begin;
    e.seg.end = range.end;
    e.seg.duplicate = duplicate;
    e.partner = partner;
    e.raced = partner != 0;
    m_entries.push_back(e);
    checkInvariants();
    return e.seg;
}

void SegmentPlanner::checkInvariants() const {
#ifndef NDEBUG
    // O(segments^2) with tens of segments: cheap enough to run after every change in debug.
    assert(invariantViolation().empty());
#endif
}

} // namespace maria2
