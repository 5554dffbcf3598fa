// Session::requestDetails against the real nginx: while a multi-connection download runs under a
// speed limit (so it is still running when asked), its details show the connections on their
// ranges, the bytes on disk growing, the engine with its scores and the download's own log lines
// (captured at info while the file log is at warn); once complete, all of the file is done; an
// unknown id answers id 0; a finished download restored from the database answers from what is
// known. Every wait is on a condition with a deadline.
#include "core/config/Config.h"
#include "core/log/Log.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QObject>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

using namespace maria2;

namespace {

constexpr std::int64_t MiB = 1024 * 1024;
constexpr std::int64_t kSize = 8 * MiB + 321; // eight pieces of MinSplitSize, and a tail

std::int64_t covered(const DownloadDetails& d) {
    std::int64_t n = 0;
    for (const auto& [begin, end] : d.doneRanges) {
        n += end - begin;
    }
    return n;
}

std::string describe(const DownloadDetails& d) {
    std::string out = "id " + std::to_string(d.id) + " total " + std::to_string(d.totalBytes) +
                      " engine '" + d.engine + "' route '" + d.route + "' done";
    for (const auto& [begin, end] : d.doneRanges) {
        out += " [" + std::to_string(begin) + "," + std::to_string(end) + ")";
    }
    for (const auto& c : d.connections) {
        out += "\n  connection " + std::to_string(c.number) + " [" + std::to_string(c.rangeStart) +
               "," + std::to_string(c.rangeEnd) + ") at " + std::to_string(c.position) + " " +
               c.remote + (c.racing ? " racing" : "") + (c.paused ? " paused" : "");
    }
    return out;
}

class DetailsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_nginx->docRoot() + "/details.bin", kSize, 91);
        ASSERT_FALSE(s_sha.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        // The file log at warn, as a quiet user has it: the download's own lines still come.
        m_previousLogger = spdlog::default_logger();
        log::LogSetup setup;
        setup.level = "warn";
        log::init(setup);

        m_config = ConfigLoader::defaults();
        m_config.download.directory = (m_dir.path() + "/downloads").toStdString();
        m_config.download.minSplitSize = MiB;
        m_config.download.split = 8;
        m_config.performance.downloadSpeedLimit = 2 * MiB; // still running when asked
        m_config.queue.retries = 0;
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        // The governor stays out of it, however busy the machine running the tests is.
        m_config.performance.cpuUsagePercent = 100;
        m_config.performance.memoryUsagePercent = 100;
    }
    void TearDown() override { spdlog::set_default_logger(m_previousLogger); }

    DownloadRequest request(const QString& tag) const {
        DownloadRequest r;
        r.url = s_nginx->httpUrl("details.bin?" + tag).toStdString();
        r.fileName = (tag + ".bin").toStdString();
        return r;
    }

    // Asks and waits for the answer (the next detailsReady after the call).
    static DownloadDetails ask(Session& session, DownloadId id) {
        std::optional<DownloadDetails> answer;
        const auto connection = QObject::connect(&session, &Session::detailsReady,
                                                 [&](const DownloadDetails& d) { answer = d; });
        session.requestDetails(id);
        EXPECT_FALSE(answer.has_value()) << "answered inside the call";
        EXPECT_TRUE(test::waitFor([&] { return answer.has_value(); }, 10000)) << "no answer";
        QObject::disconnect(connection);
        return answer.value_or(DownloadDetails{});
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    QTemporaryDir m_dir;
    Config m_config;
    std::shared_ptr<spdlog::logger> m_previousLogger;
};

std::unique_ptr<test::NginxServer> DetailsTest::s_nginx;
QString DetailsTest::s_sha;

