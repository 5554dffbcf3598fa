// Job's details for the details pane: the bytes on disk and where each connection writes.
// Asked for (about twice a second for the one selected download), so it only copies what the
// Job already keeps: a few ranges and one entry per connection.
#include "core/engine/Job.h"

#include <algorithm>

namespace maria2 {
namespace {

// "203.0.113.5:443", "[2001:db8::1]:443"; empty until the connection has an address.
std::string remoteOf(CURL* easy) {
    char* ip = nullptr;
    long port = 0;
    if (easy == nullptr || curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK ||
        ip == nullptr || *ip == '\0') {
        return {};
    }
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port);
    const std::string address(ip);
    const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
    return port > 0 ? host + ":" + std::to_string(port) : host;
}

} // namespace

DownloadDetails Job::details() const {
    DownloadDetails d;
    d.id = m_id;
    d.totalBytes = m_total;
    // written() already holds what every open connection has written of its range so far
    // (the planner's cursors, or the single stream's prefix), sorted and disjoint.
    if (m_state == DownloadState::Completed && m_total >= 0) {
        if (m_total > 0) {
            d.doneRanges.emplace_back(0, m_total);
        }
    } else {
        for (const ByteRange& r : written().ranges()) {
            d.doneRanges.emplace_back(r.begin, r.end);
        }
    }
    d.connections.reserve(m_connections.size());
    for (const auto& c : m_connections) {
        ConnectionDetail cd;
        cd.number = c->number;
        cd.rangeStart = c->requestBegin;
        cd.position = c->writeOffset;
        const Segment* s = m_planner && c->segmentId != 0 ? m_planner->find(c->segmentId) : nullptr;
        if (s != nullptr) {
            cd.rangeEnd = s->end; // may have shrunk: another connection took its tail
            cd.racing = s->duplicate;
        } else {
            cd.rangeEnd = c->requestEnd >= 0 ? c->requestEnd : m_total;
        }
        cd.speedBytesPerSec = c->speed.bytesPerSecond();
        cd.remote = remoteOf(c->easy);
        cd.paused = c->limiterPaused;
        d.connections.push_back(std::move(cd));
    }
    std::sort(d.connections.begin(), d.connections.end(),
              [](const ConnectionDetail& a, const ConnectionDetail& b) {
                  return a.rangeStart != b.rangeStart ? a.rangeStart < b.rangeStart
                                                      : a.number < b.number;
              });
    return d;
}

} // namespace maria2
