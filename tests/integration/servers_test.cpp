// Self-test of the test servers: they start, serve what the locations promise, log what tests
// rely on, and really go away on stop().
#include "support/TestServers.h"

#include <gtest/gtest.h>

#include <QCryptographicHash>
#include <QFileInfo>
#include <QTemporaryDir>

#include <chrono>
#include <csignal>
#include <curl/curl.h>
#include <functional>
#include <string>

using namespace maria2::test;

namespace {

struct Fetch {
    CURLcode code = CURLE_OK;
    long status = 0;
    long httpVersion = 0;
    std::string body;
    std::string headers;
    std::string error;
    double seconds = 0;

    QString sha256() const {
        return QString::fromLatin1(
            QCryptographicHash::hash(QByteArray::fromStdString(body), QCryptographicHash::Sha256)
                .toHex());
    }
    // Value of the last response's header `name` (case-insensitive), empty if absent.
    std::string header(const std::string& name) const {
        std::string found;
        const QString all = QString::fromStdString(headers);
        for (const QString& line : all.split(QStringLiteral("\r\n"))) {
            if (line.startsWith(QStringLiteral("HTTP/"))) {
                found.clear(); // a new response (after a redirect) starts
            }
            const qsizetype colon = line.indexOf(QLatin1Char(':'));
            if (colon > 0 &&
                line.left(colon).compare(QString::fromStdString(name), Qt::CaseInsensitive) == 0) {
                found = line.mid(colon + 1).trimmed().toStdString();
            }
        }
        return found;
    }
};

size_t appendTo(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

struct FetchOptions {
    QString caFile;
    bool follow = false;
    QString range;
    QString userPassword;
    long resumeFrom = 0;
};

Fetch fetch(const QString& url, const FetchOptions& options = {}) {
    Fetch result;
    CURL* curl = curl_easy_init();
    char errorBuffer[CURL_ERROR_SIZE] = {};
    const std::string urlStd = url.toStdString();
    const std::string ca = options.caFile.toStdString();
    const std::string range = options.range.toStdString();
    const std::string userPassword = options.userPassword.toStdString();
    curl_easy_setopt(curl, CURLOPT_URL, urlStd.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendTo);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, appendTo);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (!ca.empty()) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
    }
    if (options.follow) {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    }
    if (!range.empty()) {
        curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    }
    if (!userPassword.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERPWD, userPassword.c_str());
    }
    if (options.resumeFrom > 0) {
        curl_easy_setopt(curl, CURLOPT_RESUME_FROM, options.resumeFrom);
    }
    const auto begin = std::chrono::steady_clock::now();
    result.code = curl_easy_perform(curl);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &result.httpVersion);
    result.error = errorBuffer;
    curl_easy_cleanup(curl);
    return result;
}

// One nginx and one FTP server for the whole suite: they are started once, like a fixture would.
class ServersTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = new NginxServer;
        s_ftp = new FtpServer;
    }
    static void TearDownTestSuite() {
        delete s_nginx;
        delete s_ftp;
        s_nginx = nullptr;
        s_ftp = nullptr;
    }
    void SetUp() override {
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        ASSERT_TRUE(s_ftp->start(&error)) << error.toStdString();
        m_sha = writeRandomFile(s_nginx->docRoot() + QStringLiteral("/file.bin"), kSize, 42);
        ASSERT_FALSE(m_sha.isEmpty());
        ASSERT_EQ(writeRandomFile(s_ftp->root() + QStringLiteral("/file.bin"), kSize, 42), m_sha);
    }

    static constexpr qint64 kSize = 1000003; // odd, to cross chunk and word boundaries
    static NginxServer* s_nginx;
    static FtpServer* s_ftp;
    QString m_sha;
};

NginxServer* ServersTest::s_nginx = nullptr;
FtpServer* ServersTest::s_ftp = nullptr;

bool logHas(const NginxServer& server, const std::function<bool(const AccessLogEntry&)>& match) {
    return waitFor(
        [&] {
            for (const AccessLogEntry& e : server.accessLog()) {
                if (match(e)) {
                    return true;
                }
            }
            return false;
        },
        5000);
}

} // namespace

