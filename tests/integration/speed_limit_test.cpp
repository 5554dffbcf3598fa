// Speed limits against the real nginx, through the engine pool: a global limit, two downloads
// sharing it across engines, a download's own limit, limits changed while transfers run, and
// the bottleneck the snapshots report. Rates are checked on both sides with wide margins: not
// above the limit (the limit holds) and not far below it (the limiter does not starve the
// download: unlimited, the loopback nginx is hundreds of times faster); the exact figures are
// the benchmark's (tests/bench).
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/TestServers.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <vector>

using namespace maria2;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * KiB;
// Measured rate (bytes over the time from add() to the final state) at most this times the
// limit: the bucket's burst, one chunk of overdraft and a 2-core machine's jitter fit easily.
constexpr double kRateSlack = 1.5;
// ... and at least this times the limit: each run lasts 3 s or more at the limit, long enough for
// start-up, the first connection's ramp and a 2-core machine's stalls to fit well inside.
constexpr double kRateFloor = 0.3;

// Forwards to the recorder and keeps what it does not: every bottleneck a running download
// reported, whether its byte count ever went down (a restart), and what the other downloads
// had when one completed.
class LimitListener final : public EngineListener {
public:
    explicit LimitListener(test::EngineRecorder& inner)
        : m_inner(inner) {}

    void onStateChanged(const DownloadSnapshot& s) override {
        {
            std::lock_guard lock(m_mutex);
            note(s);
            if (s.state == DownloadState::Completed) {
                m_doneAtCompletion.emplace(s.id, m_done);
            }
        }
        m_inner.onStateChanged(s); // after noting, so a waiter woken by it sees the notes
    }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        {
            std::lock_guard lock(m_mutex);
            for (const auto& s : batch) {
                note(s);
            }
        }
        m_inner.onProgress(batch);
    }

    bool sawBottleneck(DownloadId id, Bottleneck b) {
        std::lock_guard lock(m_mutex);
        return m_bottlenecks[id].count(b) > 0;
    }
    std::string bottlenecksOf(DownloadId id) {
        std::lock_guard lock(m_mutex);
        std::string out;
        for (const Bottleneck b : m_bottlenecks[id]) {
            out += std::string(out.empty() ? "" : ", ") + toString(b);
        }
        return out.empty() ? "(none)" : out;
    }
    bool bytesWentDown(DownloadId id) {
        std::lock_guard lock(m_mutex);
        return m_wentDown.count(id) > 0;
    }
    // doneBytes of `other` when `completed` reached Completed (-1: unknown).
    std::int64_t doneWhenCompleted(DownloadId other, DownloadId completed) {
        std::lock_guard lock(m_mutex);
        const auto it = m_doneAtCompletion.find(completed);
        if (it == m_doneAtCompletion.end()) {
            return -1;
        }
        const auto done = it->second.find(other);
        return done == it->second.end() ? 0 : done->second;
    }

private:
    void note(const DownloadSnapshot& s) {
        if (isActive(s.state)) {
            m_bottlenecks[s.id].insert(s.bottleneck);
        }
        auto& done = m_done[s.id];
        if (s.doneBytes < done) {
            m_wentDown.insert(s.id);
        }
        done = s.doneBytes;
    }

    test::EngineRecorder& m_inner;
    std::mutex m_mutex;
    std::map<DownloadId, std::set<Bottleneck>> m_bottlenecks;
    std::map<DownloadId, std::int64_t> m_done;
    std::set<DownloadId> m_wentDown;
    std::map<DownloadId, std::map<DownloadId, std::int64_t>> m_doneAtCompletion;
};

class SpeedLimitTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        const QString root = s_nginx->docRoot();
        s_sha["limit.bin"] = test::writeRandomFile(root + "/limit.bin", 3 * MiB + 5, 71);
        s_sha["pair-a.bin"] = test::writeRandomFile(root + "/pair-a.bin", 3 * MiB / 2, 72);
        s_sha["pair-b.bin"] = test::writeRandomFile(root + "/pair-b.bin", 3 * MiB / 2, 73);
        s_sha["own.bin"] = test::writeRandomFile(root + "/own.bin", 3 * MiB / 2 + 3, 74);
        for (const auto& [name, sha] : s_sha) {
            ASSERT_FALSE(sha.isEmpty()) << name.toStdString();
        }
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.download.directory = m_dir.path().toStdString();
        m_config.download.minSplitSize = 512 * KiB; // several connections share each limit
        m_config.performance.downloadSpeedLimit = 0;
        m_config.retry.initialDelayMs = 20;
        m_config.retry.maxDelayMs = 200;
        m_config.ui.progressIntervalMs = 100;
    }

    EnginePool& pool() {
        if (!m_pool) {
            m_pool = std::make_unique<EnginePool>(m_config, m_listener, qtDigestFactory());
            m_pool->start();
        }
        return *m_pool;
    }

    DownloadRequest request(const QString& name) const {
        DownloadRequest r;
        r.url = s_nginx->httpUrl(name).toStdString();
        r.directory = m_dir.path().toStdString();
        r.allowOverwrite = true;
        return r;
    }

    // Waits for the final state; expects Completed with the served file's bytes.
    void expectCompletedByteExact(DownloadId id, const QString& name) {
        ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120))) << name.toStdString();
        const DownloadSnapshot s = m_recorder.last(id);
        ASSERT_EQ(s.state, DownloadState::Completed)
            << name.toStdString() << ": " << s.errorMessage;
        EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/" + name), s_sha.at(name))
            << name.toStdString();
    }

    static double secondsSince(std::chrono::steady_clock::time_point start) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    static std::int64_t sizeOf(const QString& name) {
        return QFileInfo(s_nginx->docRoot() + "/" + name).size();
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static std::map<QString, QString> s_sha;
    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
    LimitListener m_listener{m_recorder};
    std::unique_ptr<EnginePool> m_pool; // declared last: stopped before the listeners go
};
std::unique_ptr<test::NginxServer> SpeedLimitTest::s_nginx;
std::map<QString, QString> SpeedLimitTest::s_sha;

TEST_F(SpeedLimitTest, TheConfiguredGlobalLimitHoldsTheRateAndSaysSpeedLimit) {
    const std::int64_t limit = 1 * MiB;
    m_config.performance.downloadSpeedLimit = limit; // from the config, as at start-up
    EXPECT_EQ(pool().globalSpeedLimit(), limit);
    const auto start = std::chrono::steady_clock::now();
    const DownloadId id = pool().add(request("limit.bin"));
    expectCompletedByteExact(id, "limit.bin");
    const double rate = static_cast<double>(sizeOf("limit.bin")) / secondsSince(start);
    EXPECT_LE(rate, kRateSlack * static_cast<double>(limit)) << rate << " B/s";
    EXPECT_GE(rate, kRateFloor * static_cast<double>(limit)) << rate << " B/s";
    EXPECT_TRUE(m_listener.sawBottleneck(id, Bottleneck::SpeedLimit))
        << m_listener.bottlenecksOf(id);
    EXPECT_FALSE(m_listener.sawBottleneck(id, Bottleneck::DownloadLimit))
        << m_listener.bottlenecksOf(id);
    EXPECT_EQ(m_recorder.last(id).maxSpeed, 0); // no limit of its own
}

TEST_F(SpeedLimitTest, TwoDownloadsOnTwoEnginesShareOneGlobalLimitFairly) {
    const std::int64_t limit = 1 * MiB;
    pool().setGlobalSpeedLimit(limit);
    EXPECT_EQ(pool().globalSpeedLimit(), limit);
    DownloadRequest a = request("pair-a.bin");
    a.engine = "segmented";
    DownloadRequest b = request("pair-b.bin");
    b.engine = "bulk"; // another engine thread: the limiter is the pool's, not an engine's
    const auto start = std::chrono::steady_clock::now();
    const DownloadId idA = pool().add(a);
    const DownloadId idB = pool().add(b);
    expectCompletedByteExact(idA, "pair-a.bin");
    expectCompletedByteExact(idB, "pair-b.bin");
    const double rate =
        static_cast<double>(sizeOf("pair-a.bin") + sizeOf("pair-b.bin")) / secondsSince(start);
    EXPECT_LE(rate, kRateSlack * static_cast<double>(limit)) << rate << " B/s";
    EXPECT_GE(rate, kRateFloor * static_cast<double>(limit)) << rate << " B/s";
    EXPECT_EQ(m_recorder.last(idA).engine, "segmented");
    EXPECT_EQ(m_recorder.last(idB).engine, "bulk");
    EXPECT_TRUE(m_listener.sawBottleneck(idA, Bottleneck::SpeedLimit))
        << m_listener.bottlenecksOf(idA);
    EXPECT_TRUE(m_listener.sawBottleneck(idB, Bottleneck::SpeedLimit))
        << m_listener.bottlenecksOf(idB);
    // Same size, same start, fair shares: whichever finished first, the other was well on its
    // way (fair queuing keeps them within a burst and a chunk; a third is a generous floor).
    // Without sharing, the faster engine thread would take nearly everything first.
    // The one that finished second shows its full size here, the first one the other's share.
    const std::int64_t bWhenA = m_listener.doneWhenCompleted(idB, idA);
    const std::int64_t aWhenB = m_listener.doneWhenCompleted(idA, idB);
    EXPECT_GE(std::min(bWhenA, aWhenB), sizeOf("pair-b.bin") / 3)
        << "pair-b had " << bWhenA << " when pair-a completed; pair-a had " << aWhenB
        << " when pair-b completed";
}

