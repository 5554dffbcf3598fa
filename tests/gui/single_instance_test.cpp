// SingleInstance: the message format (malformed and oversized ones refused), the hand-over in
// one process (the sender on a thread of its own, since it waits for the answer this thread
// gives), and between REAL processes: the `maria2` binary started twice with its own config,
// data and runtime folders - the second hands its URL over and exits 0, the first downloads it;
// a crashed instance's socket is taken over; two started at once end as one. (These processes
// opt out of confirming handed-over URLs, so they download at once; the confirmation and the
// socket's security: single_instance_security_test.cpp.)
#include "SingleInstance.h"
#include "support/TestServers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QTemporaryDir>
#include <QThread>
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <memory>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using maria2::gui::InstanceMessage;
using maria2::gui::SingleInstance;
using Outcome = maria2::gui::SingleInstance::Outcome;
using SendResult = maria2::gui::SingleInstance::SendResult;

namespace {

// Runs fn on a thread of its own while this thread keeps serving events; its result.
template <typename Fn> auto onOtherThread(Fn fn) {
    decltype(fn()) result{};
    std::unique_ptr<QThread> thread(QThread::create([&] { result = fn(); }));
    thread->start();
    EXPECT_TRUE(maria2::test::waitFor([&] { return thread->isFinished(); }, 30000));
    thread->wait();
    return result;
}

// A raw client: sends bytes, returns the server's one-line answer as JSON.
QJsonObject rawExchange(const QString& name, const QByteArray& bytes) {
    QLocalSocket socket;
    socket.connectToServer(name);
    EXPECT_TRUE(socket.waitForConnected(5000)) << socket.errorString().toStdString();
    socket.write(bytes);
    QByteArray answer;
    maria2::test::waitFor(
        [&] {
            answer += socket.readAll();
            return answer.contains('\n') || socket.state() == QLocalSocket::UnconnectedState;
        },
        15000);
    answer += socket.readAll();
    return QJsonDocument::fromJson(answer.left(answer.indexOf('\n'))).object();
}

} // namespace

TEST(InstanceMessageTest, RoundTripsAndReadsTheDefaults) {
    InstanceMessage message;
    message.urls = {QStringLiteral("https://example.com/a b.iso"),
                    QStringLiteral("http://example.com/\n")};
    message.show = false;
    const QByteArray line = maria2::gui::encodeInstanceMessage(message);
    ASSERT_TRUE(line.endsWith('\n'));
    EXPECT_EQ(line.count('\n'), 1); // one line, whatever the URLs hold
    QString error;
    const auto parsed = maria2::gui::parseInstanceMessage(line.chopped(1), &error);
    ASSERT_TRUE(parsed.has_value()) << error.toStdString();
    EXPECT_EQ(parsed->urls, message.urls);
    EXPECT_FALSE(parsed->show);

    // Only "v" is required; unknown keys (a later version's additions) are ignored.
    const auto minimal = maria2::gui::parseInstanceMessage(R"({"v":1,"future":[1,2]})", &error);
    ASSERT_TRUE(minimal.has_value()) << error.toStdString();
    EXPECT_TRUE(minimal->urls.isEmpty());
    EXPECT_TRUE(minimal->show);
}

