#pragma once
// The libcurl options every MAria2 request shares, from the Network settings: which protocols
// (also after a redirect), redirects, connect timeout, TLS verification, CA file, proxy and
// user agent. One place, so a download and the requests around it (a published checksum)
// never differ in what they trust.
#include "core/config/Config.h"

#include <curl/curl.h>

#include <string>

namespace maria2::net {

void applyNetworkOptions(CURL* easy, const NetworkSettings& network, const std::string& userAgent);

// The request's own agent, else Network.UserAgent, else "MAria2/<version>".
std::string userAgentFor(const std::string& requested, const NetworkSettings& network);

} // namespace maria2::net
