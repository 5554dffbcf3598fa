// The libcurl build's capabilities and the engines a pool is made of by default (declared in
// EnginePool.h): multiplex when HTTP/2 is there, segmented (twice on a big machine), bulk and
// generic.
#include "core/pool/EnginePool.h"

#include <curl/curl.h>

#include <algorithm>

namespace maria2 {

std::string CurlCapabilities::summary() const {
    std::string list;
    for (const auto& p : protocols) {
        list += (list.empty() ? "" : " ") + p;
    }
    return "libcurl " + version + ", HTTP/2 " + (http2 ? "yes" : "no") + ", HTTP/3 " +
           (http3 ? "yes" : "no") + ", protocols: " + list;
}

CurlCapabilities curlCapabilities() {
    curl_global_init(CURL_GLOBAL_DEFAULT); // refcounted; safe before any engine exists
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    CurlCapabilities caps;
    caps.version = info->version != nullptr ? info->version : "?";
    caps.http2 = (info->features & CURL_VERSION_HTTP2) != 0;
    caps.http3 = (info->features & CURL_VERSION_HTTP3) != 0;
    for (const char* const* p = info->protocols; p != nullptr && *p != nullptr; ++p) {
        caps.protocols.emplace_back(*p);
    }
    return caps;
}

std::vector<EngineProfile> defaultEngineProfiles(const CurlCapabilities& curl, int cores) {
    const auto has = [&](const char* p) {
        return std::find(curl.protocols.begin(), curl.protocols.end(), p) != curl.protocols.end();
    };
    std::vector<EngineProfile> out;
    if (curl.http2) {
        EngineProfile m;
        m.name = "multiplex";
        m.kind = EngineKind::Multiplex;
        m.schemes = {"https", "http"};
        m.http = curl.http3 ? HttpPreference::Http3 : HttpPreference::Http2;
        m.multiplex = true;
        m.maxHostConnections = 4; // streams share these; one is usually enough
        m.capacity = 64;
        out.push_back(m);
    }
    EngineProfile s;
    s.name = "segmented";
    s.kind = EngineKind::Segmented;
    s.schemes = {"http", "https"};
    s.http = HttpPreference::Http11;
    s.multiplex = false;
    s.maxHostConnections = 64; // a server never sees more than this from one engine
    s.capacity = 8;
    out.push_back(s);
    if (cores > 4) {
        s.name = "segmented-2";
        out.push_back(s);
    }
    EngineProfile b;
    b.name = "bulk";
    b.kind = EngineKind::Bulk;
    b.schemes = {"http", "https"};
    b.http = HttpPreference::Default;
    b.multiplex = true;
    // A file that turns out big is still split: a list from one host goes here before any
    // size is known (the router sees many files, not their sizes).
    b.split = true;
    b.maxHostConnections = 16;
    b.maxConnectionCache = 128;
    b.capacity = 64;
    out.push_back(b);
    EngineProfile g;
    g.name = "generic";
    g.kind = EngineKind::Generic;
    g.schemes.clear();
    for (const char* p : {"ftp", "ftps", "sftp", "http", "https"}) {
        if (has(p)) {
            g.schemes.emplace_back(p);
        }
    }
    g.capacity = 16;
    out.push_back(g);
    return out;
}

} // namespace maria2