TEST_F(SpeedLimitTest, ADownloadsOwnLimitHoldsWithNoGlobalLimit) {
    const std::int64_t own = 512 * KiB;
    EXPECT_EQ(pool().globalSpeedLimit(), 0);
    DownloadRequest r = request("own.bin");
    r.maxSpeed = own;
    const auto start = std::chrono::steady_clock::now();
    const DownloadId id = pool().add(r);
    expectCompletedByteExact(id, "own.bin");
    const double rate = static_cast<double>(sizeOf("own.bin")) / secondsSince(start);
    EXPECT_LE(rate, kRateSlack * static_cast<double>(own)) << rate << " B/s";
    EXPECT_GE(rate, kRateFloor * static_cast<double>(own)) << rate << " B/s";
    EXPECT_EQ(m_recorder.last(id).maxSpeed, own);
    EXPECT_TRUE(m_listener.sawBottleneck(id, Bottleneck::DownloadLimit))
        << m_listener.bottlenecksOf(id);
    EXPECT_FALSE(m_listener.sawBottleneck(id, Bottleneck::SpeedLimit)) // there is none
        << m_listener.bottlenecksOf(id);
}

TEST_F(SpeedLimitTest, LiftingTheGlobalLimitMidDownloadFinishesWithoutARestart) {
    m_config.performance.downloadSpeedLimit = 512 * KiB;
    const DownloadId id = pool().add(request("limit.bin")); // ~6 s at this limit
    // Running, held by the limit, and some way in (but far from done).
    ASSERT_TRUE(m_recorder.waitUntil(
        [&](const auto& m) {
            const auto it = m.find(id);
            return it != m.end() && it->second.doneBytes >= 256 * KiB;
        },
        std::chrono::seconds(60)));
    ASSERT_TRUE(
        test::waitFor([&] { return m_listener.sawBottleneck(id, Bottleneck::SpeedLimit); }, 30000))
        << m_listener.bottlenecksOf(id);
    ASSERT_LT(m_recorder.last(id).doneBytes, sizeOf("limit.bin"));

    pool().setGlobalSpeedLimit(0);
    EXPECT_EQ(pool().globalSpeedLimit(), 0);
    expectCompletedByteExact(id, "limit.bin");

    // The same transfer carried on: no retry, no trip back to the queue, no bytes dropped.
    EXPECT_FALSE(m_recorder.sawState(id, DownloadState::Retrying));
    const auto states = m_recorder.states(id);
    const auto downloading = std::find_if(states.begin(), states.end(), [](const auto& s) {
        return s.state == DownloadState::Downloading;
    });
    ASSERT_NE(downloading, states.end());
    for (auto it = downloading; it != states.end(); ++it) {
        EXPECT_NE(it->state, DownloadState::Queued);
        EXPECT_NE(it->state, DownloadState::Paused);
        EXPECT_NE(it->state, DownloadState::Retrying);
    }
    EXPECT_FALSE(m_listener.bytesWentDown(id));
}

TEST_F(SpeedLimitTest, ADownloadsOwnLimitCanBeChangedWhileItRuns) {
    DownloadRequest r = request("own.bin");
    r.maxSpeed = 256 * KiB; // ~6 s if it stayed
    const DownloadId id = pool().add(r);
    ASSERT_TRUE(m_recorder.waitUntil(
        [&](const auto& m) {
            const auto it = m.find(id);
            return it != m.end() && it->second.doneBytes >= 128 * KiB;
        },
        std::chrono::seconds(60)));
    ASSERT_TRUE(test::waitFor(
        [&] { return m_listener.sawBottleneck(id, Bottleneck::DownloadLimit); }, 30000))
        << m_listener.bottlenecksOf(id);

    pool().setDownloadSpeedLimit(id, 0);
    expectCompletedByteExact(id, "own.bin");
    EXPECT_EQ(m_recorder.last(id).maxSpeed, 0);
    EXPECT_FALSE(m_recorder.sawState(id, DownloadState::Retrying));
    EXPECT_FALSE(m_listener.bytesWentDown(id));
}

} // namespace
