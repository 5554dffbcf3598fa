#pragma once
// Which bytes of a file each connection of a multi-connection download fetches: hands out
// gaps, splits the slowest remaining work when none is left, and runs endgame races.
// Pure bookkeeping: no I/O, no clock, no network. See docs/segment-planner.md.
#include "core/segment/ByteRange.h"
#include "core/segment/IntervalSet.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

// One connection's share of the file.
struct Segment {
    int id = 0;
    std::int64_t begin = 0;  // where this connection's request starts
    std::int64_t cursor = 0; // next byte it will write; [begin,cursor) is written
    std::int64_t end = 0;    // exclusive; may shrink when another connection steals the tail
    bool duplicate = false;  // endgame racer: same bytes as another segment
    std::int64_t remaining() const { return end - cursor; }
};

class SegmentPlanner {
public:
    // Split points are aligned down to this many bytes when both halves stay big enough.
    static constexpr std::int64_t kSplitAlignment = 4096;
    // A segment that needs at least slowSeconds() at its measured speed may be split into
    // halves smaller than minSplitSize, down to kMinSlowPiece: on a crawling region the time
    // saved dwarfs one more request. slowSeconds() is kSlowSeconds while a request's cost is
    // unknown, else kRequestsWorth times it (its time to the first byte), at least
    // kMinSlowSeconds: a split pays once the half it saves is well above a new request.
    static constexpr double kSlowSeconds = 0.5;
    static constexpr double kMinSlowSeconds = 0.25;
    static constexpr double kRequestsWorth = 4;
    static constexpr std::int64_t kMinSlowPiece = 128 * 1024;

    // A negative size counts as 0; a minSplitSize below 1 counts as 1.
    SegmentPlanner(std::int64_t totalSize, std::int64_t minSplitSize);

    std::int64_t totalSize() const { return m_total; }
    std::int64_t minSplitSize() const { return m_minSplit; }

    // Bytes already on disk from an earlier run (from the control file), clipped to the file.
    // Call it before any segment is active.
    void markWritten(const IntervalSet& done);
    // Bytes counted as written that never reached the file (their write failed): a gap again.
    // Call it while no segment is active.
    void forgetWritten(ByteRange range);
    // Registers a connection that already requested `range` (made before the size was known).
    // The range is clipped to the file and ends at the first byte already written.
    // nullopt when nothing is left of it, it starts on a written byte, or it overlaps what an
    // active segment still has to write.
    std::optional<Segment> claim(ByteRange range);
    // Work for a new connection: the largest free gap (lowest offset on ties) from its start,
    // cut to max(targetSize, minSplitSize) bytes, or the whole gap when less would be left
    // than minSplitSize (targetSize <= 0: the whole gap). With no free gap, steals the upper
    // half of the active segment expected to finish last (remaining bytes / its measured
    // speed; a segment of unknown speed counts at the mean of the known ones, and with none
    // known the most remaining bytes wins) if it has >= 2*minSplitSize left, or, measured to
    // need >= kSlowSeconds, >= 2*kMinSlowPiece. Segments in an endgame race are never split.
    // nullopt when nothing is worth assigning.
    std::optional<Segment> assign(std::int64_t targetSize);
    // Endgame racer for [victim.cursor, victim.end) of an active, unfinished, non-duplicate
    // segment without a racer. nullopt otherwise.
    std::optional<Segment> duplicate(int victimId);
    // How many of n bytes arriving for segment id may be written at its cursor: never past
    // its end, and 0 once isDone(id) (the caller stops that connection) or id is unknown.
    std::int64_t writable(int id, std::int64_t n) const;
    // Records n bytes (n <= writable(id, n)) written at the segment's cursor.
    void advance(int id, std::int64_t n);
    // The connection's measured speed (bytes/s; <= 0 = unknown), for choosing what to steal.
    void setSpeed(int id, double bytesPerSecond);
    // How long a new request takes here to its first byte (seconds; <= 0 = unknown).
    void setRequestSeconds(double seconds) { m_requestSeconds = seconds; }
    double slowSeconds() const;
    // Cursor reached end, or all of [cursor,end) is already written (by a racer).
    // False for unknown ids.
    bool isDone(int id) const;
    // The connection ended (finished, failed or closed): the segment is forgotten and what it
    // did not write becomes a gap again. Its racer, if any, keeps running as a normal segment.
    void release(int id);
    // Shortens an active segment that is neither racing nor raced to end at `end` (aligned down
    // to 4 KiB, never closer than minSplitSize to its cursor); the rest becomes a free gap for
    // assign(). Lets one stream that owns the whole file be split into even pieces at once.
    // False when that would not shorten it.
    bool truncate(int id, std::int64_t end);
    // Valid until the next non-const call.
    const Segment* find(int id) const;
    // Active segments in id order.
    std::vector<Segment> active() const;
    const IntervalSet& written() const { return m_written; }
    std::int64_t writtenBytes() const { return m_written.coveredBytes(); }
    // written() covers [0, totalSize()).
    bool complete() const;
    // Bytes neither written nor owned ([cursor,end)) by any active segment.
    std::int64_t unassignedBytes() const;
    // Empty when every invariant holds, else what is broken (for tests and debug asserts).
    std::string invariantViolation() const;

private:
    struct Entry {
        Segment seg;
        int partner = 0;    // the other side of this segment's endgame race; 0 = none
        bool raced = false; // ever in a race: its [cursor,end) may overlap written bytes
        double speed = 0;   // bytes/s as measured by its connection; 0 = unknown
    };

    Entry* entry(int id);
    const Entry* entry(int id) const;
    std::vector<ByteRange> freeGaps() const;
    std::optional<Segment> steal();
    Segment create(ByteRange range, bool duplicate, int partner);
    void checkInvariants() const;

    std::int64_t m_total;
    std::int64_t m_minSplit;
    double m_requestSeconds = 0;
    IntervalSet m_written;
    std::vector<Entry> m_entries; // active segments, in id order
    int m_nextId = 1;
};

} // namespace maria2
