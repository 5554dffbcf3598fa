// The segmented engine against the fault-injecting server (support/FaultServer.h): resets, short
// bodies, stalls, Retry-After, servers that ignore or botch ranges, files that change, login
// pages and expired links. Every fault ends byte-identical or in a clear state that keeps the
// bytes; never with a wrong file.
#include "EngineRecorder.h"
#include "EngineTestConfig.h"
#include "ResumeHelpers.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "core/io/ControlFile.h"
#include "core/segment/IntervalSet.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QTemporaryDir>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

using namespace maria2;
using maria2::test::EngineRecorder;
using maria2::test::FaultServer;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr std::int64_t kMinSplit = 256 * KiB;

// Forwards to an EngineRecorder and also keeps what it drops: every snapshot's connection count
// and every state-change snapshot in order.
class Tap final : public EngineListener {
public:
    explicit Tap(EngineRecorder& inner)
        : m_inner(inner) {}
    void onStateChanged(const DownloadSnapshot& s) override {
        {
            std::lock_guard lock(m_mutex);
            m_maxConnections[s.id] = std::max(m_maxConnections[s.id], s.connections);
            m_states.push_back(s);
        }
        m_inner.onStateChanged(s);
    }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        {
            std::lock_guard lock(m_mutex);
            for (const auto& s : batch) {
                m_maxConnections[s.id] = std::max(m_maxConnections[s.id], s.connections);
            }
        }
        m_inner.onProgress(batch);
    }
    int maxConnections(DownloadId id) {
        std::lock_guard lock(m_mutex);
        return m_maxConnections[id];
    }
    // The first state-change snapshot of id in `state`; id 0 if there was none.
    DownloadSnapshot firstIn(DownloadId id, DownloadState state) {
        std::lock_guard lock(m_mutex);
        for (const auto& s : m_states) {
            if (s.id == id && s.state == state) {
                return s;
            }
        }
        return {};
    }

private:
    EngineRecorder& m_inner;
    std::mutex m_mutex;
    std::map<DownloadId, int> m_maxConnections;
    std::vector<DownloadSnapshot> m_states;
};

// One GET as the fault server logged it.
struct Served {
    qint64 start = 0; // first byte asked for (0 without a Range)
    qint64 last = -1; // last byte asked for; -1 = to the end
    qint64 sent = 0;  // body bytes the server handed to the kernel
    int status = 0;
    QString outcome;
};

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