TEST(TestServerHelpers, RandomFilesAreDeterministic) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    const QString dir = tmp.path();
    const QString a = writeRandomFile(dir + QStringLiteral("/a/b.bin"), 12345, 7);
    const QString b = writeRandomFile(dir + QStringLiteral("/c.bin"), 12345, 7);
    const QString c = writeRandomFile(dir + QStringLiteral("/d.bin"), 12345, 8);
    EXPECT_EQ(a.size(), 64);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(sha256OfFile(dir + QStringLiteral("/a/b.bin")), a);
    EXPECT_EQ(QFileInfo(dir + QStringLiteral("/c.bin")).size(), 12345);
    EXPECT_EQ(writeRandomFile(dir + QStringLiteral("/empty.bin"), 0, 1),
              QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    EXPECT_TRUE(sha256OfFile(dir + QStringLiteral("/missing.bin")).isEmpty());
}

TEST(TestServerHelpers, WaitForIsBounded) {
    int calls = 0;
    EXPECT_TRUE(waitFor([&] { return ++calls == 3; }, 1000));
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_FALSE(waitFor([] { return false; }, 100));
    const auto elapsed = std::chrono::steady_clock::now() - begin;
    EXPECT_GE(elapsed, std::chrono::milliseconds(100));
    EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST(TestServerHelpers, MissingProgramsFailWithWhatToInstall) {
    NginxServer nginx;
    nginx.setExecutable(QStringLiteral("/nonexistent/nginx"));
    QString error;
    EXPECT_FALSE(nginx.start(&error));
    EXPECT_TRUE(error.contains(QStringLiteral("apt-get install nginx-light")))
        << error.toStdString();

    FtpServer ftp;
    ftp.setPythonExecutable(QStringLiteral("/nonexistent/python3"));
    EXPECT_FALSE(ftp.start(&error));
    EXPECT_TRUE(error.contains(QStringLiteral("python3-pyftpdlib"))) << error.toStdString();
}

TEST_F(ServersTest, HttpHttpsAndFtpServeTheSameBytes) {
    const Fetch http = fetch(s_nginx->httpUrl(QStringLiteral("file.bin")));
    ASSERT_EQ(http.code, CURLE_OK) << http.error;
    EXPECT_EQ(http.status, 200);
    EXPECT_EQ(http.sha256(), m_sha);
    EXPECT_EQ(http.header("Accept-Ranges"), "bytes");
    EXPECT_FALSE(http.header("ETag").empty());
    EXPECT_FALSE(http.header("Last-Modified").empty());
    EXPECT_EQ(http.header("Content-Length"), std::to_string(kSize));

    FetchOptions withCa;
    withCa.caFile = s_nginx->caCertPath();
    const Fetch https = fetch(s_nginx->httpsUrl(QStringLiteral("/file.bin")), withCa);
    ASSERT_EQ(https.code, CURLE_OK) << https.error;
    EXPECT_EQ(https.status, 200);
    EXPECT_EQ(https.httpVersion, CURL_HTTP_VERSION_2_0);
    EXPECT_EQ(https.sha256(), m_sha);

    // The certificate also names 127.0.0.1.
    const QString byIp = s_nginx->httpsUrl(QStringLiteral("file.bin"))
                             .replace(QStringLiteral("localhost"), QStringLiteral("127.0.0.1"));
    EXPECT_EQ(fetch(byIp, withCa).code, CURLE_OK);

    const Fetch ftp = fetch(s_ftp->url(QStringLiteral("file.bin")));
    ASSERT_EQ(ftp.code, CURLE_OK) << ftp.error;
    EXPECT_EQ(ftp.sha256(), m_sha);
}

TEST_F(ServersTest, HttpsWithoutTheCaFailsVerification) {
    const Fetch https = fetch(s_nginx->httpsUrl(QStringLiteral("file.bin")));
    EXPECT_EQ(https.code, CURLE_PEER_FAILED_VERIFICATION) << https.error;
}

TEST_F(ServersTest, Redirects) {
    const Fetch once = fetch(s_nginx->httpUrl(QStringLiteral("redirect/file.bin")));
    ASSERT_EQ(once.code, CURLE_OK) << once.error;
    EXPECT_EQ(once.status, 302);
    EXPECT_EQ(once.header("Location"), "/file.bin");

    const Fetch twice = fetch(s_nginx->httpUrl(QStringLiteral("redirect2/file.bin")));
    EXPECT_EQ(twice.status, 301);
    EXPECT_EQ(twice.header("Location"), "/redirect/file.bin");

    FetchOptions follow;
    follow.follow = true;
    follow.caFile = s_nginx->caCertPath();
    const Fetch followed = fetch(s_nginx->httpUrl(QStringLiteral("redirect2/file.bin")), follow);
    ASSERT_EQ(followed.code, CURLE_OK) << followed.error;
    EXPECT_EQ(followed.status, 200);
    EXPECT_EQ(followed.sha256(), m_sha);

    const Fetch toHttps =
        fetch(s_nginx->httpUrl(QStringLiteral("redirect-https/file.bin")), follow);
    ASSERT_EQ(toHttps.code, CURLE_OK) << toHttps.error;
    EXPECT_EQ(toHttps.sha256(), m_sha);

    const Fetch loop = fetch(s_nginx->httpUrl(QStringLiteral("loop")), follow);
    EXPECT_EQ(loop.code, CURLE_TOO_MANY_REDIRECTS);
}

TEST_F(ServersTest, AccessLogRecordsRangesAnd206) {
    s_nginx->clearAccessLog();
    FetchOptions ranged;
    ranged.range = QStringLiteral("100-199");
    const Fetch part = fetch(s_nginx->httpUrl(QStringLiteral("file.bin?x=1")), ranged);
    ASSERT_EQ(part.code, CURLE_OK) << part.error;
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body.size(), 100u);

    EXPECT_TRUE(logHas(*s_nginx, [](const AccessLogEntry& e) {
        return e.method == QLatin1String("GET") && e.uri == QLatin1String("/file.bin") &&
               e.requestUri == QLatin1String("/file.bin?x=1") && e.status == 206 &&
               e.range == QLatin1String("bytes=100-199") && e.bytesSent == 100 &&
               e.scheme == QLatin1String("http") && !e.hasAuthorization;
    })) << s_nginx->accessLogLines().join(QLatin1Char('\n')).toStdString();
    EXPECT_TRUE(s_nginx->accessLogLines()
                    .join(QLatin1Char('\n'))
                    .contains(QStringLiteral("bytes=100-199")));

    FetchOptions h2;
    h2.caFile = s_nginx->caCertPath();
    ASSERT_EQ(fetch(s_nginx->httpsUrl(QStringLiteral("file.bin")), h2).code, CURLE_OK);
    EXPECT_TRUE(logHas(*s_nginx, [](const AccessLogEntry& e) {
        return e.scheme == QLatin1String("https") && e.protocol == QLatin1String("HTTP/2.0") &&
               e.range.isEmpty() && e.status == 200 && e.bytesSent == kSize;
    })) << s_nginx->accessLogLines().join(QLatin1Char('\n')).toStdString();
}

