// The single-instance socket stays this user's (docs/security.md, "Local sockets"): it lives in a
// folder only this user can use ($XDG_RUNTIME_DIR when private, else <temp>/maria2-<uid>, 0700)
// and a planted folder (too open, a link, another user's) is refused rather than used; each end
// checks the other end's user (PeerCheck), so a process of another user is dropped without an
// answer and is told nothing; URLs from another process wait for the person in the add dialog
// unless they opted out. The other-user cases fork a child that becomes `nobody` (65534): they
// need root and are skipped, saying so, otherwise.
#include "AddUrlsDialog.h"
#include "MainWindow.h"
#include "PeerCheck.h"
#include "SettingsDialog.h"
#include "SingleInstance.h"
#include "session/Session.h"
#include "session/SessionSettings.h"
#include "support/TestServers.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QThread>
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <memory>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using maria2::gui::InstanceMessage;
using maria2::gui::MainWindow;
using maria2::gui::SingleInstance;

namespace {

constexpr uid_t kNobody = 65534;

// Sets (or unsets) an environment variable for one test and puts the old value back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::optional<QByteArray>& value)
        : m_name(name)
        , m_had(qEnvironmentVariableIsSet(name))
        , m_old(qgetenv(name)) {
        if (value)
            qputenv(name, *value);
        else
            qunsetenv(name);
    }
    ~ScopedEnv() {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
    bool m_had;
    QByteArray m_old;
};

struct stat lstatOf(const QString& path) {
    struct stat info {};
    EXPECT_EQ(::lstat(QFile::encodeName(path).constData(), &info), 0) << path.toStdString();
    return info;
}

// A sockaddr_un for path (which must fit).
sockaddr_un unixAddress(const QString& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray bytes = QFile::encodeName(path);
    EXPECT_LT(size_t(bytes.size()), sizeof(address.sun_path));
    std::memcpy(address.sun_path, bytes.constData(),
                std::min(size_t(bytes.size()), sizeof(address.sun_path) - 1));
    return address;
}

// In the forked child (of a process with threads: only async-signal-safe calls from here on):
// becomes nobody, or exits 90.
void becomeNobodyOrExit() {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
        ::_exit(90);
    ::alarm(30); // never outlives a test that went wrong
}

// Exit status of the child pid, running Qt events meanwhile (the server under test lives on
// this thread); nullopt when it did not end in time (it is then killed).
std::optional<int> waitChild(pid_t pid, int timeoutMs) {
    int status = 0;
    bool ended = false;
    maria2::test::waitFor(
        [&] {
            ended = ended || ::waitpid(pid, &status, WNOHANG) == pid;
            return ended;
        },
        timeoutMs);
    if (!ended) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return std::nullopt;
    }
    return status;
}

// A temporary folder others may enter (the child running as nobody has to reach a socket in it)
// and, with mode 0777, create its own socket in.
class OpenFolder {
public:
    explicit OpenFolder(mode_t mode = 0755) {
        EXPECT_TRUE(m_dir.isValid());
        EXPECT_TRUE(::chmod(QFile::encodeName(m_dir.path()).constData(), mode) == 0);
    }
    QString path(const QString& name) const { return m_dir.path() + QLatin1Char('/') + name; }

private:
    QTemporaryDir m_dir;
};

#define SKIP_UNLESS_ROOT()                                                                         \
    if (::geteuid() != 0)                                                                          \
    GTEST_SKIP() << "needs root to run a child as another user (nobody, 65534); CI runs as root"

} // namespace

// --- The socket's folder ------------------------------------------------------------------------

class SocketFolderTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_tmp.isValid());
        m_folder = m_tmp.path() + QStringLiteral("/maria2-") + QString::number(::geteuid());
    }
    // The name for a data folder with this test's environment; *problem why not / what was
    // passed over.
    QString name(QString* problem) const {
        return maria2::gui::instanceServerName(QStringLiteral("/home/someone/.local/share/maria2"),
                                               problem);
    }
    QTemporaryDir m_tmp;
    QString m_folder; // <temp>/maria2-<uid>
};

