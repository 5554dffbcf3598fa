// The Session's queue controls against the real nginx: time windows on a fake wall clock
// (SessionOptions::wallClock), the queue order (moves, start order, kept across a restart on
// the same database) and the speed limits in force.
#include "core/config/Config.h"
#include "session/DownloadStore.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <vector>

using namespace maria2;

namespace {

// Local wall time on a fixed day (Tuesday 15 January 2030), whatever this machine's zone.
std::time_t localTime(int dayOffset, int hour, int minute) {
    std::tm tm{};
    tm.tm_year = 130;
    tm.tm_mon = 0;
    tm.tm_mday = 15 + dayOffset;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

class SessionQueueTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_nginx->docRoot() + "/queue.bin", 256 * 1024 + 5, 81);
        ASSERT_FALSE(s_sha.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0; // full speed: the limits are set per test
        m_config.download.directory = (m_dir.path() + "/downloads").toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        // The governor stays out of it, however busy the machine running the tests is.
        m_config.performance.cpuUsagePercent = 100;
        m_config.performance.memoryUsagePercent = 100;
        m_clock = localTime(0, 12, 0); // noon: outside "01:00-07:00"
    }

    SessionOptions options(const QString& database = {}) {
        SessionOptions o;
        o.databasePath = database;
        o.wallClock = [this] {
            return m_clock.load();
        };
        return o;
    }

    DownloadRequest request(const QString& tag) const {
        DownloadRequest r;
        r.url = s_nginx->httpUrl("queue.bin?" + tag).toStdString();
        r.fileName = (tag + ".bin").toStdString();
        return r;
    }

    int requestsTagged(const QString& tag) const {
        int n = 0;
        for (const auto& e : s_nginx->accessLog()) {
            n += e.requestUri.endsWith("?" + tag) ? 1 : 0;
        }
        return n;
    }

    QString downloaded(const QString& name) const { return m_dir.path() + "/downloads/" + name; }
    QString dbPath() const { return m_dir.path() + "/state/maria2.sqlite"; }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    QTemporaryDir m_dir;
    Config m_config;
    std::atomic<std::time_t> m_clock{0};
};

std::unique_ptr<test::NginxServer> SessionQueueTest::s_nginx;
QString SessionQueueTest::s_sha;

TEST_F(SessionQueueTest, OutsideTheWindowADownloadWaitsAndStartsWhenTheClockEntersIt) {
    m_config.queue.timeWindows = "01:00-07:00";
    Session session(m_config, options());
    int samples = 0;
    QObject::connect(&session, &Session::metricsUpdated, [&] { ++samples; });
    const DownloadId id = session.add(request("window"));
    // A few samples (and window ticks) later it still waits, and says why.
    ASSERT_TRUE(test::waitFor([&] { return samples >= 4; }, 10000));
    EXPECT_TRUE(test::waitFor(
        [&] { return session.download(id).bottleneck == Bottleneck::WaitingWindow; }, 5000))
        << toString(session.download(id).bottleneck);
    EXPECT_EQ(session.download(id).state, DownloadState::Queued);
    EXPECT_EQ(requestsTagged("window"), 0);

    // The machine "wakes" the next night at 02:10: the next tick sees the open window.
    m_clock = localTime(1, 2, 10);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 30000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed)
        << session.download(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(downloaded("window.bin")), s_sha);
}

