// The maria2c binary, run as a person or a script runs it, against real servers.
#include "ResumeHelpers.h"
#include "support/TestServers.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <csignal>
#include <memory>

namespace {

using maria2::test::NginxServer;

// two.bin (2 MiB) under a 512 KiB/s limit takes 4 s; a run that is not done after this (0.3 x
// the limit) was starved by the limiter, not slowed by it.
constexpr qint64 kLimitedRunMaxMs = qint64(4000 / 0.3);

struct RunResult {
    int exitCode = -1;
    QString out;
    QString err;
};

class CliTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = maria2::test::writeRandomFile(s_nginx->docRoot() + "/file.bin", 1536 * 1024, 21);
        s_slowSha =
            maria2::test::writeRandomFile(s_nginx->docRoot() + "/big.bin", 3 * 1024 * 1024, 22);
        s_twoSha =
            maria2::test::writeRandomFile(s_nginx->docRoot() + "/two.bin", 2 * 1024 * 1024, 23);
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_home.isValid());
        ASSERT_TRUE(m_out.isValid());
    }

    // A private HOME and XDG folders: no user config or log of the machine's user is touched.
    QProcessEnvironment env() const {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("HOME", m_home.path());
        e.insert("XDG_CONFIG_HOME", m_home.path() + "/.config");
        e.insert("XDG_DATA_HOME", m_home.path() + "/.local/share");
        for (const char* proxy : {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY",
                                  "HTTPS_PROXY", "ALL_PROXY", "ftp_proxy"}) {
            e.remove(proxy);
        }
        return e;
    }

    // Full speed unless the test sets a limit itself, whatever a config might set.
    RunResult run(const QStringList& args) {
        return runRaw(QStringList{"--max-overall-download-limit=0"} + args);
    }
    RunResult runRaw(const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(MARIA2C_PATH, args);
        EXPECT_TRUE(p.waitForFinished(120000)) << "maria2c did not finish";
        RunResult r;
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    QString out(const QString& name) const { return m_out.path() + "/" + name; }
    QStringList files() const { return QDir(m_out.path()).entryList(QDir::Files | QDir::Hidden); }

    static std::unique_ptr<NginxServer> s_nginx;
    static QString s_sha;
    static QString s_slowSha;
    static QString s_twoSha;
    QTemporaryDir m_home;
    QTemporaryDir m_out;
};

std::unique_ptr<NginxServer> CliTest::s_nginx;
QString CliTest::s_sha;
QString CliTest::s_slowSha;
QString CliTest::s_twoSha;

// The JSON objects of a --stats-json stream; a line that is not one fails the test.
QList<QJsonObject> jsonLines(const QString& text) {
    QList<QJsonObject> out;
    for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &error);
        EXPECT_EQ(error.error, QJsonParseError::NoError) << line.toStdString();
        EXPECT_TRUE(doc.isObject()) << line.toStdString();
        out.append(doc.object());
    }
    return out;
}

TEST_F(CliTest, DownloadsAFileAndPrintsTheSummary) {
    const RunResult r = run({"-d", m_out.path(), s_nginx->httpUrl("file.bin")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("file.bin")), s_sha);
    EXPECT_TRUE(r.out.contains("Download Results:")) << r.out.toStdString();
    EXPECT_TRUE(r.out.contains("|  OK|")) << r.out.toStdString();
    EXPECT_EQ(files(), QStringList{"file.bin"});
}

TEST_F(CliTest, OutNamesTheFileAndQuietPrintsNothing) {
    const RunResult r =
        run({"-q", "--dir=" + m_out.path(), "-o", "named.dat", s_nginx->httpUrl("file.bin")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.isEmpty()) << r.out.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("named.dat")), s_sha);
}

TEST_F(CliTest, NotFoundExitsWith3AndLeavesNoFile) {
    const RunResult r = run({"-d", m_out.path(), s_nginx->httpUrl("missing.bin")});
    EXPECT_EQ(r.exitCode, 3);
    EXPECT_TRUE(r.err.contains("404")) << r.err.toStdString();
    EXPECT_TRUE(files().isEmpty()) << files().join(",").toStdString();
}

