// Self-test of the fault-injecting HTTP server: every fault happens exactly as documented in
// support/FaultServer.h, checked with plain libcurl.
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QJsonObject>
#include <QSet>

#include <chrono>
#include <csignal>
#include <curl/curl.h>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace maria2::test;

namespace {

struct Response {
    CURLcode code = CURLE_OK;
    long status = 0;
    QByteArray body;
    std::string headers;
    std::string error;
    double seconds = 0;

    // Value of header `name` (case-insensitive), empty if absent.
    QString header(const QString& name) const {
        QString found;
        for (const QString& line : QString::fromStdString(headers).split(QStringLiteral("\r\n"))) {
            const qsizetype colon = line.indexOf(QLatin1Char(':'));
            if (colon > 0 && line.left(colon).compare(name, Qt::CaseInsensitive) == 0) {
                found = line.mid(colon + 1).trimmed();
            }
        }
        return found;
    }
    bool hasHeader(const QString& name) const {
        for (const QString& line : QString::fromStdString(headers).split(QStringLiteral("\r\n"))) {
            if (line.section(QLatin1Char(':'), 0, 0).compare(name, Qt::CaseInsensitive) == 0) {
                return true;
            }
        }
        return false;
    }
    // Start offset of "Content-Range: bytes A-B/SIZE", -1 if absent.
    qint64 rangeStart() const {
        const QString value = header(QStringLiteral("Content-Range"));
        if (!value.startsWith(QStringLiteral("bytes "))) {
            return -1;
        }
        bool ok = false;
        const qint64 start = value.mid(6).section(QLatin1Char('-'), 0, 0).toLongLong(&ok);
        return ok ? start : -1;
    }
};

struct Options {
    QString range = {};   // "a-b", "a-", "-n"
    QString ifRange = {}; // If-Range value
    bool head = false;    // HEAD instead of GET
    long timeoutSeconds = 30;
};

size_t appendBody(char* data, size_t size, size_t count, void* user) {
    static_cast<QByteArray*>(user)->append(data, static_cast<qsizetype>(size * count));
    return size * count;
}

size_t appendHeader(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<std::string*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        headers->clear(); // a new response starts (curl reuses the handle's buffers)
    }
    headers->append(line);
    return size * count;
}

// One curl easy handle: requests through the same Client may reuse its connection.
class Client {
public:
    Client()
        : m_curl(curl_easy_init()) {}
    ~Client() { curl_easy_cleanup(m_curl); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    Response get(const QString& url, const Options& options = {}) {
        Response result;
        char errorBuffer[CURL_ERROR_SIZE] = {};
        const std::string urlStd = url.toStdString();
        const std::string range = options.range.toStdString();
        curl_slist* headers = nullptr;
        if (!options.ifRange.isEmpty()) {
            headers =
                curl_slist_append(headers, ("If-Range: " + options.ifRange).toStdString().c_str());
        }
        curl_easy_reset(m_curl);
        curl_easy_setopt(m_curl, CURLOPT_URL, urlStd.c_str());
        curl_easy_setopt(m_curl, CURLOPT_WRITEFUNCTION, appendBody);
        curl_easy_setopt(m_curl, CURLOPT_WRITEDATA, &result.body);
        curl_easy_setopt(m_curl, CURLOPT_HEADERFUNCTION, appendHeader);
        curl_easy_setopt(m_curl, CURLOPT_HEADERDATA, &result.headers);
        curl_easy_setopt(m_curl, CURLOPT_ERRORBUFFER, errorBuffer);
        curl_easy_setopt(m_curl, CURLOPT_TIMEOUT, options.timeoutSeconds);
        curl_easy_setopt(m_curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(m_curl, CURLOPT_PATH_AS_IS, 1L);
        if (!range.empty()) {
            curl_easy_setopt(m_curl, CURLOPT_RANGE, range.c_str());
        }
        if (headers != nullptr) {
            curl_easy_setopt(m_curl, CURLOPT_HTTPHEADER, headers);
        }
        if (options.head) {
            curl_easy_setopt(m_curl, CURLOPT_NOBODY, 1L);
        }
        const auto begin = std::chrono::steady_clock::now();
        result.code = curl_easy_perform(m_curl);
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &result.status);
        result.error = errorBuffer;
        curl_slist_free_all(headers);
        return result;
    }

private:
    CURL* m_curl;
};

Response fetch(const QString& url, const Options& options = {}) {
    Client client; // a fresh connection each time
    return client.get(url, options);
}

// The "changed" version /changing/ serves: every byte XOR 0x5A, then 4096 pattern bytes.
QByteArray changedVersion(const QByteArray& original) {
    QByteArray out = original;
    for (char& c : out) {
        c = static_cast<char>(static_cast<unsigned char>(c) ^ 0x5A);
    }
    for (int i = 0; i < 4096; ++i) {
        out.append(static_cast<char>((i * 31 + 7) & 0xff));
    }
    return out;
}

class FaultServerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    static void TearDownTestSuite() { curl_global_cleanup(); }