// What the fault server's /changing/ serves once it flipped (see fault_server.py).
QString changedSha(const QString& original) {
    QByteArray data = readAll(original);
    for (char& ch : data) {
        ch = static_cast<char>(ch ^ 0x5A);
    }
    for (int i = 0; i < 4096; ++i) {
        data.append(static_cast<char>((i * 31 + 7) & 0xff));
    }
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

size_t discard(char*, size_t size, size_t count, void*) {
    return size * count;
}

// A one-byte GET: the fault server's /changing/ flips to its new version once a GET has sent
// its last byte.
bool fetchOneByte(const QString& url) {
    CURL* e = curl_easy_init();
    if (e == nullptr) {
        return false;
    }
    const std::string u = url.toStdString();
    curl_easy_setopt(e, CURLOPT_URL, u.c_str());
    curl_easy_setopt(e, CURLOPT_RANGE, "0-0");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    const CURLcode code = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    return code == CURLE_OK && status == 206;
}

class FaultDownloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = std::make_unique<FaultServer>();
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
    }
    static void TearDownTestSuite() { s_server.reset(); }

    void SetUp() override {
        ASSERT_TRUE(s_server->isRunning());
        ASSERT_TRUE(m_dir.isValid());
        ASSERT_TRUE(s_server->resetCounters());
        s_server->clearRequests();
        m_config = test::engineTestConfig(m_dir.path());
        m_config.download.controlSaveIntervalMs = 200;
    }

    Engine& engine() {
        if (!m_engine) {
            m_engine = std::make_unique<Engine>(m_config, m_tap);
            m_engine->start();
        }
        return *m_engine;
    }

    // Four connections on pieces of at least 256 KiB.
    DownloadRequest request(const QString& pathAndQuery, const QString& name) const {
        DownloadRequest r;
        r.url = s_server->url(pathAndQuery).toStdString();
        r.directory = m_dir.path().toStdString();
        r.fileName = name.toStdString();
        r.split = 4;
        r.minSplitSize = kMinSplit;
        r.continuePartial = true;
        return r;
    }

    static QString source(const QString& name) { return s_server->root() + "/" + name; }
    QString path(const QString& name) const { return m_dir.path() + "/" + name; }
    QStringList files() const { return QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden); }

    // The GETs of one URL path ("/reset-once/x.bin"), oldest first.
    static QList<Served> served(const QString& urlPath) {
        QList<Served> out;
        for (const QJsonObject& e : s_server->requests(urlPath)) {
            if (e.value("method").toString() != QLatin1String("GET")) {
                continue;
            }
            Served s;
            const QString range = e.value("range").toString();
            s.start = test::rangeStart(range);
            const QString last = range.section(QLatin1Char('-'), 1, 1);
            s.last = last.isEmpty() ? -1 : last.toLongLong();
            s.sent = e.value("sent").toInteger();
            s.status = e.value("status").toInt();
            s.outcome = e.value("outcome").toString();
            out.append(s);
        }
        return out;
    }
    static qint64 sentTotal(const QList<Served>& list) {
        qint64 sum = 0;
        for (const auto& s : list) {
            sum += s.sent;
        }
        return sum;
    }
    static int countOutcome(const QList<Served>& list, const QString& outcome) {
        return static_cast<int>(std::count_if(
            list.begin(), list.end(), [&](const Served& s) { return s.outcome == outcome; }));
    }

    // An interrupted earlier run, made by hand: NAME.part holds the original bytes in `done` and
    // 0xEE everywhere else, and NAME.part.maria2 records `done` with the validators the fault
    // server sends for the file (strong ETag "SIZEHEX-MTIMEHEX"), under `url`.
    bool seedPart(const QString& name, const QString& url, const IntervalSet& done) {
        const QByteArray original = readAll(source(name));
        if (original.isEmpty()) {
            return false;
        }
        QByteArray part(original.size(), static_cast<char>(0xEE));
        for (const ByteRange& r : done.ranges()) {
            part.replace(
                static_cast<qsizetype>(r.begin), static_cast<qsizetype>(r.size()),
                original.mid(static_cast<qsizetype>(r.begin), static_cast<qsizetype>(r.size())));
        }
        io::ControlData control;
        control.url = url.toStdString();
        control.totalBytes = original.size();
        const qint64 mtime = QFileInfo(source(name)).lastModified().toSecsSinceEpoch();
        control.etag =
            QStringLiteral("\"%1-%2\"").arg(original.size(), 0, 16).arg(mtime, 0, 16).toStdString();
        control.contentType = "application/octet-stream";
        control.acceptsRanges = true;
        control.ranges = done.ranges();
        std::string error;
        return writeAll(path(name + ".part"), part) &&
               io::saveControl(path(name + ".part.maria2").toStdString(), control, &error);
    }

    // Every byte of `done` in the part file is the original's.
    bool partMatchesOriginal(const QString& name, const IntervalSet& done) const {
        const QByteArray original = readAll(source(name));
        const QByteArray part = readAll(path(name + ".part"));
        for (const ByteRange& r : done.ranges()) {
            const auto b = static_cast<qsizetype>(r.begin);
            const auto n = static_cast<qsizetype>(r.size());
            if (part.size() < b + n || part.mid(b, n) != original.mid(b, n)) {
                return false;
            }
        }
        return true;
    }

    bool waitState(DownloadId id, DownloadState state) {
        return m_recorder.waitUntil([&](const auto& m) {
            auto it = m.find(id);
            return it != m.end() && (it->second.state == state || isFinal(it->second.state));
        });
    }

    static std::unique_ptr<FaultServer> s_server;
    QTemporaryDir m_dir;
    Config m_config;
    EngineRecorder m_recorder;
    Tap m_tap{m_recorder};
    std::unique_ptr<Engine> m_engine; // last: stopped before the listeners go
};