TEST_F(SessionQueueTest, TimeWindowsCanBeReplacedAtRunTimeAndSetTheirSpeed) {
    Session session(m_config, options());
    std::vector<qint64> changes;
    QObject::connect(&session, &Session::speedLimitChanged,
                     [&](qint64 bytesPerSecond) { changes.push_back(bytesPerSecond); });
    EXPECT_EQ(session.effectiveSpeedLimit(), 0);

    const QString error = session.setTimeWindows("weekdays 09:00-25:00");
    EXPECT_TRUE(error.contains("25:00")) << error.toStdString();
    EXPECT_TRUE(changes.empty());

    // Noon on a Tuesday is inside; the window's speed is the limit in force.
    EXPECT_TRUE(session.setTimeWindows("weekdays 09:00-17:00 at 512K").isEmpty());
    EXPECT_EQ(session.effectiveSpeedLimit(), 512 * 1024);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes.back(), 512 * 1024);

    // The person's lower limit wins; a higher one does not.
    session.setSpeedLimit(100 * 1024);
    EXPECT_EQ(session.speedLimit(), 100 * 1024);
    EXPECT_EQ(session.effectiveSpeedLimit(), 100 * 1024);
    session.setSpeedLimit(4 * 1024 * 1024);
    EXPECT_EQ(session.effectiveSpeedLimit(), 512 * 1024);

    // Evening: the window closes; a download waits for it.
    m_clock = localTime(0, 18, 0);
    // The next tick sees it: the window's limit is gone with the window.
    ASSERT_TRUE(
        test::waitFor([&] { return session.effectiveSpeedLimit() == 4 * 1024 * 1024; }, 10000));
    EXPECT_EQ(changes.back(), 4 * 1024 * 1024);
    int samples = 0;
    QObject::connect(&session, &Session::metricsUpdated, [&] { ++samples; });
    const DownloadId id = session.add(request("evening"));
    ASSERT_TRUE(test::waitFor([&] { return samples >= 4; }, 10000));
    EXPECT_TRUE(test::waitFor(
        [&] { return session.download(id).bottleneck == Bottleneck::WaitingWindow; }, 5000))
        << toString(session.download(id).bottleneck);
    EXPECT_EQ(session.download(id).state, DownloadState::Queued);
    EXPECT_EQ(requestsTagged("evening"), 0);

    // No windows: any time, at the person's limit.
    EXPECT_TRUE(session.setTimeWindows("").isEmpty());
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 30000));
    EXPECT_EQ(session.download(id).state, DownloadState::Completed);
    EXPECT_EQ(session.effectiveSpeedLimit(), 4 * 1024 * 1024);
}