    void SetUp() override {
        QString error;
        ASSERT_TRUE(m_server.start(&error)) << error.toStdString();
        const QString path = m_server.root() + QStringLiteral("/file.bin");
        ASSERT_FALSE(writeRandomFile(path, kSize, 99).isEmpty());
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        m_data = file.readAll();
        ASSERT_EQ(m_data.size(), kSize);
    }

    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "fault server output:\n" << m_server.outputText().toStdString() << '\n';
        }
    }

    // Waits (bounded) until `count` log entries exist for path, and returns them.
    QList<QJsonObject> entries(const QString& path, qsizetype count) {
        waitFor([&] { return m_server.requests(path).size() >= count; }, 5000);
        return m_server.requests(path);
    }

    static constexpr qint64 kSize = 1000003; // odd: chunk boundaries are not aligned
    FaultServer m_server;
    QByteArray m_data;
};

QString str(const QJsonObject& o, const char* key) {
    return o.value(QLatin1String(key)).toString();
}
qint64 num(const QJsonObject& o, const char* key) {
    return static_cast<qint64>(o.value(QLatin1String(key)).toDouble(-1));
}

} // namespace

TEST_F(FaultServerTest, PlainFileWithRangesValidatorsAndKeepAlive) {
    Client client;
    const Response full = client.get(m_server.url(QStringLiteral("file.bin")));
    ASSERT_EQ(full.code, CURLE_OK) << full.error;
    EXPECT_EQ(full.status, 200);
    EXPECT_EQ(full.body, m_data);
    EXPECT_EQ(full.header(QStringLiteral("Content-Length")), QString::number(kSize));
    EXPECT_EQ(full.header(QStringLiteral("Accept-Ranges")), QStringLiteral("bytes"));
    const QString etag = full.header(QStringLiteral("ETag"));
    EXPECT_TRUE(etag.startsWith(QLatin1Char('"')) && etag.endsWith(QLatin1Char('"')) &&
                etag.contains(QLatin1Char('-')))
        << etag.toStdString();
    const QString lastModified = full.header(QStringLiteral("Last-Modified"));
    EXPECT_TRUE(lastModified.endsWith(QStringLiteral(" GMT"))) << lastModified.toStdString();

    const Response head = client.get(m_server.url(QStringLiteral("file.bin")), {.head = true});
    ASSERT_EQ(head.code, CURLE_OK) << head.error;
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.isEmpty());
    EXPECT_EQ(head.header(QStringLiteral("Content-Length")), QString::number(kSize));
    EXPECT_EQ(head.header(QStringLiteral("ETag")), etag);

    const Response mid = client.get(m_server.url(QStringLiteral("file.bin")),
                                    {.range = QStringLiteral("1000-1999")});
    ASSERT_EQ(mid.code, CURLE_OK) << mid.error;
    EXPECT_EQ(mid.status, 206);
    EXPECT_EQ(mid.header(QStringLiteral("Content-Range")),
              QStringLiteral("bytes 1000-1999/%1").arg(kSize));
    EXPECT_EQ(mid.body, m_data.mid(1000, 1000));

    const Response open =
        client.get(m_server.url(QStringLiteral("file.bin")), {.range = QStringLiteral("999000-")});
    EXPECT_EQ(open.status, 206);
    EXPECT_EQ(open.body, m_data.mid(999000));

    const Response suffix =
        client.get(m_server.url(QStringLiteral("file.bin")), {.range = QStringLiteral("-10")});
    EXPECT_EQ(suffix.status, 206);
    EXPECT_EQ(suffix.rangeStart(), kSize - 10);
    EXPECT_EQ(suffix.body, m_data.right(10));

    const Response beyond = client.get(m_server.url(QStringLiteral("file.bin")),
                                       {.range = QStringLiteral("%1-").arg(kSize)});
    EXPECT_EQ(beyond.status, 416);
    EXPECT_EQ(beyond.header(QStringLiteral("Content-Range")),
              QStringLiteral("bytes */%1").arg(kSize));

    // If-Range: a matching ETag or date keeps the range, a mismatch gives the whole file.
    const Response sameTag = client.get(m_server.url(QStringLiteral("file.bin")),
                                        {.range = QStringLiteral("10-19"), .ifRange = etag});
    EXPECT_EQ(sameTag.status, 206);
    EXPECT_EQ(sameTag.body, m_data.mid(10, 10));
    const Response otherTag =
        client.get(m_server.url(QStringLiteral("file.bin")),
                   {.range = QStringLiteral("10-19"), .ifRange = QStringLiteral("\"1-2\"")});
    EXPECT_EQ(otherTag.status, 200);
    EXPECT_EQ(otherTag.body, m_data);
    const Response sameDate =
        client.get(m_server.url(QStringLiteral("file.bin")),
                   {.range = QStringLiteral("10-19"), .ifRange = lastModified});
    EXPECT_EQ(sameDate.status, 206);
    const Response oldDate =
        client.get(m_server.url(QStringLiteral("file.bin")),
                   {.range = QStringLiteral("10-19"),
                    .ifRange = QStringLiteral("Sun, 06 Nov 1994 08:49:37 GMT")});
    EXPECT_EQ(oldDate.status, 200);
    EXPECT_EQ(oldDate.body.size(), kSize);

    const Response missing = client.get(m_server.url(QStringLiteral("nothing.bin")));
    EXPECT_EQ(missing.status, 404);
    const Response escape = client.get(m_server.url(QStringLiteral("../output.log")));
    EXPECT_EQ(escape.status, 404);

    // Everything above went over one kept-alive connection, and each request was logged.
    const QList<QJsonObject> log = entries(QStringLiteral("/file.bin"), 10);
    ASSERT_EQ(log.size(), 10);
    for (const QJsonObject& e : log) {
        EXPECT_EQ(num(e, "conn"), num(log[0], "conn"));
    }
    EXPECT_EQ(str(log[0], "method"), QStringLiteral("GET"));
    EXPECT_EQ(num(log[0], "status"), 200);
    EXPECT_EQ(num(log[0], "sent"), kSize);
    EXPECT_EQ(str(log[0], "range"), QString());
    EXPECT_EQ(str(log[0], "outcome"), QStringLiteral("complete"));
    EXPECT_EQ(str(log[1], "method"), QStringLiteral("HEAD"));
    EXPECT_EQ(num(log[1], "sent"), 0);
    EXPECT_EQ(str(log[2], "range"), QStringLiteral("bytes=1000-1999"));
    EXPECT_EQ(num(log[2], "status"), 206);
    EXPECT_EQ(num(log[2], "sent"), 1000);
    EXPECT_EQ(num(log[5], "status"), 416);
    EXPECT_EQ(str(log[6], "if_range"), etag);
}