TEST_F(DetailsTest, ARunningDownloadShowsItsConnectionsBytesEngineAndLog) {
    Session session(m_config);
    const DownloadId id = session.add(request("running"));

    // Several connections at work, each inside the file and writing inside its range.
    DownloadDetails d;
    ASSERT_TRUE(test::waitFor(
        [&] {
            d = ask(session, id);
            return d.connections.size() > 1 && covered(d) > 0;
        },
        30000))
        << describe(d);
    ASSERT_NE(session.download(id).state, DownloadState::Completed) << "finished too soon";
    EXPECT_EQ(d.id, id);
    EXPECT_EQ(d.totalBytes, kSize);
    std::int64_t previousEnd = -1;
    for (const auto& [begin, end] : d.doneRanges) {
        EXPECT_LT(previousEnd, begin) << describe(d); // sorted, disjoint, coalesced
        EXPECT_GE(begin, 0) << describe(d);
        EXPECT_LT(begin, end) << describe(d);
        EXPECT_LE(end, kSize) << describe(d);
        previousEnd = end;
    }
    EXPECT_LT(covered(d), kSize) << describe(d);
    std::int64_t previousStart = -1;
    const std::string server = "127.0.0.1:" + std::to_string(s_nginx->httpPort());
    for (const auto& c : d.connections) {
        EXPECT_GT(c.number, 0) << describe(d);
        EXPECT_LE(previousStart, c.rangeStart) << "not sorted by rangeStart\n" << describe(d);
        previousStart = c.rangeStart;
        EXPECT_GE(c.rangeStart, 0) << describe(d);
        EXPECT_GT(c.rangeEnd, c.rangeStart) << describe(d);
        EXPECT_LE(c.rangeEnd, kSize) << describe(d);
        EXPECT_GE(c.position, c.rangeStart) << describe(d);
        EXPECT_LE(c.position, c.rangeEnd) << describe(d);
        EXPECT_FALSE(c.racing) << "no endgame race under a limit\n" << describe(d);
        if (c.position > c.rangeStart) { // bytes came: it is connected, to our nginx
            EXPECT_EQ(c.remote, server) << describe(d);
        }
    }
    // The engine and why it was chosen, with every engine's score and its parts.
    EXPECT_FALSE(d.engine.empty());
    EXPECT_EQ(d.engine, session.download(id).engine);
    EXPECT_FALSE(d.route.empty());
    ASSERT_FALSE(d.scores.empty());
    EXPECT_TRUE(std::any_of(d.scores.begin(), d.scores.end(),
                            [&](const EngineScoreDetail& s) { return s.engine == d.engine; }));
    EXPECT_TRUE(std::any_of(d.scores.begin(), d.scores.end(), [](const EngineScoreDetail& s) {
        return s.eligible && !s.parts.empty();
    }));
    // Its own log lines, at info although the file log is at warn; nothing of other downloads.
    EXPECT_TRUE(std::any_of(d.logLines.begin(), d.logLines.end(),
                            [](const std::string& l) {
                                return l.find("connection") != std::string::npos &&
                                       l.find(" info ") != std::string::npos;
                            }))
        << d.logLines.size() << " line(s)";
    for (const auto& line : d.logLines) {
        EXPECT_EQ(line.find("[#"), std::string::npos) << line;
    }

    // The bytes on disk grow between two answers.
    const std::int64_t before = covered(d);
    DownloadDetails later;
    ASSERT_TRUE(test::waitFor(
        [&] {
            later = ask(session, id);
            return covered(later) > before;
        },
        20000))
        << describe(later);

    // Finished (faster without the limit): all of the file, no connections.
    session.setSpeedLimit(0);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 60000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed)
        << session.download(id).errorMessage;
    const DownloadDetails done = ask(session, id);
    EXPECT_EQ(done.id, id);
    ASSERT_EQ(done.doneRanges.size(), 1u) << describe(done);
    EXPECT_EQ(done.doneRanges[0], std::make_pair(std::int64_t{0}, kSize));
    EXPECT_TRUE(done.connections.empty()) << describe(done);
    EXPECT_TRUE(std::any_of(done.logLines.begin(), done.logLines.end(), [](const std::string& l) {
        return l.find("completed") != std::string::npos;
    }));
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/downloads/running.bin"), s_sha);
}

TEST_F(DetailsTest, AnUnknownIdAnswersIdZero) {
    Session session(m_config);
    const DownloadDetails d = ask(session, 4242);
    EXPECT_EQ(d.id, 0u);
    EXPECT_TRUE(d.doneRanges.empty());
    EXPECT_TRUE(d.connections.empty());
    EXPECT_TRUE(d.logLines.empty());
}

TEST_F(DetailsTest, AFinishedDownloadRestoredFromTheDatabaseAnswersWhatIsKnown) {
    m_config.performance.downloadSpeedLimit = 0;
    const QString db = m_dir.path() + "/state/maria2.sqlite";
    {
        Session first(m_config, SessionOptions{db});
        const DownloadId id = first.add(request("restored"));
        ASSERT_TRUE(test::waitFor([&] { return isFinal(first.download(id).state); }, 60000));
        ASSERT_EQ(first.download(id).state, DownloadState::Completed)
            << first.download(id).errorMessage;
    }
    Session second(m_config, SessionOptions{db});
    ASSERT_EQ(second.downloads().size(), 1);
    const DownloadSnapshot restored = second.downloads().first();
    ASSERT_EQ(restored.state, DownloadState::Completed);
    const DownloadDetails d = ask(second, restored.id);
    EXPECT_EQ(d.id, restored.id);
    EXPECT_EQ(d.totalBytes, kSize);
    ASSERT_EQ(d.doneRanges.size(), 1u) << describe(d);
    EXPECT_EQ(d.doneRanges[0], std::make_pair(std::int64_t{0}, kSize));
    EXPECT_TRUE(d.connections.empty());
}

} // namespace