TEST_F(ServersTest, SpecialLocations) {
    FetchOptions ranged;
    ranged.range = QStringLiteral("0-9");
    const Fetch noRanges = fetch(s_nginx->httpUrl(QStringLiteral("noranges/file.bin")), ranged);
    EXPECT_EQ(noRanges.status, 200);
    EXPECT_EQ(noRanges.sha256(), m_sha);
    EXPECT_TRUE(noRanges.header("Accept-Ranges").empty());

    const Fetch chunked = fetch(s_nginx->httpUrl(QStringLiteral("chunked/file.bin")), ranged);
    EXPECT_EQ(chunked.status, 200);
    EXPECT_EQ(chunked.sha256(), m_sha);
    EXPECT_TRUE(chunked.header("Content-Length").empty());
    EXPECT_EQ(chunked.header("Transfer-Encoding"), "chunked");

    const Fetch cd = fetch(s_nginx->httpUrl(QStringLiteral("cd/file.bin")));
    EXPECT_EQ(cd.sha256(), m_sha);
    EXPECT_EQ(cd.header("Content-Disposition"),
              "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin");
    const Fetch evil = fetch(s_nginx->httpUrl(QStringLiteral("evil-cd/file.bin")));
    EXPECT_EQ(evil.header("Content-Disposition"), "attachment; filename=\"../../escape.bin\"");

    const Fetch html = fetch(s_nginx->httpUrl(QStringLiteral("html/file.bin")));
    EXPECT_EQ(html.header("Content-Type"), "text/html");

    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("auth/file.bin"))).status, 401);
    FetchOptions auth;
    auth.userPassword = NginxServer::authUser() + QLatin1Char(':') + NginxServer::authPassword();
    const Fetch authed = fetch(s_nginx->httpUrl(QStringLiteral("auth/file.bin")), auth);
    EXPECT_EQ(authed.status, 200);
    EXPECT_EQ(authed.sha256(), m_sha);
    EXPECT_TRUE(logHas(*s_nginx, [](const AccessLogEntry& e) {
        return e.uri == QLatin1String("/auth/file.bin") && e.status == 200 && e.hasAuthorization;
    }));

    const Fetch unavailable = fetch(s_nginx->httpUrl(QStringLiteral("status/503")));
    EXPECT_EQ(unavailable.status, 503);
    EXPECT_EQ(unavailable.header("Retry-After"), "1");
    const Fetch tooMany = fetch(s_nginx->httpUrl(QStringLiteral("status/429/file.bin")));
    EXPECT_EQ(tooMany.status, 429);
    EXPECT_EQ(tooMany.header("Retry-After"), "2");
    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("status/500"))).status, 500);
    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("status/404"))).status, 404);
    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("missing.bin"))).status, 404);
}