TEST_F(SessionQueueTest, QueueOrderDecidesTheStartOrderAndSurvivesARestart) {
    m_config.queue.timeWindows = "01:00-07:00"; // closed: nothing starts while we reorder
    m_config.performance.maxConcurrentDownloads = 1;
    const QStringList tags{"qa", "qb", "qc", "qd"};
    {
        Session session(m_config, options(dbPath()));
        int orderChanges = 0;
        QObject::connect(&session, &Session::queueOrderChanged, [&] { ++orderChanges; });
        QList<DownloadId> ids;
        for (const QString& tag : tags) {
            ids << session.add(request(tag));
        }
        const DownloadId a = ids[0], b = ids[1], c = ids[2], d = ids[3];
        EXPECT_EQ(session.queueOrder(), ids);

        EXPECT_TRUE(session.moveToTop(d));
        EXPECT_EQ(session.queueOrder(), (QList<DownloadId>{d, a, b, c}));
        EXPECT_FALSE(session.moveToTop(d));
        EXPECT_FALSE(session.moveUp(d));
        EXPECT_TRUE(session.moveDown(d));
        EXPECT_EQ(session.queueOrder(), (QList<DownloadId>{a, d, b, c}));
        EXPECT_TRUE(session.moveUp(c));
        EXPECT_EQ(session.queueOrder(), (QList<DownloadId>{a, d, c, b}));
        EXPECT_TRUE(session.moveToBottom(a));
        EXPECT_EQ(session.queueOrder(), (QList<DownloadId>{d, c, b, a}));
        EXPECT_FALSE(session.moveDown(a));
        EXPECT_FALSE(session.moveUp(9999));
        EXPECT_EQ(orderChanges, 4);

        QList<DownloadId> listed;
        for (const auto& s : session.downloads()) {
            listed << s.id;
        }
        EXPECT_EQ(listed, session.queueOrder());
        session.setDownloadSpeedLimit(b, 300000);
        EXPECT_EQ(session.download(b).maxSpeed, 300000);
    }

    {
        // What the store holds: the new positions and the download's own limit.
        DownloadStore store(dbPath());
        ASSERT_TRUE(store.open());
        const auto rows = store.load();
        ASSERT_EQ(rows.size(), 4);
        QStringList names;
        for (const auto& row : rows) {
            names << QString::fromStdString(row.request.fileName);
            EXPECT_EQ(row.request.maxSpeed, row.request.fileName == "qb.bin" ? 300000 : 0);
        }
        EXPECT_EQ(names, (QStringList{"qd.bin", "qc.bin", "qb.bin", "qa.bin"}));
    }

    Session session(m_config, options(dbPath()));
    QStringList restored;
    for (const auto& s : session.downloads()) {
        restored << QString::fromStdString(s.fileName);
    }
    EXPECT_EQ(restored, (QStringList{"qd.bin", "qc.bin", "qb.bin", "qa.bin"}));
    QList<DownloadId> listed;
    for (const auto& s : session.downloads()) {
        listed << s.id;
    }
    EXPECT_EQ(session.queueOrder(), listed);

    // One at a time, in queue order, once the window opens.
    QStringList started;
    QObject::connect(&session, &Session::downloadStateChanged, [&](const DownloadSnapshot& s) {
        const QString name = QString::fromStdString(s.fileName);
        if (s.state != DownloadState::Queued && s.state != DownloadState::Paused &&
            !started.contains(name)) {
            started << name;
        }
    });
    m_clock = localTime(1, 2, 0);
    ASSERT_TRUE(test::waitFor(
        [&] {
            for (const auto& s : session.downloads()) {
                if (!isFinal(s.state)) {
                    return false;
                }
            }
            return true;
        },
        60000));
    EXPECT_EQ(started, (QStringList{"qd.bin", "qc.bin", "qb.bin", "qa.bin"}));
    for (const auto& s : session.downloads()) {
        EXPECT_EQ(s.state, DownloadState::Completed) << s.fileName << ": " << s.errorMessage;
        EXPECT_EQ(test::sha256OfFile(QString::fromStdString(s.filePath)), s_sha) << s.fileName;
    }
}

// The metrics of every sample list the running and queued downloads in queue order (as
// maria2c --stats-json writes them) while the Session follows only the running ones per sample.
TEST_F(SessionQueueTest, MetricsListEveryQueuedDownloadInQueueOrder) {
    m_config.queue.timeWindows = "01:00-07:00"; // closed: all of them wait
    Session session(m_config, options(dbPath()));
    QList<DownloadId> ids;
    for (int i = 0; i < 300; ++i) {
        ids.append(session.add(request(QStringLiteral("m%1").arg(i))));
    }
    ASSERT_TRUE(session.moveToTop(ids.at(150)));
    MetricsSnapshot last;
    int samples = 0;
    QObject::connect(&session, &Session::metricsUpdated, [&](const MetricsSnapshot& m) {
        last = m;
        ++samples;
    });
    ASSERT_TRUE(test::waitFor([&] { return samples >= 2; }, 10000));
    EXPECT_EQ(last.queued, 300);
    EXPECT_EQ(last.active, 0);
    EXPECT_EQ(last.totalSpeedBytesPerSec, 0.0);
    ASSERT_EQ(last.downloads.size(), 300u);
    const QList<DownloadId> order = session.queueOrder();
    for (std::size_t i = 0; i < last.downloads.size(); ++i) {
        EXPECT_EQ(last.downloads[i].id, order.at(qsizetype(i)));
        EXPECT_EQ(last.downloads[i].state, DownloadState::Queued);
    }
    EXPECT_EQ(last.downloads.front().id, ids.at(150));
    EXPECT_EQ(last.downloads.front().name, "m150.bin");
    EXPECT_EQ(session.metrics().queued, 300);
}

} // namespace
