#pragma once
// What one engine of the pool is good at. Each Engine (one curl multi handle, one thread) is
// configured by a profile; the router (src/core/routing) picks the engine per request.
#include <string>
#include <vector>

namespace maria2 {

enum class EngineKind {
    Multiplex, // HTTP/2 (and HTTP/3 when libcurl has it): many streams over few connections
    Segmented, // HTTP/1.1, many connections per host, range requests: beats per-connection caps
    Bulk,      // many files from a host: connection reuse, high concurrency; splits big ones
    Generic,   // everything else the libcurl build speaks (FTP, FTPS, SFTP...)
};

const char* toString(EngineKind kind);

enum class HttpPreference {
    Default, // libcurl's choice (HTTP/2 over TLS when offered)
    Http11,  // HTTP/1.1 only: one transfer per connection, for many parallel connections
    Http2,   // HTTP/2 where the server offers it, multiplexed
    Http3,   // HTTP/3 first (QUIC) when the build has it, falling back
};

struct EngineProfile {
    std::string name = "default";
    EngineKind kind = EngineKind::Generic;
    std::vector<std::string> schemes{"http", "https", "ftp", "ftps"};
    HttpPreference http = HttpPreference::Default;
    bool multiplex = true;        // CURLMOPT_PIPELINING = CURLPIPE_MULTIPLEX
    bool split = true;            // segmented downloads allowed
    long maxHostConnections = 0;  // CURLMOPT_MAX_HOST_CONNECTIONS (0 = no limit)
    long maxConnectionCache = 64; // CURLMOPT_MAXCONNECTS: idle connections kept for reuse
    int capacity = 16; // downloads it is meant to carry at once (its "load" is n/capacity)

    bool supports(const std::string& scheme) const;
};

} // namespace maria2