TEST_F(CliTest, HttpsNeedsItsCaOrAnExplicitOptOut) {
    const RunResult refused = run({"-d", m_out.path(), "-m", "1", s_nginx->httpsUrl("file.bin")});
    EXPECT_EQ(refused.exitCode, 6);
    EXPECT_TRUE(refused.err.contains("certificate")) << refused.err.toStdString();
    EXPECT_TRUE(files().isEmpty());

    const RunResult trusted = run({"-d", m_out.path(), "--ca-certificate=" + s_nginx->caCertPath(),
                                   s_nginx->httpsUrl("file.bin")});
    ASSERT_EQ(trusted.exitCode, 0) << trusted.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("file.bin")), s_sha);

    const RunResult insecure = run({"-d", m_out.path(), "-o", "insecure.bin",
                                    "--check-certificate=false", s_nginx->httpsUrl("file.bin")});
    ASSERT_EQ(insecure.exitCode, 0) << insecure.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("insecure.bin")), s_sha);
}

TEST_F(CliTest, InputFileSkipsCommentsAndBlankLines) {
    QFile list(m_home.path() + "/list.txt");
    ASSERT_TRUE(list.open(QIODevice::WriteOnly));
    list.write(("# my downloads\n\n" + s_nginx->httpUrl("file.bin") + "\n   \n" +
                s_nginx->httpUrl("redirect/big.bin") + "\n")
                   .toUtf8());
    list.close();
    const RunResult r = run({"-d", m_out.path(), "-j", "2", "-i", list.fileName()});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("file.bin")), s_sha);
    EXPECT_EQ(maria2::test::sha256OfFile(out("big.bin")), s_slowSha);
}

TEST_F(CliTest, SecondRunDoesNotOverwriteUnlessAllowed) {
    ASSERT_EQ(run({"-d", m_out.path(), s_nginx->httpUrl("file.bin")}).exitCode, 0);
    ASSERT_EQ(run({"-d", m_out.path(), s_nginx->httpUrl("file.bin")}).exitCode, 0);
    EXPECT_TRUE(QFileInfo::exists(out("file (1).bin")));
    ASSERT_EQ(
        run({"-d", m_out.path(), "--allow-overwrite=true", s_nginx->httpUrl("file.bin")}).exitCode,
        0);
    EXPECT_EQ(files(), (QStringList{"file (1).bin", "file.bin"}));
}

TEST_F(CliTest, CtrlCLeavesAResumablePartFileAndDashCFinishesIt) {
    QProcess p;
    p.setProcessEnvironment(env());
    p.start(MARIA2C_PATH, {"--max-overall-download-limit=0", "-d", m_out.path(),
                           s_nginx->httpUrl("slow/big.bin")});
    ASSERT_TRUE(p.waitForStarted());
    // Progress is recorded (after an fsync) in the control file about once a second.
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            return maria2::test::controlRanges(out("big.bin.part.maria2")).coveredBytes() >=
                   200 * 1024;
        },
        30000));
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    ASSERT_TRUE(p.waitForFinished(30000));
    EXPECT_EQ(p.exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(p.exitCode(), 7) << p.readAllStandardError().toStdString();
    const maria2::IntervalSet onDisk = maria2::test::controlRanges(out("big.bin.part.maria2"));
    EXPECT_GE(onDisk.coveredBytes(), 200 * 1024);
    EXPECT_LT(onDisk.coveredBytes(), 3 * 1024 * 1024);
    EXPECT_TRUE(QFileInfo::exists(out("big.bin.part")));
    EXPECT_FALSE(QFileInfo::exists(out("big.bin")));

    s_nginx->clearAccessLog();
    const RunResult r = run({"-c", "-d", m_out.path(), s_nginx->httpUrl("big.bin")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("big.bin")), s_slowSha);
    EXPECT_EQ(files(), QStringList{"big.bin"});
    ASSERT_TRUE(maria2::test::waitFor([&] { return !s_nginx->accessLog().isEmpty(); }, 10000));
    for (const auto& e : s_nginx->accessLog()) { // nothing on disk is fetched again
        EXPECT_FALSE(onDisk.containsByte(maria2::test::rangeStart(e.range)))
            << e.range.toStdString();
    }
}