TEST(InstanceMessageTest, RefusesWhatIsNotAVersionOneMessage) {
    const std::vector<std::pair<QByteArray, QString>> bad = {
        {"", QStringLiteral("not JSON")},
        {"{\"v\":1,", QStringLiteral("not JSON")},
        {"[1,2]", QStringLiteral("not a JSON object")},
        {R"({"urls":["http://a"]})", QStringLiteral("no protocol version")},
        {R"({"v":2,"urls":[]})", QStringLiteral("unsupported protocol version 2")},
        {R"({"v":"1"})", QStringLiteral("unsupported protocol version")},
        {R"({"v":1,"urls":"http://a"})", QStringLiteral("\"urls\" is not an array")},
        {R"({"v":1,"urls":["http://a",3]})", QStringLiteral("not a non-empty string")},
        {R"({"v":1,"urls":[""]})", QStringLiteral("not a non-empty string")},
        {R"({"v":1,"show":"yes"})", QStringLiteral("\"show\" is not true or false")},
    };
    for (const auto& [line, expected] : bad) {
        QString error;
        EXPECT_FALSE(maria2::gui::parseInstanceMessage(line, &error).has_value())
            << line.toStdString();
        EXPECT_TRUE(error.contains(expected))
            << line.toStdString() << " -> " << error.toStdString();
    }
    QString error;
    const QByteArray huge =
        R"({"v":1,"urls":[")" + QByteArray(maria2::gui::kMaxInstanceMessageBytes, 'a') + R"("]})";
    EXPECT_FALSE(maria2::gui::parseInstanceMessage(huge, &error).has_value());
    EXPECT_TRUE(error.contains(QStringLiteral("too long"))) << error.toStdString();
}

TEST(InstanceMessageTest, ServerNamesDifferPerDataFolder) {
    const QString a = maria2::gui::instanceServerName(QStringLiteral("/home/a/.local/share/maria2"),
                                                      QStringLiteral("/run/user/1000"));
    const QString b = maria2::gui::instanceServerName(QStringLiteral("/home/b/.local/share/maria2"),
                                                      QStringLiteral("/run/user/1000"));
    EXPECT_NE(a, b);
    EXPECT_TRUE(a.startsWith(QStringLiteral("/run/user/1000/maria2-"))) << a.toStdString();
    EXPECT_EQ(a, maria2::gui::instanceServerName(
                     QStringLiteral("/home/a/.local/share/maria2/"), // same folder
                     QStringLiteral("/run/user/1000")));
}

class SingleInstanceTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_name = m_dir.path() + QStringLiteral("/instance");
    }
    QTemporaryDir m_dir;
    QString m_name;
};

TEST_F(SingleInstanceTest, TheFirstListensUserOnlyAndTheSecondHandsOver) {
    SingleInstance primary(m_name);
    QString error;
    ASSERT_EQ(primary.start({}, &error, 2000), Outcome::Primary) << error.toStdString();
    EXPECT_TRUE(primary.isListening());
    const QFileInfo socketFile(m_name);
    ASSERT_TRUE(socketFile.exists());
    // Nobody but this user may connect.
    EXPECT_EQ(socketFile.permissions() &
                  (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
              QFile::Permissions());
    std::vector<InstanceMessage> received;
    QObject::connect(&primary, &SingleInstance::messageReceived,
                     [&](const InstanceMessage& m) { received.push_back(m); });

    InstanceMessage message;
    message.urls = {QStringLiteral("http://127.0.0.1:9/one.bin")};
    const Outcome second = onOtherThread([&] {
        SingleInstance other(m_name);
        QString e;
        return other.start(message, &e, 5000);
    });
    EXPECT_EQ(second, Outcome::HandedOver);
    ASSERT_TRUE(maria2::test::waitFor([&] { return received.size() == 1; }, 5000));
    EXPECT_EQ(received.front().urls, message.urls);
    EXPECT_TRUE(received.front().show);
    EXPECT_TRUE(primary.isListening());

    primary.close();
    EXPECT_FALSE(QFileInfo::exists(m_name)); // nothing stale after a clean exit
}

TEST_F(SingleInstanceTest, MalformedAndOversizedMessagesAreRefusedAndTheServerGoesOn) {
    SingleInstance primary(m_name);
    QString error;
    ASSERT_EQ(primary.start({}, &error, 2000), Outcome::Primary) << error.toStdString();
    int received = 0;
    QObject::connect(&primary, &SingleInstance::messageReceived,
                     [&](const InstanceMessage&) { ++received; });

    const QJsonObject malformed = rawExchange(m_name, "this is not json\n");
    EXPECT_EQ(malformed.value(QStringLiteral("ok")).toBool(true), false);
    EXPECT_TRUE(malformed.value(QStringLiteral("error")).toString().contains("not JSON"));

    const QJsonObject future = rawExchange(m_name, "{\"v\":7,\"urls\":[]}\n");
    EXPECT_EQ(future.value(QStringLiteral("ok")).toBool(true), false);
    EXPECT_TRUE(future.value(QStringLiteral("error")).toString().contains("version 7"));

    // No newline, ever: cut off at the limit rather than buffered without end.
    const QJsonObject oversized =
        rawExchange(m_name, QByteArray(maria2::gui::kMaxInstanceMessageBytes + 4096, 'x'));
    EXPECT_EQ(oversized.value(QStringLiteral("ok")).toBool(true), false);
    EXPECT_TRUE(oversized.value(QStringLiteral("error")).toString().contains("too long"))
        << QJsonDocument(oversized).toJson().toStdString();
    EXPECT_EQ(received, 0);

    // Still serving.
    const SendResult ok = onOtherThread([&] {
        QString e;
        return SingleInstance::send(m_name, {}, 5000, &e);
    });
    EXPECT_EQ(ok, SendResult::Delivered);
    EXPECT_TRUE(maria2::test::waitFor([&] { return received == 1; }, 5000));
}

TEST_F(SingleInstanceTest, AStaleSocketFileIsTakenOver) {
    // What a crashed instance leaves: a socket file nobody listens on.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray path = QFile::encodeName(m_name);
    ASSERT_LT(size_t(path.size()), sizeof(address.sun_path));
    std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ::close(fd);
    ASSERT_TRUE(QFileInfo::exists(m_name));
    QString error;
    EXPECT_EQ(SingleInstance::send(m_name, {}, 2000, &error), SendResult::NoInstance);

    SingleInstance primary(m_name);
    ASSERT_EQ(primary.start({}, &error, 2000), Outcome::Primary) << error.toStdString();
    const SendResult handed = onOtherThread([&] {
        QString e;
        return SingleInstance::send(m_name, {}, 5000, &e);
    });
    EXPECT_EQ(handed, SendResult::Delivered);
}

TEST_F(SingleInstanceTest, NoAnswerInTimeIsAFailureNotAHandOver) {
    // Someone listens but never answers (a hung instance).
    SingleInstance primary(m_name);
    QString error;
    ASSERT_EQ(primary.start({}, &error, 2000), Outcome::Primary) << error.toStdString();
    // This thread does not serve events while the sender waits: no answer can come.
    EXPECT_EQ(SingleInstance::send(m_name, {}, 300, &error), SendResult::Failed);
    EXPECT_TRUE(error.contains(QStringLiteral("did not answer"))) << error.toStdString();
}

#ifdef MARIA2_GUI_PATH

// The real `maria2` binary, twice, against a real nginx.
class SingleInstanceProcessTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<maria2::test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha1 = maria2::test::writeRandomFile(s_nginx->docRoot() + "/handed.bin", 700 * 1024, 61);
        s_sha2 = maria2::test::writeRandomFile(s_nginx->docRoot() + "/again.bin", 300 * 1024, 62);
        ASSERT_FALSE(s_sha1.isEmpty());
        ASSERT_FALSE(s_sha2.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_home.isValid());
        const QString root = m_home.path();
        ASSERT_TRUE(QDir().mkpath(root + "/config/maria2"));
        ASSERT_TRUE(QDir().mkpath(root + "/data"));
        ASSERT_TRUE(QDir().mkpath(root + "/runtime"));
        ASSERT_TRUE(QDir().mkpath(root + "/downloads"));
        ASSERT_TRUE(QFile::setPermissions(root + "/runtime",
                                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QFile config(root + "/config/maria2/maria2.json"); // AppSetup's userConfigPath()
        ASSERT_TRUE(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral(R"({
  "Download": { "Directory": "%1" },
  "Interface": { "ProgressIntervalMs": 100, "ConfirmUrlsFromOtherProcesses": false },
  "PerformanceSettings": {
    "DownloadSpeedLimit": 0,
    "ResourceThreshold": { "CPUUsage": 100, "MemoryUsage": 100 }
  }
})")
                         .arg(downloads())
                         .toUtf8());
        config.close();
        m_name = maria2::gui::instanceServerName(root + "/data/maria2", root + "/runtime");
    }

    QString downloads() const { return m_home.path() + "/downloads"; }

    maria2::test::ChildSpec spec(const QStringList& args) {
        const QString root = m_home.path();
        maria2::test::ChildSpec s;
        s.program = QStringLiteral(MARIA2_GUI_PATH);
        s.args = args;
        s.outputFile = root + QStringLiteral("/maria2-%1.log").arg(++m_runs);
        const QString noBus = QStringLiteral("unix:path=") + root + "/no-bus";
        s.setEnv = {QStringLiteral("QT_QPA_PLATFORM=offscreen"),
                    "XDG_CONFIG_HOME=" + root + "/config", "XDG_DATA_HOME=" + root + "/data",
                    "XDG_RUNTIME_DIR=" + root + "/runtime",
                    // Never the machine's logind or portal: keep awake finds no bus and says so.
                    "DBUS_SYSTEM_BUS_ADDRESS=" + noBus, "DBUS_SESSION_BUS_ADDRESS=" + noBus};
        return s;
    }

    // True once an instance answers on this home's socket (and so runs its event loop).
    bool answers(int timeoutMs) const {
        InstanceMessage ping;
        ping.show = false;
        return maria2::test::waitFor(
            [&] {
                QString e;
                return SingleInstance::send(m_name, ping, 2000, &e) == SendResult::Delivered;
            },
            timeoutMs);
    }

    bool downloaded(const QString& name, const QString& sha) const {
        return maria2::test::waitFor(
            [&] { return maria2::test::sha256OfFile(downloads() + "/" + name) == sha; }, 60000);
    }

    QString output(const maria2::test::ChildSpec& s) const {
        QFile f(s.outputFile);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    static std::unique_ptr<maria2::test::NginxServer> s_nginx;
    static QString s_sha1;
    static QString s_sha2;
    QTemporaryDir m_home;
    QString m_name;
    int m_runs = 0;
};

std::unique_ptr<maria2::test::NginxServer> SingleInstanceProcessTest::s_nginx;
QString SingleInstanceProcessTest::s_sha1;
QString SingleInstanceProcessTest::s_sha2;

TEST_F(SingleInstanceProcessTest, ASecondMaria2HandsItsUrlToTheRunningOne) {
    maria2::test::ChildProcess first;
    QString error;
    const auto firstSpec = spec({});
    ASSERT_TRUE(first.start(firstSpec, &error)) << error.toStdString();
    ASSERT_TRUE(answers(60000)) << output(firstSpec).toStdString();

    const auto secondSpec = spec({s_nginx->httpUrl("/handed.bin")});
    EXPECT_TRUE(maria2::test::ChildProcess::run(secondSpec, 30000, &error)) << error.toStdString();
    ASSERT_TRUE(downloaded("handed.bin", s_sha1)) << output(firstSpec).toStdString();
    EXPECT_TRUE(first.isRunning());

    // `maria2` alone while it runs: only brings the window up, and exits 0 too.
    EXPECT_TRUE(maria2::test::ChildProcess::run(spec({}), 30000, &error)) << error.toStdString();
    EXPECT_TRUE(first.isRunning());

    first.stop(); // SIGTERM: quits like Ctrl+Q
    EXPECT_FALSE(QFileInfo::exists(m_name)) << "a clean exit leaves no socket behind";
}

TEST_F(SingleInstanceProcessTest, AfterACrashTheNextOneBecomesTheInstance) {
    maria2::test::ChildProcess first;
    QString error;
    ASSERT_TRUE(first.start(spec({}), &error)) << error.toStdString();
    ASSERT_TRUE(answers(60000));
    ASSERT_EQ(::kill(pid_t(first.pid()), SIGKILL), 0);
    ASSERT_TRUE(first.waitForExit(10000));
    ASSERT_TRUE(QFileInfo::exists(m_name)) << "kill -9 leaves the socket file";

    maria2::test::ChildProcess next;
    const auto nextSpec = spec({});
    ASSERT_TRUE(next.start(nextSpec, &error)) << error.toStdString();
    ASSERT_TRUE(answers(60000)) << output(nextSpec).toStdString();
    EXPECT_TRUE(next.isRunning());
    // And it takes URLs like the first did.
    EXPECT_TRUE(
        maria2::test::ChildProcess::run(spec({s_nginx->httpUrl("/again.bin")}), 30000, &error))
        << error.toStdString();
    EXPECT_TRUE(downloaded("again.bin", s_sha2)) << output(nextSpec).toStdString();
    next.stop();
}

TEST_F(SingleInstanceProcessTest, TwoStartedAtOnceEndAsOne) {
    maria2::test::ChildProcess a;
    maria2::test::ChildProcess b;
    QString error;
    const auto specA = spec({});
    const auto specB = spec({});
    ASSERT_TRUE(a.start(specA, &error)) << error.toStdString();
    ASSERT_TRUE(b.start(specB, &error)) << error.toStdString();
    int statusA = -1;
    int statusB = -1;
    bool aExited = false;
    bool bExited = false;
    ASSERT_TRUE(maria2::test::waitFor(
        [&] {
            aExited = aExited || a.waitForExit(0, &statusA);
            bExited = bExited || b.waitForExit(0, &statusB);
            return aExited || bExited;
        },
        60000))
        << output(specA).toStdString() << output(specB).toStdString();
    EXPECT_NE(aExited, bExited) << "exactly one of them goes";
    const int status = aExited ? statusA : statusB;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << (aExited ? output(specA) : output(specB)).toStdString();
    EXPECT_TRUE(answers(30000));
    EXPECT_TRUE(aExited ? b.isRunning() : a.isRunning());
}

TEST_F(SingleInstanceProcessTest, VersionAndHelpNeedNoDisplay) {
    for (const auto& [arg, expected] : {std::pair{QStringLiteral("--version"), "MAria2"},
                                        std::pair{QStringLiteral("--help"), "URL"}}) {
        auto s = spec({arg});
        s.setEnv.removeFirst(); // no QT_QPA_PLATFORM ...
        s.unsetEnv = {QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("DISPLAY"),
                      QStringLiteral("WAYLAND_DISPLAY")}; // ... and no display at all
        QString error;
        EXPECT_TRUE(maria2::test::ChildProcess::run(s, 30000, &error)) << error.toStdString();
        EXPECT_TRUE(output(s).contains(QLatin1String(expected))) << output(s).toStdString();
    }
    EXPECT_FALSE(QFileInfo::exists(m_name)); // nothing started
}

#endif
