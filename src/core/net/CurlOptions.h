#pragma once
// The libcurl options every MAria2 request shares, from the Network settings: which protocols
// (also after a redirect), redirects, connect timeout, TLS verification, CA file, proxy and
// user agent. One place, so a download and the requests around it (a published checksum)
// never differ in what they trust. And RequestHeaders: a transfer's extra headers and what of
// them may follow a redirect.
#include "core/config/Config.h"

#include <curl/curl.h>

#include <string>
#include <vector>

namespace maria2::net {

void applyNetworkOptions(CURL* easy, const NetworkSettings& network, const std::string& userAgent);

// The request's own agent, else Network.UserAgent, else "MAria2/<version>".
std::string userAgentFor(const std::string& requested, const NetworkSettings& network);

// One transfer's extra request headers and the redirect rules that protect them.
//
// libcurl itself keeps only Authorization and Cookie from other hosts; every other custom
// header follows any redirect. Here the person's own headers (--header: tokens, API keys) go
// to the origin (scheme, host and port) of the URL the transfer starts at, and after a
// redirect to another origin only with Network.KeepHeadersAcrossHosts, which also lets libcurl
// send Authorization, cookies and URL credentials on (CURLOPT_UNRESTRICTED_AUTH, as curl's
// --location-trusted). A pre-request callback (CURLOPT_PREREQFUNCTION, called before every
// request, redirects included, with CURLINFO_EFFECTIVE_URL already the new URL) installs the
// header list for the origin being asked. And a transfer that starts at https follows
// redirects to https (and ftps) only, unless Network.AllowInsecureRedirect.
//
// libcurl keeps pointers into the lists: keep the object alive, at the same address, until
// the easy handle is cleaned up (a member beside the handle).
class RequestHeaders {
public:
    RequestHeaders() = default;
    ~RequestHeaders();
    RequestHeaders(const RequestHeaders&) = delete;
    RequestHeaders& operator=(const RequestHeaders&) = delete;

    // The person's own headers ("Name: value"); their names are registered as secret for the
    // log (log::addSecretHeaders).
    void addUser(const std::vector<std::string>& headers);
    // MAria2's own headers (If-Range): sent to every host.
    void add(const std::string& header);
    // Installs the headers and the redirect rules on easy for a transfer starting at url. Call
    // once, after applyNetworkOptions (it narrows the redirect protocols that one sets).
    void apply(CURL* easy, const std::string& url, const NetworkSettings& network);

    // After the transfer: why it failed when the reason was a refused redirect from https to
    // http, naming the setting that allows it; empty for any other result.
    std::string refusedRedirect(CURLcode result) const;
    // True while the person's headers are being sent (the current request's origin is the
    // first one, or they are kept across hosts). For tests.
    bool sendingUserHeaders() const { return m_sendingUser; }

private:
    static int preRequest(void* self, char* primaryIp, char* localIp, int primaryPort,
                          int localPort);
    void use(bool withUser);

    std::vector<std::string> m_user;
    std::vector<std::string> m_own;
    curl_slist* m_all = nullptr;     // m_user then m_own
    curl_slist* m_ownOnly = nullptr; // m_own: after a redirect to another origin
    CURL* m_easy = nullptr;
    std::string m_origin; // "https://host:443" of the URL the transfer starts at
    bool m_keep = false;
    bool m_startsHttps = false;
    bool m_allowInsecure = false;
    bool m_sendingUser = true;
};

} // namespace maria2::net