TEST_F(CliTest, SecretsNeverReachTheLog) {
    const QString log = m_home.path() + "/run.log";
    const RunResult r =
        run({"-d", m_out.path(), "--log-level=debug", "-l", log,
             "--header=Authorization: Bearer TOPSECRET42", "--header=Cookie: sid=COOKIE77",
             "--all-proxy=http://user:PROXYPASS9@127.0.0.1:1", "--check-certificate=false", "-m",
             "1", s_nginx->httpUrl("file.bin")});
    // The proxy is unreachable, so the download fails; the log must still be clean.
    EXPECT_NE(r.exitCode, 0);
    QFile f(log);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll()) + r.out + r.err;
    EXPECT_FALSE(text.isEmpty());
    EXPECT_FALSE(text.contains("TOPSECRET42")) << text.toStdString();
    EXPECT_FALSE(text.contains("COOKIE77")) << text.toStdString();
    EXPECT_FALSE(text.contains("PROXYPASS9")) << text.toStdString();

    const RunResult direct =
        run({"-d", m_out.path(), "--log-level=debug", "-l", log,
             "--header=Authorization: Bearer TOPSECRET42", s_nginx->httpUrl("file.bin")});
    ASSERT_EQ(direct.exitCode, 0) << direct.err.toStdString();
    ASSERT_TRUE(f.seek(0));
    const QString second = QString::fromUtf8(f.readAll());
    EXPECT_TRUE(second.contains("Authorization: ***")) << second.toStdString();
    EXPECT_FALSE(second.contains("TOPSECRET42"));
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            for (const auto& e : s_nginx->accessLog()) {
                if (e.hasAuthorization) {
                    return true;
                }
            }
            return false;
        },
        10000));
}

TEST_F(CliTest, BadOptionsAndConfigsExitWith28AndSayWhatIsWrong) {
    RunResult r = run({"--no-such-option"});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("--no-such-option")) << r.err.toStdString();

    r = run({"-d", m_out.path(), "gopher://example.invalid/x"});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("gopher")) << r.err.toStdString();

    r = run({"-j", "zero", s_nginx->httpUrl("file.bin")});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("max-concurrent-downloads")) << r.err.toStdString();

    const QString conf = m_home.path() + "/bad.json";
    QFile f(conf);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("{ \"PerformanceSettings\": { \"CacheSize\": \"big\" } }");
    f.close();
    r = run({"--conf-path=" + conf, "-d", m_out.path(), s_nginx->httpUrl("file.bin")});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("CacheSize")) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("bad.json")) << r.err.toStdString();
    EXPECT_TRUE(files().isEmpty());
}

TEST_F(CliTest, UserConfigIsReadAndConfPathOverridesIt) {
    // The user config sets a folder; --conf-path then sets another one, which wins.
    QDir().mkpath(m_home.path() + "/.config/maria2");
    QFile user(m_home.path() + "/.config/maria2/maria2.json");
    ASSERT_TRUE(user.open(QIODevice::WriteOnly));
    user.write(
        ("{ // user settings\n \"Download\": { \"Directory\": \"" + m_home.path() + "/userdl\" } }")
            .toUtf8());
    user.close();
    ASSERT_EQ(run({"-q", s_nginx->httpUrl("file.bin")}).exitCode, 0);
    EXPECT_EQ(maria2::test::sha256OfFile(m_home.path() + "/userdl/file.bin"), s_sha);

    const QString conf = m_home.path() + "/other.json";
    QFile other(conf);
    ASSERT_TRUE(other.open(QIODevice::WriteOnly));
    other.write(("{ \"Download\": { \"Directory\": \"" + m_out.path() + "\" } }").toUtf8());
    other.close();
    ASSERT_EQ(run({"-q", "--conf-path", conf, s_nginx->httpUrl("file.bin")}).exitCode, 0);
    EXPECT_EQ(maria2::test::sha256OfFile(out("file.bin")), s_sha);
}

