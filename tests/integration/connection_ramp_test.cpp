// The pool's connection ramp against the fault server's /capped/ (support/fault_server.py): a
// download with no -s/-x doubles its connections while each one adds its share (a server that
// caps each connection), goes on past a slow range of the file (/slow-region/), stops near what
// a server that caps the total needs, and halves at once when the server answers 503. Every
// result is byte-exact. Nothing here times the speed: the
// tests look at the counts the pool chose and what the server saw.
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <vector>

using namespace maria2;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;

// Forwards to an EngineRecorder and keeps every progress snapshot's connections and push-backs.
class CountTap final : public EngineListener {
public:
    struct Seen {
        int connections = 0;
        int pushbacks = 0;
    };
    explicit CountTap(test::EngineRecorder& inner)
        : m_inner(inner) {}
    void onStateChanged(const DownloadSnapshot& s) override { m_inner.onStateChanged(s); }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        {
            std::lock_guard lock(m_mutex);
            for (const auto& s : batch) {
                if (s.state == DownloadState::Downloading) {
                    m_seen.push_back({s.connections, s.pushbacks});
                }
            }
        }
        m_inner.onProgress(batch);
    }
    std::vector<Seen> seen() {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }
    int peak() {
        int peak = 0;
        for (const auto& s : seen()) {
            peak = std::max(peak, s.connections);
        }
        return peak;
    }

private:
    test::EngineRecorder& m_inner;
    std::mutex m_mutex;
    std::vector<Seen> m_seen;
};

class ConnectionRampTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = std::make_unique<test::FaultServer>();
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
    }
    static void TearDownTestSuite() { s_server.reset(); }

    void SetUp() override {
        ASSERT_TRUE(s_server->isRunning());
        ASSERT_TRUE(m_dir.isValid());
        s_server->clearRequests();
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.queue.retries = 0;
        m_config.download.directory = m_dir.path().toStdString();
        m_config.download.split = 2; // where an unknown host starts
        m_config.download.minSplitSize = 64 * KiB;
        m_config.retry.initialDelayMs = 50;
        m_config.retry.maxDelayMs = 300;
        m_config.ui.progressIntervalMs = 100;
    }

    // Downloads `name` from /FAULT/ with `query` (no -s/-x: the pool chooses) and checks it.
    DownloadId download(EnginePool& pool, const QString& name, qint64 size, quint32 seed,
                        const QString& query, const QString& fault = QStringLiteral("capped")) {
        const QString sha = test::writeRandomFile(s_server->root() + "/" + name, size, seed);
        DownloadRequest r;
        r.url = s_server->url(fault + "/" + name + "?" + query).toStdString();
        r.directory = m_dir.path().toStdString();
        r.engine = "segmented";
        const DownloadId id = pool.add(r);
        EXPECT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
        EXPECT_EQ(m_recorder.last(id).state, DownloadState::Completed)
            << m_recorder.last(id).errorMessage;
        EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/" + name), sha);
        return id;
    }

    // The cap the pool learned for the fault server (after the transfer's report).
    int learnedCap(EnginePool& pool) {
        const auto host = hostKeyFromUrl(s_server->url("x").toStdString());
        EXPECT_TRUE(host);
        EXPECT_TRUE(test::waitFor(
            [&] {
                const auto p = pool.hosts().snapshot(*host);
                return p && p->downloads >= 1;
            },
            10000));
        const auto p = pool.hosts().snapshot(*host);
        return p ? p->learnedConnectionCap : -1;
    }

    static std::unique_ptr<test::FaultServer> s_server;
    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
};
std::unique_ptr<test::FaultServer> ConnectionRampTest::s_server;

TEST_F(ConnectionRampTest, RampsFarAboveTheStartWhenTheServerCapsEachConnection) {
    CountTap tap(m_recorder);
    EnginePool pool(m_config, tap, qtDigestFactory());
    pool.start();
    download(pool, "per-connection.bin", 12 * MiB + 5, 71, "rate=262144");
    // From 2, at least two doublings while it ran: each connection added its 256 KiB/s.
    EXPECT_GE(tap.peak(), 8);
}

TEST_F(ConnectionRampTest, StopsNearWhatAServerThatCapsTheTotalNeeds) {
    // 256 KiB/s per connection, 1 MiB/s in all: 4 connections reach the cap (95% of it needs
    // ceil(3.8) = 4); 8 add nothing.
    CountTap tap(m_recorder);
    EnginePool pool(m_config, tap, qtDigestFactory());
    pool.start();
    download(pool, "total.bin", 6 * MiB + 3, 72, "rate=262144&total=1048576");
    const int cap = learnedCap(pool);
    EXPECT_GE(cap, 4);
    EXPECT_LE(cap, 6);
    EXPECT_LE(tap.peak(), 16); // at most one doubling past it before the cap was seen
    // Once settled, it stays there: the last snapshots show no more than the cap.
    const auto seen = tap.seen();
    ASSERT_GE(seen.size(), 10u);
    for (std::size_t i = seen.size() - 5; i < seen.size(); ++i) {
        EXPECT_LE(seen[i].connections, cap) << i;
    }
}

TEST_F(ConnectionRampTest, NewConnectionsLandingInASlowRangeDoNotStopTheRamp) {
    // 1 MiB/s per response in the first half of the file, 96 KiB/s in the rest (a mirror
    // whose uncached part crawls). Each step adds little in total (the new connections take
    // slow ranges), but the fast one keeps its pace: no total cap, and only more connections
    // in the slow part finish it sooner. Judged by the total alone, it looked like a cap.
    CountTap tap(m_recorder);
    EnginePool pool(m_config, tap, qtDigestFactory());
    pool.start();
    const qint64 size = 8 * MiB + 7;
    download(pool, "crawl.bin", size, 74,
             QStringLiteral("start=%1&end=%2&rate=98304&fast=1048576").arg(size / 2).arg(size),
             QStringLiteral("slow-region"));
    EXPECT_GE(tap.peak(), 16);
}

TEST_F(ConnectionRampTest, HalvesAtOnceWhenTheServerAnswers503) {
    // The server serves at most 6 at once and answers 503 to more: from 4 the ramp asks for 8,
    // two of them get 503, and the count halves at the next snapshot.
    m_config.download.split = 4;
    CountTap tap(m_recorder);
    EnginePool pool(m_config, tap, qtDigestFactory());
    pool.start();
    download(pool, "busy.bin", 6 * MiB + 1, 73, "rate=262144&max=6");
    int refused = 0;
    for (const QJsonObject& e : s_server->requests("/capped/busy.bin")) {
        refused += e.value("status").toInt() == 503 ? 1 : 0;
    }
    EXPECT_GE(refused, 1);
    const int cap = learnedCap(pool);
    EXPECT_GE(cap, 1);
    EXPECT_LE(cap, 4); // halved (at least once) from the 8 that met the 503s
    // After the first snapshot that shows the push-back, never more than the halved count.
    const auto seen = tap.seen();
    const auto first = std::find_if(seen.begin(), seen.end(),
                                    [](const CountTap::Seen& s) { return s.pushbacks > 0; });
    ASSERT_NE(first, seen.end());
    for (auto it = first + 1; it != seen.end(); ++it) {
        EXPECT_LE(it->connections, 4);
    }
}

} // namespace
