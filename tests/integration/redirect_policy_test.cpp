// What may follow a redirect (net::RequestHeaders, core/net/CurlOptions.h), against real servers
// through libcurl's multi interface as the engine drives it: the person's --header values reach
// the URL's own host and not another one a redirect names, unless kept on purpose; an https
// download is never silently continued over http.
#include "core/config/Config.h"
#include "core/net/CurlOptions.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QFile>
#include <QJsonObject>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using maria2::NetworkSettings;
using maria2::net::RequestHeaders;
using maria2::test::FaultServer;
using maria2::test::NginxServer;

struct Fetched {
    CURLcode result = CURLE_OK;
    long status = 0;
    std::string body;
    std::string refused; // RequestHeaders::refusedRedirect
};

size_t collect(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

// One GET of url with the person's headers and MAria2's own, set up as the engine does:
// applyNetworkOptions, then RequestHeaders::apply; run on a multi handle.
Fetched fetch(const std::string& url, const NetworkSettings& network,
              const std::vector<std::string>& userHeaders) {
    Fetched f;
    RequestHeaders headers; // outlives the handle below
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
    std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                                &curl_multi_cleanup);
    CURL* e = easy.get();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    maria2::net::applyNetworkOptions(e, network, "maria2-test");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &f.body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
    headers.addUser(userHeaders);
    headers.add("X-Maria2-Own: every-host");
    headers.apply(e, url, network);
    curl_multi_add_handle(multi.get(), e);
    int running = 1;
    while (running > 0) {
        curl_multi_perform(multi.get(), &running);
        if (running > 0) {
            curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
        }
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg == CURLMSG_DONE) {
            f.result = msg->data.result;
        }
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &f.status);
    f.refused = headers.refusedRedirect(f.result);
    curl_multi_remove_handle(multi.get(), e);
    return f;
}

std::string readFile(const QString& path) {
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
    return file.readAll().toStdString();
}

class RedirectPolicyTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_fault = std::make_unique<FaultServer>();
        QString error;
        ASSERT_TRUE(s_fault->start(&error)) << error.toStdString();
        maria2::test::writeRandomFile(s_fault->root() + "/f.bin", 64 * 1024, 77);
        s_nginx = std::make_unique<NginxServer>();
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        maria2::test::writeRandomFile(s_nginx->docRoot() + "/f.bin", 64 * 1024, 78);
    }
    static void TearDownTestSuite() {
        s_fault.reset();
        s_nginx.reset();
    }
    void SetUp() override { s_fault->clearRequests(); }

    // The logged request for path, once it is logged (a line is written after its response).
    static QJsonObject requestFor(const QString& path) {
        QJsonObject found;
        EXPECT_TRUE(maria2::test::waitFor(
            [&] {
                const auto entries = s_fault->requests(path);
                if (entries.size() != 1) {
                    return false;
                }
                found = entries.front();
                return true;
            },
            10000))
            << "no single request for " << path.toStdString();
        return found;
    }
    static QString port() { return QString::number(s_fault->port()); }

    static std::unique_ptr<FaultServer> s_fault;
    static std::unique_ptr<NginxServer> s_nginx;
};

std::unique_ptr<FaultServer> RedirectPolicyTest::s_fault;
std::unique_ptr<NginxServer> RedirectPolicyTest::s_nginx;

TEST_F(RedirectPolicyTest, UserHeaderReachesTheFirstHostButNotTheOneARedirectNames) {
    const std::string url = s_fault->url("redirect-host/f.bin?to=localhost").toStdString();
    const Fetched f = fetch(url, NetworkSettings{}, {"X-Secret-Unit: tok-42"});
    ASSERT_EQ(f.result, CURLE_OK) << curl_easy_strerror(f.result);
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.body, readFile(s_fault->root() + "/f.bin"));

    const QJsonObject first = requestFor("/redirect-host/f.bin");
    EXPECT_EQ(first["host"].toString(), "127.0.0.1:" + port());
    EXPECT_EQ(first["headers"].toObject()["x-secret-unit"].toString(), "tok-42");
    const QJsonObject second = requestFor("/f.bin");
    EXPECT_EQ(second["host"].toString(), "localhost:" + port());
    EXPECT_FALSE(second["headers"].toObject().contains("x-secret-unit"));
    // MAria2's own headers (If-Range) still go along.
    EXPECT_EQ(second["headers"].toObject()["x-maria2-own"].toString(), "every-host");
}