TEST_F(SocketFolderTest, WithoutXdgRuntimeDirItIsAPrivateFolderInTheTemporaryFolder) {
    const ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
    const ScopedEnv tmp("TMPDIR", QFile::encodeName(m_tmp.path()));
    const mode_t oldMask = ::umask(0); // even so: 0700
    QString problem;
    const QString server = name(&problem);
    ::umask(oldMask);
    EXPECT_TRUE(problem.isEmpty()) << problem.toStdString();
    ASSERT_TRUE(server.startsWith(m_folder + QStringLiteral("/maria2-"))) << server.toStdString();
    const struct stat info = lstatOf(m_folder);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_uid, ::geteuid());
    EXPECT_EQ(info.st_mode & 07777, 0700U) << std::oct << (info.st_mode & 07777);

    // The instance listens there; a second one hands over to it.
    SingleInstance primary(server);
    QString error;
    ASSERT_EQ(primary.start({}, &error, 2000), SingleInstance::Outcome::Primary)
        << error.toStdString();
    EXPECT_TRUE(S_ISSOCK(lstatOf(server).st_mode));
    // Asked again (the next start): the same name, the folder as it was.
    EXPECT_EQ(name(&problem), server);
    EXPECT_TRUE(problem.isEmpty()) << problem.toStdString();
}

TEST_F(SocketFolderTest, APlantedFolderTooOpenOrAFileIsRefusedAndLeftAlone) {
    const ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
    const ScopedEnv tmp("TMPDIR", QFile::encodeName(m_tmp.path()));
    const QByteArray folder = QFile::encodeName(m_folder);
    for (const mode_t mode : {0755, 0770, 0701, 0777}) {
        SCOPED_TRACE(mode);
        ASSERT_EQ(::mkdir(folder.constData(), 0700), 0);
        ASSERT_EQ(::chmod(folder.constData(), mode), 0);
        QString problem;
        EXPECT_EQ(name(&problem), QString()) << "no single instance rather than an open folder";
        EXPECT_TRUE(problem.contains(QStringLiteral("not 0700"))) << problem.toStdString();
        EXPECT_EQ(lstatOf(m_folder).st_mode & 07777, mode) << "not repaired behind anyone's back";
        ASSERT_EQ(::rmdir(folder.constData()), 0);
    }
    QFile file(m_folder);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.close();
    QString problem;
    EXPECT_EQ(name(&problem), QString());
    EXPECT_TRUE(problem.contains(QStringLiteral("not a folder"))) << problem.toStdString();

    // SingleInstance without a name: runs on its own, saying why.
    SingleInstance none(QString{});
    QString error;
    EXPECT_EQ(none.start({}, &error, 2000), SingleInstance::Outcome::Standalone);
    EXPECT_FALSE(error.isEmpty());
    EXPECT_FALSE(none.isListening());
}

TEST_F(SocketFolderTest, APlantedSymbolicLinkIsRefused) {
    const ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
    const ScopedEnv tmp("TMPDIR", QFile::encodeName(m_tmp.path()));
    // Even to a folder that is ours and private: whoever made the link can point it elsewhere.
    const QString target = m_tmp.path() + QStringLiteral("/elsewhere");
    ASSERT_EQ(::mkdir(QFile::encodeName(target).constData(), 0700), 0);
    ASSERT_EQ(::symlink(QFile::encodeName(target).constData(), QFile::encodeName(m_folder)), 0);
    QString problem;
    EXPECT_EQ(name(&problem), QString());
    EXPECT_TRUE(problem.contains(QStringLiteral("symbolic link"))) << problem.toStdString();
    EXPECT_TRUE(QDir(target).isEmpty());
}