TEST_F(FaultServerTest, ResetOnceCutsTheFirstGetOnly) {
    const QString url = m_server.url(QStringLiteral("reset-once/file.bin"));
    const Response head = fetch(url, {.head = true}); // HEAD does not use up the fault
    EXPECT_EQ(head.code, CURLE_OK) << head.error;

    const Response first = fetch(url);
    EXPECT_TRUE(first.code == CURLE_RECV_ERROR || first.code == CURLE_PARTIAL_FILE)
        << first.code << ' ' << first.error;
    EXPECT_EQ(first.status, 200);
    EXPECT_LT(first.body.size(), kSize);
    EXPECT_GT(first.body.size(), kSize / 4); // about 40%
    EXPECT_EQ(first.body, m_data.left(first.body.size()));

    const Response second = fetch(url);
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    EXPECT_EQ(second.body, m_data);

    QList<QJsonObject> log = entries(QStringLiteral("/reset-once/file.bin"), 3);
    ASSERT_EQ(log.size(), 3);
    EXPECT_EQ(str(log[1], "outcome"), QStringLiteral("reset"));
    EXPECT_EQ(num(log[1], "sent"), kSize * 2 / 5);
    EXPECT_EQ(str(log[2], "outcome"), QStringLiteral("complete"));

    // Ranged first GETs are cut too (40% of the range), and /_reset re-arms the fault.
    ASSERT_TRUE(m_server.resetCounters());
    const Response ranged = fetch(url, {.range = QStringLiteral("100000-199999")});
    EXPECT_TRUE(ranged.code == CURLE_RECV_ERROR || ranged.code == CURLE_PARTIAL_FILE)
        << ranged.code;
    EXPECT_EQ(ranged.status, 206);
    EXPECT_EQ(ranged.body, m_data.mid(100000, ranged.body.size()));
    EXPECT_LT(ranged.body.size(), 100000);
    log = entries(QStringLiteral("/reset-once/file.bin"), 4);
    ASSERT_EQ(log.size(), 4);
    EXPECT_EQ(num(log[3], "sent"), 40000);
    EXPECT_EQ(fetch(url).body, m_data);
}

