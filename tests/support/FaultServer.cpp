// FaultServer: runs tests/support/fault_server.py as a child process and reads its request log.
#include "support/FaultServer.h"

#include "support/TestServers.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace maria2::test {

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kTermGraceMs = 5000;
constexpr int kPortRaceRetries = 3;
constexpr int kResetTimeoutMs = 5000;
const char* const kPython = "/usr/bin/python3";

void setError(QString* error, const QString& message) {
    if (error != nullptr) {
        *error = message;
    }
}

QByteArray readBytes(const QString& path, qint64 from = 0) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    if (from > 0 && !file.seek(from)) {
        return {};
    }
    return file.readAll();
}

qint64 fileSize(const QString& path) {
    const QFileInfo info(path);
    return info.exists() ? info.size() : 0;
}

// ---- Child process (the minimum of TestServers.cpp's spawning, see there for the reasons) ----

void closeFdsFrom(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) {
        return;
    }
#endif
    const long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (max > 0 ? max : 1024); ++fd) {
        close(static_cast<int>(fd));
    }
}

// Returns the child's pid, or -1 with error set (exec failures come back through a close-on-exec
// pipe). stdout and stderr are appended to outputFile.
pid_t spawnChild(const QString& program, const QStringList& args, const QString& outputFile,
                 QString* error) {
    std::vector<std::string> argStore;
    argStore.push_back(program.toStdString());
    for (const QString& arg : args) {
        argStore.push_back(arg.toStdString());
    }
    std::vector<char*> argv;
    for (std::string& arg : argStore) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    const int outFd = open(QFile::encodeName(outputFile).constData(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int nullFd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int errPipe[2] = {-1, -1};
    if (outFd < 0 || nullFd < 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
        setError(error, QStringLiteral("cannot prepare child %1: %2")
                            .arg(program, QString::fromLocal8Bit(strerror(errno))));
        for (int fd : {outFd, nullFd, errPipe[0], errPipe[1]}) {
            if (fd >= 0) {
                close(fd);
            }
        }
        return -1;
    }

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls from here on.
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) {
            signal(sig, SIG_DFL);
        }
        dup2(nullFd, 0);
        dup2(outFd, 1);
        dup2(outFd, 2);
        dup2(errPipe[1], 3);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        closeFdsFrom(4);
        execve(argv[0], argv.data(), environ);
        const int err = errno;
        ssize_t ignored = write(3, &err, sizeof err);
        (void)ignored;
        _exit(127);
    }
    close(outFd);
    close(nullFd);
    close(errPipe[1]);
    if (pid < 0) {
        close(errPipe[0]);
        setError(error,
                 QStringLiteral("fork failed: %1").arg(QString::fromLocal8Bit(strerror(errno))));
        return -1;
    }
    setpgid(pid, pid); // also from the parent, so a kill of the group cannot race the child
    int execErr = 0;
    ssize_t got = -1;
    do {
        got = read(errPipe[0], &execErr, sizeof execErr);
    } while (got < 0 && errno == EINTR);
    close(errPipe[0]);
    if (got == static_cast<ssize_t>(sizeof execErr)) {
        int status = 0;
        waitpid(pid, &status, 0);
        setError(error, QStringLiteral("cannot execute %1: %2")
                            .arg(program, QString::fromLocal8Bit(strerror(execErr))));
        return -1;
    }
    return pid;
}

