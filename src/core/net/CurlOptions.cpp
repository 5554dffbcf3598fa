#include "core/net/CurlOptions.h"

#include "Version.h"

namespace maria2::net {

void applyNetworkOptions(CURL* easy, const NetworkSettings& network, const std::string& userAgent) {
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp,ftps");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(network.maxRedirects));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT,
                     static_cast<long>(network.connectTimeoutSeconds));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, network.checkCertificate ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, network.checkCertificate ? 2L : 0L);
    if (!network.caCertificate.empty()) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, network.caCertificate.c_str());
    }
    if (!network.proxy.empty()) {
        curl_easy_setopt(easy, CURLOPT_PROXY, network.proxy.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_USERAGENT, userAgent.c_str());
}

std::string userAgentFor(const std::string& requested, const NetworkSettings& network) {
    if (!requested.empty()) {
        return requested;
    }
    return !network.userAgent.empty() ? network.userAgent : std::string("MAria2/") + kVersion;
}

} // namespace maria2::net