TEST_F(FaultServerTest, ResetEveryNeedsRangesToProgress) {
    constexpr qint64 kAfter = 300000;
    const QString url = m_server.url(QStringLiteral("reset-every/file.bin?after=%1").arg(kAfter));
    QByteArray assembled;
    int cuts = 0;
    for (int i = 0; i < 10 && assembled.size() < kSize; ++i) {
        const Response r = assembled.isEmpty()
                               ? fetch(url)
                               : fetch(url, {.range = QStringLiteral("%1-").arg(assembled.size())});
        if (r.code != CURLE_OK) {
            EXPECT_TRUE(r.code == CURLE_RECV_ERROR || r.code == CURLE_PARTIAL_FILE) << r.code;
            EXPECT_LE(r.body.size(), kAfter);
            ++cuts;
        }
        assembled.append(r.body);
    }
    EXPECT_EQ(assembled, m_data);
    EXPECT_EQ(cuts, 3); // 300000 * 3 < 1000003: the fourth response (100003 bytes) completes
    const QList<QJsonObject> log = entries(QStringLiteral("/reset-every/file.bin"), 4);
    ASSERT_EQ(log.size(), 4);
    EXPECT_EQ(str(log[0], "outcome"), QStringLiteral("reset"));
    EXPECT_EQ(str(log[2], "outcome"), QStringLiteral("reset"));
    EXPECT_EQ(str(log[3], "outcome"), QStringLiteral("complete"));
    EXPECT_EQ(str(log[3], "query"), QStringLiteral("after=%1").arg(kAfter));
}

