#pragma once
// Which engines hold (or just held) downloads of each host. Each engine is its own curl multi
// handle with its own connection cache, so a host's next download is cheapest on an engine
// that already talks to it: an HTTP/1.1 connection kept alive there serves the next file
// without a handshake, and on an HTTP/2 host the next file becomes one more stream on the
// same TLS connection. The router adds this as a "reuse" part of each engine's score.
// Not thread-safe: the pool calls it under its own lock.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace maria2 {

class HostAffinity {
public:
    using Clock = std::chrono::steady_clock;

    // How long an engine's idle connections to a host count as warm after its last download
    // there ended: well inside the keep-alive time of common servers (nginx 75 s, Apache 5 s
    // after a request; libcurl drops idle ones after 118 s), so "warm" is usually true.
    static constexpr std::chrono::seconds kWarmFor{30};

    explicit HostAffinity(std::size_t engines = 0)
        : m_engines(engines) {}

    // A download of `host` was routed to `engine`, or came back into play (resumed).
    void started(const std::string& host, std::size_t engine);
    // It left play (completed, failed, paused, waiting for a person, removed) at `now`.
    void ended(const std::string& host, std::size_t engine, Clock::time_point now);

    // Downloads of `host` in play on `engine` / on any engine.
    int inPlay(const std::string& host, std::size_t engine) const;
    int inPlay(const std::string& host) const;
    // The engine has downloads of the host in play, or ended one there within kWarmFor.
    bool warm(const std::string& host, std::size_t engine, Clock::time_point now) const;

private:
    struct Slot {
        int inPlay = 0;
        Clock::time_point lastEnded{};
    };
    struct Host {
        std::vector<Slot> engines;
        int inPlay = 0;
    };
    const Slot* slot(const std::string& host, std::size_t engine) const;

    std::size_t m_engines;
    std::map<std::string, Host> m_hosts;
};

} // namespace maria2
