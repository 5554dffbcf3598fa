#include "core/net/CurlOptions.h"

#include "core/log/Redaction.h"
#include "core/net/Url.h"
#include "core/text/Text.h"

#include "Version.h"

#include <memory>

namespace maria2::net {
namespace {

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string urlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, flags) != CURLUE_OK || out == nullptr) {
        return {};
    }
    std::string value(out);
    curl_free(out);
    return value;
}

// "scheme://host:port" in lower case, the port filled in from the scheme; empty when the URL
// cannot be parsed (then it matches no other origin).
std::string originOf(const char* url) {
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    if (!u || url == nullptr ||
        curl_url_set(u.get(), CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        return {};
    }
    return text::toLower(urlPart(u.get(), CURLUPART_SCHEME)) + "://" +
           text::toLower(urlPart(u.get(), CURLUPART_HOST)) + ":" +
           urlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

curl_slist* makeList(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    curl_slist* list = nullptr;
    for (const auto* part : {&a, &b}) {
        for (const auto& header : *part) {
            curl_slist* grown = curl_slist_append(list, header.c_str());
            if (grown == nullptr) {
                curl_slist_free_all(list);
                return nullptr;
            }
            list = grown;
        }
    }
    return list;
}

} // namespace

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

RequestHeaders::~RequestHeaders() {
    curl_slist_free_all(m_all);
    curl_slist_free_all(m_ownOnly);
}

void RequestHeaders::addUser(const std::vector<std::string>& headers) {
    m_user.insert(m_user.end(), headers.begin(), headers.end());
    log::addSecretHeaders(headers);
}

void RequestHeaders::add(const std::string& header) {
    m_own.push_back(header);
}

void RequestHeaders::apply(CURL* easy, const std::string& url, const NetworkSettings& network) {
    m_easy = easy;
    m_keep = network.keepHeadersAcrossHosts;
    m_allowInsecure = network.allowInsecureRedirect;
    m_startsHttps = schemeOf(url) == "https";
    m_origin = originOf(url.c_str());
    curl_slist_free_all(m_all);
    curl_slist_free_all(m_ownOnly);
    m_all = makeList(m_user, m_own);
    m_ownOnly = makeList({}, m_own);
    m_sendingUser = true;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, m_all);
    curl_easy_setopt(easy, CURLOPT_UNRESTRICTED_AUTH, m_keep ? 1L : 0L);
    if (m_startsHttps && !m_allowInsecure) {
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https,ftps");
    }
    if (!m_user.empty() && !m_keep) {
        curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &RequestHeaders::preRequest);
        curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
    }
}

void RequestHeaders::use(bool withUser) {
    if (withUser != m_sendingUser) {
        // Between a redirect's response and the next request: libcurl reads the list when it
        // writes that request, after this callback. Only the list pointer changes.
        curl_easy_setopt(m_easy, CURLOPT_HTTPHEADER, withUser ? m_all : m_ownOnly);
        m_sendingUser = withUser;
    }
}

int RequestHeaders::preRequest(void* self, char*, char*, int, int) {
    auto* headers = static_cast<RequestHeaders*>(self);
    char* url = nullptr;
    curl_easy_getinfo(headers->m_easy, CURLINFO_EFFECTIVE_URL, &url);
    const std::string origin = originOf(url);
    headers->use(!origin.empty() && origin == headers->m_origin);
    return CURL_PREREQFUNC_OK;
}

std::string RequestHeaders::refusedRedirect(CURLcode result) const {
    if (result != CURLE_UNSUPPORTED_PROTOCOL || !m_startsHttps || m_allowInsecure ||
        m_easy == nullptr) {
        return {};
    }
    char* target = nullptr;
    curl_easy_getinfo(m_easy, CURLINFO_REDIRECT_URL, &target);
    if (target == nullptr || schemeOf(target) == "https") {
        curl_easy_getinfo(m_easy, CURLINFO_EFFECTIVE_URL, &target);
    }
    if (target == nullptr || schemeOf(target) == "https" || schemeOf(target) == "ftps") {
        return {};
    }
    return "refused to follow a redirect from https to " + schemeOf(target) + " (" +
           redactUrl(target) +
           "): the download would leave the encrypted connection; allow it with "
           "--allow-insecure-redirect (Network.AllowInsecureRedirect)";
}

} // namespace maria2::net