TEST_F(FaultServerTest, ShortOnceClosesCleanlyAfterHalfTheBody) {
    const QString url = m_server.url(QStringLiteral("short-once/file.bin"));
    const Response first = fetch(url);
    EXPECT_EQ(first.code, CURLE_PARTIAL_FILE) << first.error;
    EXPECT_EQ(first.header(QStringLiteral("Content-Length")), QString::number(kSize));
    EXPECT_EQ(first.body, m_data.left(kSize / 2));
    const Response second = fetch(url);
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    EXPECT_EQ(second.body, m_data);
    const QList<QJsonObject> log = entries(QStringLiteral("/short-once/file.bin"), 2);
    ASSERT_EQ(log.size(), 2);
    EXPECT_EQ(str(log[0], "outcome"), QStringLiteral("short"));
    EXPECT_EQ(num(log[0], "sent"), kSize / 2);
}

TEST_F(FaultServerTest, StallOnceGoesSilentUntilTheClientGivesUp) {
    const QString url = m_server.url(QStringLiteral("stall-once/file.bin?after=65536"));
    const Response first = fetch(url, {.timeoutSeconds = 2});
    EXPECT_EQ(first.code, CURLE_OPERATION_TIMEDOUT) << first.error;
    EXPECT_EQ(first.body, m_data.left(65536));
    EXPECT_GE(first.seconds, 1.5);
    // The line is logged once the stall ends, here because curl closed the connection.
    QList<QJsonObject> log = entries(QStringLiteral("/stall-once/file.bin"), 1);
    ASSERT_EQ(log.size(), 1);
    EXPECT_EQ(str(log[0], "outcome"), QStringLiteral("stall"));
    EXPECT_EQ(num(log[0], "sent"), 65536);

    const Response second = fetch(url);
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    EXPECT_EQ(second.body, m_data);

    // hold=S: the server gives up itself after S seconds and closes cleanly.
    ASSERT_TRUE(m_server.resetCounters());
    const Response held =
        fetch(m_server.url(QStringLiteral("stall-once/file.bin?after=1000&hold=1")));
    EXPECT_EQ(held.code, CURLE_PARTIAL_FILE) << held.error;
    EXPECT_EQ(held.body, m_data.left(1000));
    EXPECT_GE(held.seconds, 0.9);
}

TEST_F(FaultServerTest, RetryAfterAnswers503ThenServes) {
    const QString url = m_server.url(QStringLiteral("retry-after/file.bin?count=2&seconds=3"));
    for (int i = 0; i < 2; ++i) {
        const Response busy = fetch(url, {.head = i == 0}); // HEAD counts too
        ASSERT_EQ(busy.code, CURLE_OK) << busy.error;
        EXPECT_EQ(busy.status, 503);
        EXPECT_EQ(busy.header(QStringLiteral("Retry-After")), QStringLiteral("3"));
        EXPECT_TRUE(
            busy.header(QStringLiteral("Content-Type")).startsWith(QStringLiteral("text/html")));
        if (i == 1) {
            EXPECT_TRUE(busy.body.contains("503"));
        }
    }
    const Response ok = fetch(url);
    ASSERT_EQ(ok.code, CURLE_OK) << ok.error;
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, m_data);

    const Response defaults = fetch(m_server.url(QStringLiteral("retry-after/file.bin")));
    EXPECT_EQ(defaults.status, 200); // same NAME: its counter is already past 1
    ASSERT_TRUE(m_server.resetCounters());
    const Response again = fetch(m_server.url(QStringLiteral("retry-after/file.bin")));
    EXPECT_EQ(again.status, 503);
    EXPECT_EQ(again.header(QStringLiteral("Retry-After")), QStringLiteral("1"));
    EXPECT_EQ(fetch(m_server.url(QStringLiteral("retry-after/file.bin"))).status, 200);
}