TEST_F(RedirectPolicyTest, UserHeaderFollowsARedirectOnTheSameHost) {
    const std::string url = s_fault->url("redirect-host/f.bin?to=127.0.0.1").toStdString();
    const Fetched f = fetch(url, NetworkSettings{}, {"X-Secret-Unit: tok-43"});
    ASSERT_EQ(f.result, CURLE_OK) << curl_easy_strerror(f.result);
    const QJsonObject second = requestFor("/f.bin");
    EXPECT_EQ(second["headers"].toObject()["x-secret-unit"].toString(), "tok-43");
}

TEST_F(RedirectPolicyTest, UserHeaderFollowsAcrossHostsWhenTheSettingSaysSo) {
    NetworkSettings network;
    network.keepHeadersAcrossHosts = true;
    const std::string url = s_fault->url("redirect-host/f.bin?to=localhost").toStdString();
    const Fetched f = fetch(url, network, {"X-Secret-Unit: tok-44"});
    ASSERT_EQ(f.result, CURLE_OK) << curl_easy_strerror(f.result);
    const QJsonObject second = requestFor("/f.bin");
    EXPECT_EQ(second["host"].toString(), "localhost:" + port());
    EXPECT_EQ(second["headers"].toObject()["x-secret-unit"].toString(), "tok-44");
}

TEST_F(RedirectPolicyTest, HttpsToHttpRedirectIsRefusedNamingTheReason) {
    NetworkSettings network;
    network.caCertificate = s_nginx->caCertPath().toStdString();
    s_nginx->clearAccessLog();
    const std::string url = s_nginx->httpsUrl("redirect-http/f.bin").toStdString();
    const Fetched f = fetch(url, network, {});
    EXPECT_EQ(f.result, CURLE_UNSUPPORTED_PROTOCOL) << curl_easy_strerror(f.result);
    EXPECT_EQ(f.status, 302);
    EXPECT_NE(f.refused.find("redirect from https to http"), std::string::npos) << f.refused;
    EXPECT_NE(f.refused.find("--allow-insecure-redirect"), std::string::npos) << f.refused;
    EXPECT_TRUE(f.body.empty() || f.body.find("302") != std::string::npos);
    // Nothing was asked of the http side.
    for (const auto& entry : s_nginx->accessLog()) {
        EXPECT_NE(entry.scheme, "http") << entry.requestUri.toStdString();
    }
}

TEST_F(RedirectPolicyTest, HttpsToHttpRedirectIsFollowedWhenAllowed) {
    NetworkSettings network;
    network.caCertificate = s_nginx->caCertPath().toStdString();
    network.allowInsecureRedirect = true;
    const std::string url = s_nginx->httpsUrl("redirect-http/f.bin").toStdString();
    const Fetched f = fetch(url, network, {});
    ASSERT_EQ(f.result, CURLE_OK) << curl_easy_strerror(f.result);
    EXPECT_EQ(f.body, readFile(s_nginx->docRoot() + "/f.bin"));
    EXPECT_TRUE(f.refused.empty()) << f.refused;
}

TEST_F(RedirectPolicyTest, HttpsToHttpsRedirectIsFollowed) {
    NetworkSettings network;
    network.caCertificate = s_nginx->caCertPath().toStdString();
    const std::string url = s_nginx->httpsUrl("redirect/f.bin").toStdString();
    const Fetched f = fetch(url, network, {});
    ASSERT_EQ(f.result, CURLE_OK) << curl_easy_strerror(f.result);
    EXPECT_EQ(f.body, readFile(s_nginx->docRoot() + "/f.bin"));
}

} // namespace