TEST_F(SocketFolderTest, AFolderOfAnotherUserIsRefused) {
    SKIP_UNLESS_ROOT();
    const ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
    const ScopedEnv tmp("TMPDIR", QFile::encodeName(m_tmp.path()));
    ASSERT_EQ(::mkdir(QFile::encodeName(m_folder).constData(), 0700), 0);
    ASSERT_EQ(::chown(QFile::encodeName(m_folder).constData(), kNobody, kNobody), 0);
    QString problem;
    EXPECT_EQ(name(&problem), QString());
    EXPECT_TRUE(problem.contains(QStringLiteral("belongs to user 65534"))) << problem.toStdString();
}

TEST_F(SocketFolderTest, XdgRuntimeDirIsUsedOnlyWhenPrivate) {
    const ScopedEnv tmp("TMPDIR", QFile::encodeName(m_tmp.path()));
    const QString runtimeDir = m_tmp.path() + QStringLiteral("/run");
    ASSERT_EQ(::mkdir(QFile::encodeName(runtimeDir).constData(), 0700), 0);
    const ScopedEnv runtime("XDG_RUNTIME_DIR", QFile::encodeName(runtimeDir));
    QString problem;
    EXPECT_TRUE(name(&problem).startsWith(runtimeDir + QStringLiteral("/maria2-")));
    EXPECT_TRUE(problem.isEmpty()) << problem.toStdString();
    EXPECT_FALSE(QFileInfo::exists(m_folder))
        << "no folder of its own when the runtime one is fine";

    // Open to others: passed over (and said so) for the private folder in the temporary one.
    ASSERT_EQ(::chmod(QFile::encodeName(runtimeDir).constData(), 0755), 0);
    EXPECT_TRUE(name(&problem).startsWith(m_folder + QStringLiteral("/maria2-")));
    EXPECT_TRUE(problem.contains(QStringLiteral("XDG_RUNTIME_DIR is not private")))
        << problem.toStdString();
    EXPECT_EQ(lstatOf(runtimeDir).st_mode & 07777, 0755U) << "not repaired behind anyone's back";
}

// --- Who is at the other end ----------------------------------------------------------------

TEST(PeerCheckTest, AConnectionOfThisUserIsThisUser) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    EXPECT_TRUE(maria2::gui::peer::isSameUser(pair[0]));
    EXPECT_TRUE(maria2::gui::peer::isSameUser(pair[1]));
    ::close(pair[0]);
    ::close(pair[1]);
    // What is not a connected local socket is nobody we know.
    int pipeEnds[2];
    ASSERT_EQ(::pipe(pipeEnds), 0);
    EXPECT_FALSE(maria2::gui::peer::isSameUser(pipeEnds[0]));
    ::close(pipeEnds[0]);
    ::close(pipeEnds[1]);
    EXPECT_FALSE(maria2::gui::peer::isSameUser(-1));
}