// True while the child runs; reaps it (and stores its wait status) once it has exited.
bool childRunning(pid_t pid, int* status = nullptr) {
    if (pid <= 0) {
        return false;
    }
    int st = 0;
    pid_t r = 0;
    do {
        r = waitpid(pid, &st, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return true;
    }
    if (status != nullptr) {
        *status = st;
    }
    return false;
}

// True once the child has exited, leaving it a zombie so its process group id stays reserved.
bool childExitedNoReap(pid_t pid) {
    siginfo_t info{};
    int r = 0;
    do {
        r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    return r < 0 || info.si_pid == pid;
}

// TERM to the whole group, bounded wait, then KILL and reap: nothing of it survives.
void stopChild(pid_t pid) {
    if (pid <= 0) {
        return;
    }
    kill(-pid, SIGTERM);
    QDeadlineTimer deadline(kTermGraceMs);
    while (!childExitedNoReap(pid) && !deadline.hasExpired()) {
        QThread::msleep(5);
    }
    kill(-pid, SIGKILL);
    const QDeadlineTimer reapDeadline(kTermGraceMs);
    while (childRunning(pid) && !reapDeadline.hasExpired()) {
        QThread::msleep(5);
    }
}

QString describeStatus(int status) {
    if (WIFEXITED(status)) {
        return QStringLiteral("exit code %1").arg(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return QStringLiteral("signal %1").arg(WTERMSIG(status));
    }
    return QStringLiteral("status %1").arg(status);
}

// One blocking HTTP/1.1 request with "Connection: close"; returns the whole response (empty on
// failure or timeout).
QByteArray httpGet(quint16 port, const QByteArray& path, int timeoutMs) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return {};
    }
    timeval tv{};
    tv.tv_sec = timeoutMs / 1000;
    tv.tv_usec = (timeoutMs % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QByteArray response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const QByteArray request =
            "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (send(fd, request.constData(), static_cast<size_t>(request.size()), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buf[4096];
            ssize_t n = 0;
            while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
                response.append(buf, n);
            }
        }
    }
    close(fd);
    return response;
}

} // namespace

FaultServer::FaultServer()
    : m_python(QString::fromLatin1(kPython))
    , m_script(defaultScriptPath()) {
}

FaultServer::~FaultServer() {
    stop();
}

QString FaultServer::defaultScriptPath() {
    const QString fromEnv = qEnvironmentVariable("MARIA2_FAULT_SERVER_SCRIPT");
    if (!fromEnv.isEmpty()) {
        return fromEnv;
    }
#ifdef MARIA2_FAULT_SERVER_SCRIPT
    return QStringLiteral(MARIA2_FAULT_SERVER_SCRIPT);
#else
    // __FILE__ is absolute in CMake builds; a relative one resolves against the working folder.
    return QFileInfo(QFile::decodeName(__FILE__))
        .absoluteDir()
        .filePath(QStringLiteral("fault_server.py"));
#endif
}

QString FaultServer::root() const {
    return m_dir ? m_dir->path() + QStringLiteral("/root") : QString();
}

QString FaultServer::logPath() const {
    return m_dir ? m_dir->path() + QStringLiteral("/requests.jsonl") : QString();
}

QString FaultServer::outputPath() const {
    return m_dir ? m_dir->path() + QStringLiteral("/output.log") : QString();
}

QString FaultServer::url(const QString& pathAndQuery) const {
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
    return pathAndQuery.startsWith(QLatin1Char('/')) ? base + pathAndQuery
                                                     : base + QLatin1Char('/') + pathAndQuery;
}

bool FaultServer::isRunning() const {
    if (m_pid > 0 && !childRunning(static_cast<pid_t>(m_pid))) {
        const_cast<FaultServer*>(this)->m_pid = -1;
    }
    return m_pid > 0;
}

QList<QJsonObject> FaultServer::requests() const {
    QList<QJsonObject> result;
    if (!m_dir) {
        return result;
    }
    const QByteArray text = readBytes(logPath());
    qsizetype begin = 0;
    while (begin < text.size()) {
        const qsizetype end = text.indexOf('\n', begin);
        if (end < 0) {
            break; // a line being written: not complete yet
        }
        const QJsonDocument doc = QJsonDocument::fromJson(text.mid(begin, end - begin));
        if (doc.isObject()) {
            result.append(doc.object());
        }
        begin = end + 1;
    }
    return result;
}

QList<QJsonObject> FaultServer::requests(const QString& path) const {
    QList<QJsonObject> result;
    for (const QJsonObject& entry : requests()) {
        if (entry.value(QStringLiteral("path")).toString() == path) {
            result.append(entry);
        }
    }
    return result;
}