TEST_F(FaultServerTest, IgnoreRangeAlwaysSendsEverything) {
    const Response r = fetch(m_server.url(QStringLiteral("ignore-range/file.bin")),
                             {.range = QStringLiteral("500-599")});
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.hasHeader(QStringLiteral("Accept-Ranges")));
    EXPECT_FALSE(r.hasHeader(QStringLiteral("Content-Range")));
    EXPECT_EQ(r.body, m_data);
}

TEST_F(FaultServerTest, WrongRangeStartsLaterThanAsked) {
    const QString url = m_server.url(QStringLiteral("wrong-range/file.bin"));
    const Response r = fetch(url, {.range = QStringLiteral("5000-9999")});
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.rangeStart(), 6000);
    EXPECT_NE(r.rangeStart(), 5000);
    EXPECT_EQ(r.body, m_data.mid(6000, 5000)); // consistent with its own Content-Range

    const Response tail = fetch(url, {.range = QStringLiteral("-100")});
    EXPECT_EQ(tail.status, 206);
    EXPECT_EQ(tail.rangeStart(), kSize - 100 - 1000); // past the end: 1000 earlier instead
    EXPECT_EQ(tail.body, m_data.mid(kSize - 1100, 100));

    const Response whole = fetch(url);
    EXPECT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, m_data);
}

TEST_F(FaultServerTest, ChangingServesNewContentAfterTheFirstGet) {
    const QString url = m_server.url(QStringLiteral("changing/file.bin"));
    const Response head = fetch(url, {.head = true}); // HEAD before the first GET: original
    EXPECT_EQ(head.header(QStringLiteral("Content-Length")), QString::number(kSize));

    // The first GET is cut by the client (range), which is enough to flip it.
    const Response first = fetch(url, {.range = QStringLiteral("0-99")});
    ASSERT_EQ(first.code, CURLE_OK) << first.error;
    EXPECT_EQ(first.body, m_data.left(100));
    const QString etag = first.header(QStringLiteral("ETag"));
    const QString lastModified = first.header(QStringLiteral("Last-Modified"));
    EXPECT_EQ(etag, head.header(QStringLiteral("ETag")));
    ASSERT_EQ(entries(QStringLiteral("/changing/file.bin"), 2).size(), 2);

    const Response second = fetch(url);
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    const QByteArray changed = changedVersion(m_data);
    EXPECT_NE(second.body, m_data);
    EXPECT_EQ(second.body.size(), kSize + 4096);
    EXPECT_EQ(second.body, changed);
    EXPECT_NE(second.header(QStringLiteral("ETag")), etag);
    EXPECT_NE(second.header(QStringLiteral("Last-Modified")), lastModified);

    // A resume guarded by the old ETag gets the whole new file, an unguarded one new bytes.
    const Response guarded = fetch(url, {.range = QStringLiteral("100-"), .ifRange = etag});
    EXPECT_EQ(guarded.status, 200);
    EXPECT_EQ(guarded.body, changed);
    const Response unguarded = fetch(url, {.range = QStringLiteral("100-")});
    EXPECT_EQ(unguarded.status, 206);
    EXPECT_EQ(unguarded.body, changed.mid(100));
    EXPECT_EQ(unguarded.header(QStringLiteral("Content-Range")),
              QStringLiteral("bytes 100-%1/%2").arg(kSize + 4095).arg(kSize + 4096));

    // /_reset restores the original.
    ASSERT_TRUE(m_server.resetCounters());
    const Response restored = fetch(url);
    EXPECT_EQ(restored.body, m_data);
    EXPECT_EQ(restored.header(QStringLiteral("ETag")), etag);
}

TEST_F(FaultServerTest, LoginPageIsHtml) {
    for (const QString& name : {QStringLiteral("file.bin"), QStringLiteral("missing.iso")}) {
        const Response r = fetch(m_server.url(QStringLiteral("login-page/") + name),
                                 {.range = QStringLiteral("0-")});
        ASSERT_EQ(r.code, CURLE_OK) << r.error;
        EXPECT_EQ(r.status, 200);
        EXPECT_TRUE(
            r.header(QStringLiteral("Content-Type")).startsWith(QStringLiteral("text/html")));
        EXPECT_EQ(r.header(QStringLiteral("Content-Length")), QString::number(r.body.size()));
        EXPECT_TRUE(r.body.contains("<form")) << r.body.toStdString();
        EXPECT_LT(r.body.size(), 4096);
    }
}