TEST(PeerCheckTest, AConnectionFromAnotherUserIsNotThisUser) {
    SKIP_UNLESS_ROOT();
    const OpenFolder folder;
    const sockaddr_un address = unixAddress(folder.path(QStringLiteral("s")));
    const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::chmod(address.sun_path, 0777), 0);
    ASSERT_EQ(::listen(listener, 4), 0);

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        becomeNobodyOrExit();
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address))
            ::_exit(91);
        char byte = 0;
        while (::read(fd, &byte, 1) > 0) {
        } // until the parent has looked and closes
        ::_exit(0);
    }
    pollfd ready{listener, POLLIN, 0};
    ASSERT_EQ(::poll(&ready, 1, 20000), 1) << "the child (as nobody) did not connect";
    const int fromNobody = ::accept(listener, nullptr, nullptr);
    ASSERT_GE(fromNobody, 0);
    EXPECT_FALSE(maria2::gui::peer::isSameUser(fromNobody));
    ::close(fromNobody);
    const std::optional<int> status = waitChild(child, 20000);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;

    // The same listener, this user: true, so the false above is about the user.
    const int mine = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_EQ(::connect(mine, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    const int fromMe = ::accept(listener, nullptr, nullptr);
    ASSERT_GE(fromMe, 0);
    EXPECT_TRUE(maria2::gui::peer::isSameUser(fromMe));
    ::close(fromMe);
    ::close(mine);
    ::close(listener);
}

// The server end: a message from a process of another user is dropped without an answer and
// never reaches the window. The socket is opened to everyone here on purpose - in its real
// folder nobody else can even reach it, and this is the check behind that one.
TEST(SingleInstanceSecurityTest, TheServerDropsAnotherUsersMessageUnanswered) {
    SKIP_UNLESS_ROOT();
    const OpenFolder folder;
    const QString name = folder.path(QStringLiteral("instance"));
    SingleInstance primary(name);
    QString error;
    ASSERT_EQ(primary.start({}, &error, 2000), SingleInstance::Outcome::Primary)
        << error.toStdString();
    ASSERT_EQ(::chmod(QFile::encodeName(name).constData(), 0777), 0);
    int received = 0;
    QObject::connect(&primary, &SingleInstance::messageReceived,
                     [&](const InstanceMessage&) { ++received; });

    InstanceMessage message;
    message.urls = {QStringLiteral("http://127.0.0.1:9/planted.bin")};
    const QByteArray line = maria2::gui::encodeInstanceMessage(message); // before fork: no Qt there
    const sockaddr_un address = unixAddress(name);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        becomeNobodyOrExit();
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address))
            ::_exit(91);
        (void)::write(fd, line.constData(), size_t(line.size()));
        char answer[256];
        const ssize_t got = ::read(fd, answer, sizeof answer); // 0 or reset: dropped
        ::_exit(got > 0 ? 1 : 0);
    }
    const std::optional<int> status = waitChild(child, 20000);
    ASSERT_TRUE(status.has_value()) << "the server neither answered nor closed";
    ASSERT_TRUE(WIFEXITED(*status)) << *status;
    EXPECT_EQ(WEXITSTATUS(*status), 0) << "1: the server answered nobody; 90/91: child failed";
    EXPECT_EQ(received, 0);

    // The server goes on, and this user's message gets through.
    SingleInstance::SendResult result = SingleInstance::SendResult::Failed;
    std::unique_ptr<QThread> sender(QThread::create([&] {
        QString e;
        result = SingleInstance::send(name, message, 5000, &e);
    }));
    sender->start();
    EXPECT_TRUE(maria2::test::waitFor([&] { return sender->isFinished(); }, 15000));
    sender->wait();
    EXPECT_EQ(result, SingleInstance::SendResult::Delivered);
    EXPECT_TRUE(maria2::test::waitFor([&] { return received == 1; }, 5000));
}

// The client end: a socket held by another user's process is told nothing, not even the URLs.
TEST(SingleInstanceSecurityTest, TheClientSendsNothingToAnotherUsersSocket) {
    SKIP_UNLESS_ROOT();
    const OpenFolder folder(0777);
    const QString name = folder.path(QStringLiteral("instance"));
    const sockaddr_un address = unixAddress(name);
    int report[2]; // child -> parent: 'L' once listening, then how many bytes it was sent
    ASSERT_EQ(::pipe(report), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(report[0]);
        becomeNobodyOrExit();
        const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (listener < 0 ||
            ::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) ||
            ::chmod(address.sun_path, 0777) || ::listen(listener, 1))
            ::_exit(91);
        (void)::write(report[1], "L", 1);
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0)
            ::_exit(92);
        unsigned char total = 0; // capped: "anything at all" is what counts
        char buffer[4096];
        for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;)
            total = static_cast<unsigned char>(std::min<ssize_t>(255, total + got));
        (void)::write(report[1], &total, 1);
        ::_exit(0);
    }
    ::close(report[1]);
    char listening = 0;
    ASSERT_EQ(::read(report[0], &listening, 1), 1) << "the child (as nobody) did not listen";

    InstanceMessage message;
    message.urls = {QStringLiteral("https://example.com/private?token=secret")};
    QString error;
    EXPECT_EQ(SingleInstance::send(name, message, 2000, &error),
              SingleInstance::SendResult::Failed);
    EXPECT_TRUE(error.contains(QStringLiteral("another user"))) << error.toStdString();
    unsigned char sent = 255;
    EXPECT_EQ(::read(report[0], &sent, 1), 1);
    EXPECT_EQ(int(sent), 0) << "bytes reached the other user's process";
    ::close(report[0]);
    const std::optional<int> status = waitChild(child, 20000);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

