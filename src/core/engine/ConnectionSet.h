#pragma once
// The open connections of one download, and the decisions about them that need no network:
// which range a new connection takes, which range the endgame races, which connection is too
// slow to keep, which to drop first when backing off. Opening an easy handle and talking to
// the multi handle stay with the Job; this set owns the Connection objects and decides.
#include "core/engine/Connection.h"
#include "core/segment/SegmentPlanner.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace maria2 {

class ConnectionSet {
public:
    using Clock = std::chrono::steady_clock;
    using List = std::vector<std::unique_ptr<Connection>>;

    // A connection needs this long to ramp up before it can be called slow...
    static constexpr auto kSlowGrace = std::chrono::seconds(4);
    // ... and must stay slow this long (sustained, not a blip) ...
    static constexpr auto kSlowFor = std::chrono::seconds(5);
    // ... below this share of the median speed of its peers.
    static constexpr double kSlowRatio = 0.3;
    // Endgame: race a range only once its connection has a measured pace.
    static constexpr auto kEndgameGrace = std::chrono::seconds(1);
    static constexpr double kEndgameFloorSeconds = 0.02;

    Connection& add(std::unique_ptr<Connection> connection);
    // Destroys it (its easy handle must be out of the multi handle).
    void remove(const Connection* connection);
    Connection* find(const CURL* easy) const;

    bool empty() const { return m_list.empty(); }
    std::size_t size() const { return m_list.size(); }
    int count() const { return static_cast<int>(m_list.size()); }
    Connection& front() const { return *m_list.front(); }
    Connection& back() const { return *m_list.back(); }
    Connection& at(std::size_t i) const { return *m_list[i]; }
    List::const_iterator begin() const { return m_list.begin(); }
    List::const_iterator end() const { return m_list.end(); }
    // Most connections open at once since resetPeak().
    int peak() const { return m_peak; }
    void resetPeak() { m_peak = count(); }

    // The range for one more connection while fewer than `wanted` are open: what is left,
    // shared evenly among the connections still to open (the planner splits the largest
    // range when no gap is left). nullopt when enough are open or nothing is worth taking.
    std::optional<Segment> nextSegment(SegmentPlanner& planner, int wanted) const;
    // Seconds a range must still need before racing it pays: a racer costs one request
    // before its first byte, so twice the median time to first byte of these connections
    // (queueing and slow start included), never under kEndgameFloorSeconds.
    double endgameThreshold() const;
    // The median time from request to first body byte of the open connections that have one
    // (seconds; -1 = none yet): what one more request costs here.
    double medianTtfb() const;
    // The connection whose range needs longest at its pace, if that is above the threshold
    // (*secondsLeft then says how long); ranges already racing or raced are left alone.
    Connection* endgameVictim(const SegmentPlanner& planner, Clock::time_point now,
                              double* secondsLeft) const;
    // A connection far slower than the median of its peers for kSlowFor (its range worth
    // handing on); it keeps the marks of when each fell behind. Needs three connections.
    Connection* slowToClose(const SegmentPlanner& planner, Clock::time_point now);
    // The slowest connection now (the first to go when backing off); nullptr when empty.
    Connection* slowest() const;

private:
    List m_list;
    int m_peak = 0;
};

} // namespace maria2