std::unique_ptr<FaultServer> FaultDownloadTest::s_server;

// ---- resets and short bodies --------------------------------------------------------------

TEST_F(FaultDownloadTest, AResetMidRangeResumesThatRangeWhereItWasCut) {
    const QString sha = test::writeRandomFile(source("reset1.bin"), 3 * MiB, 31);
    IntervalSet done;
    done.add({0, kMinSplit});
    // A resumed part: the first GET the server sees is a planned range, and it is reset at 40%.
    ASSERT_TRUE(seedPart("reset1.bin", s_server->url("reset-once/reset1.bin"), done));
    const DownloadId id = engine().add(request("reset-once/reset1.bin", "reset1.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("reset1.bin")), sha);
    EXPECT_EQ(files(), QStringList{"reset1.bin"});

    QList<Served> log;
    Served reset;
    ASSERT_TRUE(test::waitFor(
        [&] {
            log = served("/reset-once/reset1.bin");
            for (const auto& s : log) {
                if (s.outcome == QLatin1String("reset")) {
                    reset = s;
                    // ... and the request that took over the rest of that range.
                    for (const auto& t : log) {
                        if (t.start > reset.start && (reset.last < 0 || t.start <= reset.last)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        },
        10000));
    EXPECT_EQ(countOutcome(log, "reset"), 1);
    EXPECT_GT(reset.sent, 0);
    for (const auto& s : log) {
        EXPECT_EQ(s.status, 206) << "If-Range matched: every answer is a range";
        EXPECT_FALSE(done.containsByte(s.start)) << s.start;
    }
    // The cut range is resumed from its cursor, never asked for from its start again.
    EXPECT_EQ(std::count_if(log.begin(), log.end(),
                            [&](const Served& s) { return s.start == reset.start; }),
              1);
    EXPECT_LT(sentTotal(log), 3 * MiB + MiB / 2);
}

TEST_F(FaultDownloadTest, ResetsEveryFewHundredKilobytesStillCompleteWithoutRefetching) {
    const QString sha = test::writeRandomFile(source("reset2.bin"), 3 * MiB, 32);
    const DownloadId id = engine().add(request("reset-every/reset2.bin?after=300000", "r2.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("r2.bin")), sha);
    EXPECT_EQ(files(), QStringList{"r2.bin"});

    // At most 300000 bytes per answer: 3 MiB needs at least 11 of them.
    QList<Served> log;
    ASSERT_TRUE(test::waitFor(
        [&] {
            log = served("/reset-every/reset2.bin");
            return sentTotal(log) >= 3 * MiB;
        },
        10000));
    EXPECT_GE(log.size(), 11);
    EXPECT_GE(countOutcome(log, "reset"), 4);
    // Resumed, not restarted: no range is asked for twice from the same byte, and the server
    // sends little more than the file.
    QList<qint64> starts;
    for (const auto& s : log) {
        EXPECT_FALSE(starts.contains(s.start)) << "bytes " << s.start << "- asked for again";
        starts.append(s.start);
    }
    EXPECT_LT(sentTotal(log), 3 * MiB + MiB / 2);
}

TEST_F(FaultDownloadTest, AShortBodyIsResumedWhereItEnded) {
    const QString sha = test::writeRandomFile(source("short.bin"), 3 * MiB, 33);
    IntervalSet done;
    done.add({0, kMinSplit});
    ASSERT_TRUE(seedPart("short.bin", s_server->url("short-once/short.bin"), done));
    const DownloadId id = engine().add(request("short-once/short.bin", "short.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("short.bin")), sha);

    QList<Served> log;
    ASSERT_TRUE(test::waitFor(
        [&] {
            log = served("/short-once/short.bin");
            return countOutcome(log, "short") == 1 && sentTotal(log) >= 3 * MiB - kMinSplit;
        },
        10000));
    const auto cut = std::find_if(log.begin(), log.end(), [](const Served& s) {
        return s.outcome == QLatin1String("short");
    });
    ASSERT_NE(cut, log.end());
    EXPECT_GT(cut->sent, 0);
    EXPECT_EQ(std::count_if(log.begin(), log.end(),
                            [&](const Served& s) { return s.start == cut->start; }),
              1)
        << "the short range was asked for again from its start";
    for (const auto& s : log) {
        EXPECT_FALSE(done.containsByte(s.start)) << s.start;
    }
    EXPECT_LT(sentTotal(log), 3 * MiB + MiB / 2);
}

// ---- stalls -------------------------------------------------------------------------------

TEST_F(FaultDownloadTest, AStalledConnectionIsDroppedByTheLowSpeedLimitAndTheRestCompletes) {
    m_config.network.lowSpeedLimitBytes = 1024;
    m_config.network.lowSpeedTimeSeconds = 2;
    const QString sha = test::writeRandomFile(source("stall.bin"), 3 * MiB, 34);
    // The first GET (bytes=0-) sends 64 KiB of its first piece, then nothing for 60 s.
    const DownloadId id = engine().add(request("stall-once/stall.bin?hold=60", "stall.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(30)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("stall.bin")), sha);
    // The stalled answer ends when the client gives up on it: its line proves the stall was hit.
    ASSERT_TRUE(test::waitFor(
        [&] { return countOutcome(served("/stall-once/stall.bin"), "stall") == 1; }, 10000));
}

TEST_F(FaultDownloadTest, AnOnlyConnectionThatStallsShowsStalledThenRecovers) {
    m_config.network.lowSpeedLimitBytes = 0; // no curl time-out: the server ends the stall
    const QString sha = test::writeRandomFile(source("stall1.bin"), 2 * MiB, 35);
    DownloadRequest r = request("stall-once/stall1.bin?after=262144&hold=12", "stall1.bin");
    r.split = 1;
    const DownloadId id = engine().add(r);
    // Stalled comes after 10 s without a byte; the server closes after 12 s and the download
    // resumes from byte 262144.
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(30)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("stall1.bin")), sha);
    const DownloadSnapshot stalled = m_tap.firstIn(id, DownloadState::Stalled);
    ASSERT_EQ(stalled.id, id) << "never reported Stalled";
    EXPECT_EQ(stalled.doneBytes, 262144);
    EXPECT_EQ(m_tap.maxConnections(id), 1);
    ASSERT_TRUE(test::waitFor(
        [&] {
            const auto log = served("/stall-once/stall1.bin");
            return log.size() == 2 && log[1].start == 262144 && log[1].status == 206;
        },
        10000));
}

// ---- Retry-After --------------------------------------------------------------------------

TEST_F(FaultDownloadTest, ServiceUnavailableWithRetryAfterIsRetriedWhenAskedThenCompletes) {
    m_config.retry.maxDelayMs = 5000; // room for Retry-After: 1
    const QString sha = test::writeRandomFile(source("busy.bin"), 2 * MiB, 36);
    const DownloadId id =
        engine().add(request("retry-after/busy.bin?count=2&seconds=1", "busy.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("busy.bin")), sha);
    const DownloadSnapshot retrying = m_tap.firstIn(id, DownloadState::Retrying);
    ASSERT_EQ(retrying.id, id) << "never reported Retrying";
    EXPECT_EQ(retrying.error, ErrorCode::ServerOverloaded);
    // The server's 1 s, not the 20 ms back-off.
    EXPECT_GE(retrying.nextRetryInMs, 900);
    QList<Served> log;
    ASSERT_TRUE(test::waitFor(
        [&] {
            log = served("/retry-after/busy.bin");
            return log.size() >= 3;
        },
        10000));
    EXPECT_EQ(log[0].status, 503);
    EXPECT_EQ(log[1].status, 503);
    EXPECT_EQ(log[2].status, 206);
}

// ---- servers that ignore or botch ranges --------------------------------------------------

TEST_F(FaultDownloadTest, AServerIgnoringRangesIsFetchedOnOneConnection) {
    const QString sha = test::writeRandomFile(source("whole.bin"), 3 * MiB, 37);
    const DownloadId id = engine().add(request("ignore-range/whole.bin", "whole.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("whole.bin")), sha);
    EXPECT_EQ(m_tap.maxConnections(id), 1);
    // The answer to the probe (bytes=0-) is the whole file, and it is used: one GET in all.
    ASSERT_TRUE(test::waitFor([&] { return !served("/ignore-range/whole.bin").isEmpty(); }, 10000));
    const auto log = served("/ignore-range/whole.bin");
    ASSERT_EQ(log.size(), 1);
    EXPECT_EQ(log[0].status, 200);
    EXPECT_EQ(log[0].sent, 3 * MiB);
}

TEST_F(FaultDownloadTest, ResumingAgainstAServerIgnoringRangesStartsOverFromZero) {
    const QString sha = test::writeRandomFile(source("whole2.bin"), 3 * MiB, 38);
    IntervalSet done;
    done.add({0, kMinSplit});
    done.add({MiB, MiB + kMinSplit});
    ASSERT_TRUE(seedPart("whole2.bin", s_server->url("ignore-range/whole2.bin"), done));
    const DownloadId id = engine().add(request("ignore-range/whole2.bin", "whole2.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("whole2.bin")), sha);
    EXPECT_EQ(files(), QStringList{"whole2.bin"});
    // The file came whole, in one answer: the bytes of the old part were not spliced in.
    EXPECT_TRUE(test::waitFor(
        [&] {
            for (const auto& s : served("/ignore-range/whole2.bin")) {
                if (s.outcome == "complete" && s.status == 200 && s.sent == 3 * MiB) {
                    return true;
                }
            }
            return false;
        },
        10000));
}

TEST_F(FaultDownloadTest, AWrongContentRangeIsNeverWrittenAndFailsAsABadResponse) {
    m_config.retry.maxTries = 3;
    test::writeRandomFile(source("wrong.bin"), 2 * MiB, 39);
    const DownloadId id = engine().add(request("wrong-range/wrong.bin", "wrong.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::BadHttpResponse) << s.errorMessage;
    EXPECT_NE(s.errorMessage.find("Content-Range"), std::string::npos) << s.errorMessage;
    EXPECT_EQ(s.attempt, 3);
    EXPECT_TRUE(m_recorder.sawState(id, DownloadState::Retrying));
    EXPECT_TRUE(files().isEmpty()) << files().join(",").toStdString();
}

TEST_F(FaultDownloadTest, AWrongContentRangeLeavesAResumedPartUntouched) {
    m_config.retry.maxTries = 3;
    test::writeRandomFile(source("wrong2.bin"), 2 * MiB, 40);
    IntervalSet done;
    done.add({0, 300 * KiB});
    done.add({MiB, MiB + 300 * KiB});
    ASSERT_TRUE(seedPart("wrong2.bin", s_server->url("wrong-range/wrong2.bin"), done));
    const QByteArray before = readAll(path("wrong2.bin.part"));
    const DownloadId id = engine().add(request("wrong-range/wrong2.bin", "wrong2.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::BadHttpResponse) << s.errorMessage;
    EXPECT_EQ(s.doneBytes, done.coveredBytes());
    EXPECT_TRUE(readAll(path("wrong2.bin.part")) == before) << "the part file was written";
    EXPECT_EQ(test::controlRanges(path("wrong2.bin.part.maria2")), done);
    EXPECT_FALSE(QFileInfo::exists(path("wrong2.bin")));
}

TEST_F(FaultDownloadTest, APartShorterThanItsControlFileClaimsIsTrustedOnlyUpToItsEnd) {
    const QString sha = test::writeRandomFile(source("cut.bin"), 3 * MiB, 45);
    IntervalSet claimed;
    claimed.add({0, MiB});
    claimed.add({2 * MiB, 2 * MiB + kMinSplit});
    ASSERT_TRUE(seedPart("cut.bin", s_server->url("cut.bin"), claimed));
    // Cut short after its control file was written (as a crash mid-restart can leave it).
    ASSERT_TRUE(QFile::resize(path("cut.bin.part"), 512 * KiB));
    const DownloadId id = engine().add(request("cut.bin", "cut.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("cut.bin")), sha);
    ASSERT_TRUE(test::waitFor(
        [&] {
            for (const auto& s : served("/cut.bin")) {
                if (s.start == 512 * KiB) {
                    return true;
                }
            }
            return false;
        },
        10000))
        << "the missing tail of the first range was never fetched";
}

// ---- files that change --------------------------------------------------------------------

TEST_F(FaultDownloadTest, AFileChangedSinceAnEarlierRunStartsOverAndEndsAsTheNewFile) {
    test::writeRandomFile(source("chg1.bin"), 3 * MiB, 41);
    const QString newSha = changedSha(source("chg1.bin"));
    IntervalSet done;
    done.add({0, kMinSplit});
    done.add({2 * MiB, 2 * MiB + kMinSplit});
    ASSERT_TRUE(seedPart("chg1.bin", s_server->url("changing/chg1.bin"), done));
    ASSERT_TRUE(fetchOneByte(s_server->url("changing/chg1.bin"))); // the server's file changes
    const DownloadId id = engine().add(request("changing/chg1.bin", "chg1.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("chg1.bin")), newSha);
    EXPECT_EQ(s.totalBytes, 3 * MiB + 4096);
    EXPECT_FALSE(m_recorder.sawState(id, DownloadState::FileChanged));
    EXPECT_EQ(files(), QStringList{"chg1.bin"});
}

TEST_F(FaultDownloadTest, AFileChangingMidDownloadIsFileChangedAndResumeStartsOver) {
    test::writeRandomFile(source("chg2.bin"), 3 * MiB, 42);
    const QString newSha = changedSha(source("chg2.bin"));
    IntervalSet done;
    done.add({0, kMinSplit});
    done.add({MiB, MiB + kMinSplit});
    ASSERT_TRUE(seedPart("chg2.bin", s_server->url("changing/chg2.bin"), done));
    // One connection: it first fetches the largest gap, [1.25 MiB, 3 MiB), of the original; the
    // server's file changes as that answer ends, so the next range finds a new file.
    DownloadRequest r = request("changing/chg2.bin", "chg2.bin");
    r.split = 1;
    const DownloadId id = engine().add(r);
    ASSERT_TRUE(waitState(id, DownloadState::FileChanged));
    const auto s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::FileChanged) << s.errorMessage;
    IntervalSet kept = done;
    kept.add({MiB + kMinSplit, 3 * MiB});
    EXPECT_EQ(s.doneBytes, kept.coveredBytes()) << "the bytes are kept";
    EXPECT_EQ(test::controlRanges(path("chg2.bin.part.maria2")), kept);
    EXPECT_TRUE(partMatchesOriginal("chg2.bin", kept));
    EXPECT_FALSE(QFileInfo::exists(path("chg2.bin")));

    engine().resume(id); // a person's "start over"
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("chg2.bin")), newSha);
    EXPECT_EQ(files(), QStringList{"chg2.bin"});
}

// ---- expired links ------------------------------------------------------------------------

TEST_F(FaultDownloadTest, ALoginPageIsLinkExpiredAndANewUrlFetchesOnlyWhatIsMissing) {
    const qint64 size = 3 * MiB;
    const QString sha = test::writeRandomFile(source("login.bin"), size, 43);
    // An earlier run: four connections at 512 KiB/s each, stopped with a third on disk.
    const DownloadId first = engine().add(request("slow/login.bin?rate=524288", "login.bin"));
    ASSERT_TRUE(test::waitFor(
        [&] { return test::controlRanges(path("login.bin.part.maria2")).coveredBytes() >= MiB; },
        20000));
    engine().pause(first);
    ASSERT_TRUE(m_recorder.waitState(first, DownloadState::Paused));
    m_engine.reset();
    const IntervalSet onDisk = test::controlRanges(path("login.bin.part.maria2"));
    ASSERT_GE(onDisk.coveredBytes(), MiB);
    ASSERT_LT(onDisk.coveredBytes(), size);
    ASSERT_TRUE(partMatchesOriginal("login.bin", onDisk));

    // The link now answers with a login page.
    const DownloadId id = engine().add(request("login-page/login.bin", "login.bin"));
    ASSERT_TRUE(waitState(id, DownloadState::LinkExpired));
    const auto s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::LinkExpired) << s.errorMessage;
    EXPECT_EQ(s.doneBytes, onDisk.coveredBytes());
    EXPECT_NE(s.errorMessage.find("HTML"), std::string::npos) << s.errorMessage;
    EXPECT_FALSE(m_recorder.sawState(id, DownloadState::Failed));
    EXPECT_EQ(test::controlRanges(path("login.bin.part.maria2")), onDisk);
    EXPECT_TRUE(partMatchesOriginal("login.bin", onDisk));
    EXPECT_FALSE(readAll(path("login.bin.part")).contains("Sign in")) << "HTML written";
    EXPECT_EQ(QFileInfo(path("login.bin.part")).size(), size);
    EXPECT_FALSE(QFileInfo::exists(path("login.bin")));

    // A refreshed link: the same file, so the bytes are kept and only the rest is fetched.
    engine().changeUrl(id, s_server->url("login.bin").toStdString());
    engine().resume(id);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("login.bin")), sha);
    EXPECT_EQ(files(), QStringList{"login.bin"});
    QList<Served> log;
    ASSERT_TRUE(test::waitFor(
        [&] {
            log = served("/login.bin");
            return sentTotal(log) >= size - onDisk.coveredBytes();
        },
        10000));
    for (const auto& e : log) {
        EXPECT_EQ(e.status, 206);
        EXPECT_FALSE(onDisk.containsByte(e.start)) << "bytes " << e.start << "- fetched again";
    }
    EXPECT_LE(sentTotal(log), size - onDisk.coveredBytes() + 512 * KiB);
}

TEST_F(FaultDownloadTest, NotFoundAfterBytesExistIsLinkExpiredNotFailed) {
    const QString sha = test::writeRandomFile(source("gone.bin"), 3 * MiB, 44);
    const DownloadId id = engine().add(request("slow/gone.bin?rate=524288", "gone.bin"));
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        auto it = m.find(id);
        return it != m.end() && it->second.doneBytes >= 256 * KiB;
    }));
    // The file disappears from the server; the connections opened from now on get 404.
    ASSERT_TRUE(QFile::rename(source("gone.bin"), source("gone.hidden")));
    engine().pause(id);
    ASSERT_TRUE(m_recorder.waitState(id, DownloadState::Paused));
    const std::int64_t kept = m_recorder.last(id).doneBytes;
    engine().resume(id);
    ASSERT_TRUE(waitState(id, DownloadState::LinkExpired));
    const auto s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::LinkExpired) << s.errorMessage;
    EXPECT_EQ(s.error, ErrorCode::NotFound);
    EXPECT_NE(s.errorMessage.find("404"), std::string::npos) << s.errorMessage;
    EXPECT_EQ(s.doneBytes, kept);
    EXPECT_FALSE(m_recorder.sawState(id, DownloadState::Failed));
    EXPECT_TRUE(QFileInfo::exists(path("gone.bin.part")));
    EXPECT_EQ(test::controlRanges(path("gone.bin.part.maria2")).coveredBytes(), kept);

    // Back (same bytes, same date: same ETag): a resume finishes it.
    ASSERT_TRUE(QFile::rename(source("gone.hidden"), source("gone.bin")));
    engine().resume(id);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("gone.bin")), sha);
}

} // namespace