// --- What the window does with them ----------------------------------------------------------

class UrlsFromOtherProcessTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    void TearDown() override {
        m_window.reset();
        if (m_session)
            m_session->shutdown();
    }
    void makeWindow(bool confirm) {
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_dir.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        EXPECT_TRUE(config.ui.confirmUrlsFromOtherProcesses) << "the default asks";
        config.ui.confirmUrlsFromOtherProcesses = confirm;
        m_session = std::make_unique<maria2::Session>(config);
        m_window = std::make_unique<MainWindow>(m_session.get());
    }
    // Unreachable on purpose: the downloads only need to exist.
    const QStringList m_urls{QStringLiteral("http://127.0.0.1:9/one.iso"),
                             QStringLiteral("https://127.0.0.1:9/two.tar.gz")};
    QTemporaryDir m_dir;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

TEST_F(UrlsFromOtherProcessTest, AreShownInTheAddDialogAndAddedOnlyWhenAccepted) {
    makeWindow(true);
    m_window->addUrlsFromOtherProcess(m_urls);
    maria2::gui::AddUrlsDialog* dialog = m_window->openAddDialog();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->urls(), m_urls);
    EXPECT_TRUE(m_session->downloads().empty()) << "added before the person said yes";
    dialog->reject();
    EXPECT_EQ(m_window->openAddDialog(), nullptr);
    EXPECT_TRUE(m_session->downloads().empty()) << "added although the person said no";

    m_window->addUrlsFromOtherProcess(m_urls);
    ASSERT_NE(m_window->openAddDialog(), nullptr);
    m_window->openAddDialog()->accept();
    EXPECT_EQ(m_session->downloads().size(), 2);

    // Nothing handed over ("maria2" alone brings the window up): no dialog.
    m_window->addUrlsFromOtherProcess({});
    EXPECT_EQ(m_window->openAddDialog(), nullptr);
}

TEST_F(UrlsFromOtherProcessTest, AreAddedAtOnceWhenThePersonOptedOut) {
    makeWindow(false);
    m_window->addUrlsFromOtherProcess(m_urls);
    EXPECT_EQ(m_window->openAddDialog(), nullptr);
    EXPECT_EQ(m_session->downloads().size(), 2);
}

TEST(UrlsFromOtherProcessSettingTest, IsATickBoxInTheSettingsOnByDefault) {
    maria2::gui::SettingsDialog dialog(maria2::ConfigLoader::defaults());
    auto* box = qobject_cast<QCheckBox*>(
        dialog.editor(QStringLiteral("Interface.ConfirmUrlsFromOtherProcesses")));
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->isChecked());
    EXPECT_TRUE(box->text().contains(QStringLiteral("Ask before adding"))) // on its page, named
        << box->text().toStdString();
    // Read at each hand-over: no restart needed, and the dialog does not claim one.
    maria2::Config off = maria2::ConfigLoader::defaults();
    off.ui.confirmUrlsFromOtherProcesses = false;
    EXPECT_TRUE(maria2::restartNeededKeys(maria2::ConfigLoader::defaults(), off).isEmpty())
        << maria2::restartNeededKeys(maria2::ConfigLoader::defaults(), off).join(' ').toStdString();
}