TEST_F(CliTest, HelpAndVersion) {
    RunResult r = run({"--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_TRUE(r.out.contains("--max-concurrent-downloads"));
    r = run({"-v"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_TRUE(r.out.startsWith("maria2c ")) << r.out.toStdString();
}

TEST_F(CliTest, OverallLimitSlowsTheDownloadAndStatsJsonRecordsIt) {
    const QString stats = m_home.path() + "/stats.jsonl";
    QElapsedTimer clock;
    clock.start();
    const RunResult r = runRaw({"-d", m_out.path(), "--max-overall-download-limit=512K",
                                "--stats-json=" + stats, s_nginx->httpUrl("two.bin")});
    const qint64 elapsedMs = clock.elapsed();
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("two.bin")), s_twoSha);
    // 2 MiB at 512 KiB/s is 4 s: not much sooner (room for the bucket's initial burst), and not
    // so much later that the limiter must have starved it (at least 0.3 x the limit, start-up of
    // the sanitized maria2c included).
    EXPECT_GE(elapsedMs, 2500);
    EXPECT_LE(elapsedMs, kLimitedRunMaxMs);

    QFile f(stats);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    EXPECT_TRUE(text.endsWith('\n')) << "every line is complete";
    const QList<QJsonObject> lines = jsonLines(text);
    ASSERT_GE(lines.size(), 1);
    for (const QJsonObject& o : lines) {
        for (const char* key : {"time", "speed", "cpu", "memory", "downloads", "efficiency"}) {
            EXPECT_TRUE(o.contains(key)) << key << " in " << text.toStdString();
        }
        EXPECT_TRUE(o.value("downloads").isArray());
        // The limit in force: the user's, or lower if the governor capped it on a busy machine.
        EXPECT_GT(o.value("speedLimit").toDouble(), 0);
        EXPECT_LE(o.value("speedLimit").toDouble(), 512 * 1024);
    }
}

TEST_F(CliTest, PerDownloadLimitAndStatsOnStdout) {
    QElapsedTimer clock;
    clock.start();
    const RunResult r = run({"-d", m_out.path(), "--max-download-limit=512K", "--stats-json=-",
                             s_nginx->httpUrl("two.bin")});
    const qint64 elapsedMs = clock.elapsed();
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(maria2::test::sha256OfFile(out("two.bin")), s_twoSha);
    EXPECT_GE(elapsedMs, 2500); // 4 s at the limit
    EXPECT_LE(elapsedMs, kLimitedRunMaxMs);
    // stdout carries only the JSON lines; the person's notices and summary move to stderr.
    const QList<QJsonObject> lines = jsonLines(r.out);
    ASSERT_GE(lines.size(), 1) << r.out.toStdString();
    EXPECT_TRUE(lines.last().contains("efficiency"));
    EXPECT_TRUE(r.err.contains("Download Results:")) << r.err.toStdString();
    EXPECT_FALSE(r.out.contains("Download Results:"));
}

TEST_F(CliTest, BadLimitsAndAnUnwritableStatsFileExitWith28) {
    RunResult r = run(
        {"-d", m_out.path(), "--max-overall-download-limit=fast", s_nginx->httpUrl("file.bin")});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("--max-overall-download-limit")) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("'fast'")) << r.err.toStdString();

    r = run({"-d", m_out.path(), "--max-download-limit=-1M", s_nginx->httpUrl("file.bin")});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("--max-download-limit")) << r.err.toStdString();

    const QString unwritable = m_home.path() + "/no/such/folder/stats.jsonl";
    r = run({"-d", m_out.path(), "--stats-json=" + unwritable, s_nginx->httpUrl("file.bin")});
    EXPECT_EQ(r.exitCode, 28);
    EXPECT_TRUE(r.err.contains("--stats-json")) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains(unwritable)) << r.err.toStdString();
    EXPECT_TRUE(files().isEmpty()) << "nothing started";
}

// Requests maria2c made for /status/500 (the access log, read after the run ended).
int requestsFor500(const NginxServer& nginx) {
    int n = 0;
    for (const auto& e : nginx.accessLog())
        n += e.uri == "/status/500" ? 1 : 0;
    return n;
}

TEST_F(CliTest, ExitsWithTheDownloadsResultWithoutQueueRetries) {
    // By default a failed download is not restarted by the queue: one request, then exit 22.
    s_nginx->clearAccessLog();
    const RunResult r = run({"-d", m_out.path(), "-m", "1", s_nginx->httpUrl("status/500")});
    EXPECT_EQ(r.exitCode, 22) << r.err.toStdString();
    ASSERT_TRUE(maria2::test::waitFor([&] { return requestsFor500(*s_nginx) >= 1; }, 10000));
    EXPECT_EQ(requestsFor500(*s_nginx), 1);
}

TEST_F(CliTest, QueueRetriesRestartAFailedDownload) {
    // --queue-retries=1 (with a short delay from the config) restarts it once, then exits 22.
    const QString conf = m_home.path() + "/quick-retry.json";
    QFile f(conf);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("{ \"Queue\": { \"RetryDelaySeconds\": 1 } }");
    f.close();
    s_nginx->clearAccessLog();
    const RunResult r = run({"--conf-path=" + conf, "-d", m_out.path(), "-m", "1",
                             "--queue-retries=1", s_nginx->httpUrl("status/500")});
    EXPECT_EQ(r.exitCode, 22) << r.err.toStdString();
    ASSERT_TRUE(maria2::test::waitFor([&] { return requestsFor500(*s_nginx) >= 2; }, 10000));
    EXPECT_EQ(requestsFor500(*s_nginx), 2);
}

} // namespace