void FaultServer::clearRequests() {
    if (m_dir) {
        QFile file(logPath());
        // The server appends (O_APPEND), so truncating under it is safe.
        if (file.exists()) {
            file.resize(0);
        }
    }
}

bool FaultServer::resetCounters() {
    if (!isRunning()) {
        return false;
    }
    const QByteArray response = httpGet(m_port, "/_reset", kResetTimeoutMs);
    return response.startsWith("HTTP/1.1 200 ") && response.endsWith("\r\n\r\nok\n");
}

QString FaultServer::outputText() const {
    return m_dir ? QString::fromUtf8(readBytes(outputPath())) : QString();
}

bool FaultServer::startOnce(QString* error, bool* portRace) {
    *portRace = false;
    const QString output = outputPath();
    const qint64 outputStart = fileSize(output);
    auto newOutput = [&] {
        return QString::fromUtf8(readBytes(output, outputStart));
    };

    // -I: isolated (no PYTHON* variables, no user site-packages); -u: unbuffered output.
    const QStringList args = {QStringLiteral("-I"),
                              QStringLiteral("-u"),
                              m_script,
                              QStringLiteral("--port"),
                              QString::number(m_port),
                              QStringLiteral("--root"),
                              root(),
                              QStringLiteral("--log"),
                              logPath()};
    const pid_t pid = spawnChild(m_python, args, output, error);
    if (pid < 0) {
        return false;
    }
    m_pid = pid;

    // The script prints this line only once its socket is bound and listening, so a connect
    // after it reaches our child and not whoever else might own the port.
    const QString ready =
        QStringLiteral("fault_server listening on 127.0.0.1:%1 pid=%2\n").arg(m_port).arg(pid);
    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (true) {
        int status = 0;
        if (!childRunning(pid, &status)) {
            m_pid = -1;
            const QString logs = newOutput();
            *portRace = logs.contains(QLatin1String("Address already in use"));
            setError(error, QStringLiteral("fault_server.py exited during startup (%1):\n%2")
                                .arg(describeStatus(status), logs));
            return false;
        }
        if (newOutput().contains(ready) && canConnect(m_port, 500)) {
            return true;
        }
        if (deadline.hasExpired()) {
            stopChild(pid);
            m_pid = -1;
            setError(error, QStringLiteral("fault_server.py not ready after %1 ms:\n%2")
                                .arg(kReadyTimeoutMs)
                                .arg(newOutput()));
            return false;
        }
        QThread::msleep(10);
    }
}

bool FaultServer::start(QString* error) {
    setError(error, QString());
    if (isRunning()) {
        return true;
    }
    if (!QFileInfo(m_python).isExecutable()) {
        setError(error, QStringLiteral("%1 not found: apt-get install python3").arg(m_python));
        return false;
    }
    if (!QFileInfo(m_script).isFile()) {
        setError(error, QStringLiteral("fault server script not found: %1 (set "
                                       "MARIA2_FAULT_SERVER_SCRIPT to tests/support/"
                                       "fault_server.py)")
                            .arg(m_script));
        return false;
    }
    const bool firstStart = !m_dir;
    if (firstStart) {
        auto dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                                   QStringLiteral("/maria2-fault-XXXXXX"));
        if (!dir->isValid() || !QDir().mkpath(dir->path() + QStringLiteral("/root"))) {
            setError(error, QStringLiteral("cannot create a temporary fault server root: %1")
                                .arg(dir->errorString()));
            return false;
        }
        m_dir = std::move(dir);
    }
    for (int attempt = 0; attempt <= kPortRaceRetries; ++attempt) {
        if (firstStart) {
            m_port = findFreePort();
            if (m_port == 0) {
                setError(error, QStringLiteral("no free loopback port"));
                return false;
            }
        }
        bool portRace = false;
        if (startOnce(error, &portRace)) {
            return true;
        }
        // A restart keeps its port (URLs were handed out), so a race there is final.
        if (!portRace || !firstStart) {
            return false;
        }
    }
    return false;
}

void FaultServer::stop() {
    if (m_pid > 0) {
        stopChild(static_cast<pid_t>(m_pid));
        m_pid = -1;
    }
}

} // namespace maria2::test