TEST_F(FaultServerTest, SlowCapsEachConnection) {
    const QString url = m_server.url(QStringLiteral("slow/file.bin?rate=262144"));
    const Response whole = fetch(url, {.range = QStringLiteral("0-524287")});
    ASSERT_EQ(whole.code, CURLE_OK) << whole.error;
    EXPECT_EQ(whole.status, 206);
    EXPECT_EQ(whole.body, m_data.left(524288));
    EXPECT_GE(whole.seconds, 1.5); // 512 KiB at 256 KiB/s
    EXPECT_LT(whole.seconds, 10.0);

    // Per connection: two at once take about as long as one (each ~1.4 s, serially ~2.9 s).
    Response a;
    Response b;
    const auto begin = std::chrono::steady_clock::now();
    std::thread ta([&] { a = fetch(url, {.range = QStringLiteral("0-393215")}); });
    std::thread tb([&] { b = fetch(url, {.range = QStringLiteral("393216-786431")}); });
    ta.join();
    tb.join();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    EXPECT_EQ(a.body, m_data.mid(0, 393216));
    EXPECT_EQ(b.body, m_data.mid(393216, 393216));
    EXPECT_GE(a.seconds, 1.1);
    EXPECT_GE(b.seconds, 1.1);
    EXPECT_LT(wall, 2.4);
}

TEST_F(FaultServerTest, DegradeOnceSlowsTheFirstGetAfterBBytesOnly) {
    // 128 KiB at 256 KiB/s, then 64 KiB at 32 KiB/s: about 2.5 s; every later GET ~0.75 s.
    const QString url =
        m_server.url(QStringLiteral("degrade-once/file.bin?rate=262144&after=131072&slow=32768"));
    const Options range{.range = QStringLiteral("0-196607")};
    const Response head = fetch(url, {.head = true}); // HEAD does not use up the fault
    EXPECT_EQ(head.code, CURLE_OK) << head.error;

    const Response first = fetch(url, range);
    ASSERT_EQ(first.code, CURLE_OK) << first.error;
    EXPECT_EQ(first.status, 206);
    EXPECT_EQ(first.body, m_data.left(196608));
    EXPECT_GE(first.seconds, 2.2); // the last 64 KiB alone take 2 s

    const Response second = fetch(url, range); // a reconnect: the good rate again
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    EXPECT_EQ(second.body, m_data.left(196608));
    EXPECT_GE(second.seconds, 0.5); // still paced at 256 KiB/s, like /slow/
    EXPECT_LT(second.seconds, 2.0); // but not slowed down

    const Response resumed = fetch(url, {.range = QStringLiteral("900000-")}); // ranges honoured
    ASSERT_EQ(resumed.code, CURLE_OK) << resumed.error;
    EXPECT_EQ(resumed.status, 206);
    EXPECT_EQ(resumed.rangeStart(), 900000);
    EXPECT_EQ(resumed.body, m_data.mid(900000));

    const QList<QJsonObject> log = entries(QStringLiteral("/degrade-once/file.bin"), 4);
    ASSERT_EQ(log.size(), 4);
    EXPECT_EQ(str(log[0], "method"), QStringLiteral("HEAD"));
    EXPECT_EQ(num(log[1], "sent"), 196608);
    EXPECT_EQ(str(log[1], "outcome"), QStringLiteral("complete"));
    EXPECT_EQ(str(log[2], "range"), QStringLiteral("bytes=0-196607"));
    EXPECT_EQ(num(log[3], "sent"), kSize - 900000);
}