TEST_F(ServersTest, SlowIsRateLimited) {
    // 384 KiB at 256 KiB/s: nginx needs about 1.5 s; unlimited it takes milliseconds.
    const QString sha =
        writeRandomFile(s_nginx->docRoot() + QStringLiteral("/slow.bin"), 384 * 1024, 3);
    const Fetch slow = fetch(s_nginx->httpUrl(QStringLiteral("slow/slow.bin")));
    ASSERT_EQ(slow.code, CURLE_OK) << slow.error;
    EXPECT_EQ(slow.sha256(), sha);
    EXPECT_GT(slow.seconds, 1.0);
}

TEST_F(ServersTest, FtpResumeUsesRest) {
    FetchOptions resume;
    resume.resumeFrom = 1000;
    const Fetch tail = fetch(s_ftp->url(QStringLiteral("/file.bin")), resume);
    ASSERT_EQ(tail.code, CURLE_OK) << tail.error;
    EXPECT_EQ(tail.body.size(), static_cast<size_t>(kSize - 1000));
    EXPECT_TRUE(waitFor(
        [] {
            return s_ftp->logLines().join(QLatin1Char('\n')).contains(QStringLiteral("REST 1000"));
        },
        5000));
}

TEST_F(ServersTest, StopStopsAndRestartKeepsPorts) {
    const quint16 httpPort = s_nginx->httpPort();
    const quint16 httpsPort = s_nginx->httpsPort();
    const quint16 ftpPort = s_ftp->port();
    const qint64 nginxPid = s_nginx->pid();
    const qint64 ftpPid = s_ftp->pid();
    ASSERT_GT(nginxPid, 0);
    ASSERT_GT(ftpPid, 0);

    s_nginx->stop();
    s_ftp->stop();
    EXPECT_FALSE(s_nginx->isRunning());
    EXPECT_FALSE(s_ftp->isRunning());
    EXPECT_FALSE(canConnect(httpPort));
    EXPECT_FALSE(canConnect(httpsPort));
    EXPECT_FALSE(canConnect(ftpPort));
    EXPECT_NE(::kill(static_cast<pid_t>(nginxPid), 0), 0);
    EXPECT_NE(::kill(static_cast<pid_t>(ftpPid), 0), 0);
    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("file.bin"))).code, CURLE_COULDNT_CONNECT);

    // A restart (also what SetUp does for the next test) serves the same URLs again.
    QString error;
    ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
    ASSERT_TRUE(s_ftp->start(&error)) << error.toStdString();
    EXPECT_EQ(s_nginx->httpPort(), httpPort);
    EXPECT_EQ(s_ftp->port(), ftpPort);
    EXPECT_EQ(fetch(s_nginx->httpUrl(QStringLiteral("file.bin"))).sha256(), m_sha);
    EXPECT_EQ(fetch(s_ftp->url(QStringLiteral("file.bin"))).sha256(), m_sha);
}

TEST(TestServersLifecycle, CrashedServerIsNoticedAndDestructorStops) {
    qint64 pid = 0;
    quint16 port = 0;
    {
        NginxServer nginx;
        QString error;
        ASSERT_TRUE(nginx.start(&error)) << error.toStdString();
        pid = nginx.pid();
        port = nginx.httpPort();
        ASSERT_TRUE(canConnect(port));
        ::kill(static_cast<pid_t>(pid), SIGKILL); // a server crash, as a test might simulate
        EXPECT_TRUE(waitFor([&] { return !nginx.isRunning(); }, 5000));
        ASSERT_TRUE(nginx.start(&error)) << error.toStdString();
        pid = nginx.pid();
        EXPECT_TRUE(canConnect(port));
    }
    EXPECT_FALSE(canConnect(port));
    EXPECT_NE(::kill(static_cast<pid_t>(pid), 0), 0);
}