TEST_F(FaultServerTest, SlowRegionPacesOnlyTheBytesInsideIt) {
    // Bytes 100000..165535 (64 KiB) at 128 KiB/s: any response that carries them takes >= 0.5 s.
    const QString url =
        m_server.url(QStringLiteral("slow-region/file.bin?start=100000&end=165536&rate=131072"));
    const Response before = fetch(url, {.range = QStringLiteral("0-99999")}); // all fast bytes
    ASSERT_EQ(before.code, CURLE_OK) << before.error;
    EXPECT_EQ(before.status, 206);
    EXPECT_EQ(before.body, m_data.left(100000));

    const Response across = fetch(url, {.range = QStringLiteral("90000-")}); // crosses both cuts
    ASSERT_EQ(across.code, CURLE_OK) << across.error;
    EXPECT_EQ(across.status, 206);
    EXPECT_EQ(across.body, m_data.mid(90000));
    EXPECT_GE(across.seconds, 0.45);

    const Response whole = fetch(url);
    ASSERT_EQ(whole.code, CURLE_OK) << whole.error;
    EXPECT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, m_data);
    EXPECT_GE(whole.seconds, 0.45);

    const QList<QJsonObject> log = entries(QStringLiteral("/slow-region/file.bin"), 3);
    ASSERT_EQ(log.size(), 3);
    EXPECT_EQ(num(log[2], "sent"), kSize);
    EXPECT_EQ(str(log[2], "outcome"), QStringLiteral("complete"));
}

TEST_F(FaultServerTest, SixteenConcurrentConnections) {
    const QString url = m_server.url(QStringLiteral("slow/file.bin?rate=1048576"));
    std::vector<Response> results(16);
    std::vector<std::thread> threads;
    const auto begin = std::chrono::steady_clock::now();
    for (size_t i = 0; i < results.size(); ++i) {
        threads.emplace_back(
            [&, i] { results[i] = fetch(url, {.range = QStringLiteral("0-524287")}); });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    for (const Response& r : results) {
        EXPECT_EQ(r.code, CURLE_OK) << r.error;
        EXPECT_EQ(r.body, m_data.left(524288));
    }
    EXPECT_LT(wall, 4.0); // each takes ~0.5 s; one after another would take 8 s
    const QList<QJsonObject> log = entries(QStringLiteral("/slow/file.bin"), 16);
    QSet<qint64> conns;
    for (const QJsonObject& e : log) {
        conns.insert(num(e, "conn"));
    }
    EXPECT_EQ(conns.size(), 16);
}

TEST_F(FaultServerTest, StopsAndRestartsOnTheSamePort) {
    const quint16 port = m_server.port();
    const qint64 pid = m_server.pid();
    EXPECT_TRUE(m_server.isRunning());
    m_server.stop();
    EXPECT_FALSE(m_server.isRunning());
    EXPECT_FALSE(canConnect(port, 200));
    EXPECT_NE(kill(static_cast<pid_t>(pid), 0), 0); // reaped, gone
    EXPECT_FALSE(m_server.resetCounters());

    QString error;
    ASSERT_TRUE(m_server.start(&error)) << error.toStdString();
    EXPECT_EQ(m_server.port(), port);
    EXPECT_EQ(fetch(m_server.url(QStringLiteral("/file.bin"))).body, m_data);
    m_server.clearRequests();
    EXPECT_TRUE(m_server.requests().isEmpty());
    EXPECT_TRUE(m_server.resetCounters());
    ASSERT_EQ(entries(QStringLiteral("/_reset"), 1).size(), 1);
}

TEST(FaultServerSetup, MissingPythonSaysWhatToInstall) {
    FaultServer server;
    server.setPythonExecutable(QStringLiteral("/nonexistent/python3"));
    QString error;
    EXPECT_FALSE(server.start(&error));
    EXPECT_TRUE(error.contains(QStringLiteral("apt-get install python3"))) << error.toStdString();
    EXPECT_FALSE(server.isRunning());
}
