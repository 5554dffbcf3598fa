// fork/exec rather than QProcess: it works without a QCoreApplication or event dispatcher, the
// output goes to a file (a full pipe would block a chatty server), and PR_SET_PDEATHSIG plus a
// process group of its own guarantee no server outlives the test binary.
#include "support/ChildProcess.h"

#include "support/Files.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QThread>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace maria2::test {

using detail::setError;

namespace {

constexpr int kTermGraceMs = 5000;

std::vector<std::string> buildEnv(const ChildSpec& spec) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        const std::string name = entry.substr(0, entry.find('='));
        bool drop = false;
        for (const QString& unset : spec.unsetEnv) {
            drop = drop || name == unset.toStdString();
        }
        for (const QString& set : spec.setEnv) {
            drop = drop || name == set.section(QLatin1Char('='), 0, 0).toStdString();
        }
        if (!drop) {
            env.push_back(entry);
        }
    }
    for (const QString& set : spec.setEnv) {
        env.push_back(set.toStdString());
    }
    return env;
}

// argv/envp for execve: pointers into store, which must outlive them.
std::vector<char*> nullTerminated(std::vector<std::string>& store) {
    std::vector<char*> pointers;
    for (std::string& s : store) {
        pointers.push_back(s.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

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

// Returns the child's pid, or -1 with error set (including exec failures, reported through a
// close-on-exec pipe).
pid_t spawnChild(const ChildSpec& spec, QString* error) {
    std::vector<std::string> argStore{spec.program.toStdString()};
    for (const QString& arg : spec.args) {
        argStore.push_back(arg.toStdString());
    }
    const std::vector<char*> argv = nullTerminated(argStore);
    std::vector<std::string> envStore = buildEnv(spec);
    const std::vector<char*> envp = nullTerminated(envStore);

    const int outFd = open(QFile::encodeName(spec.outputFile).constData(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int nullFd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int errPipe[2] = {-1, -1};
    if (outFd < 0 || nullFd < 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
        setError(error, QStringLiteral("cannot prepare child %1: %2")
                            .arg(spec.program, QString::fromLocal8Bit(strerror(errno))));
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
            _exit(127); // the parent died before PDEATHSIG was armed
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
        execve(argv[0], argv.data(), envp.data());
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
                            .arg(spec.program, QString::fromLocal8Bit(strerror(execErr))));
        return -1;
    }
    return pid;
}

// True while the child runs; reaps it (and stores its wait status) once it has exited.
bool childRunning(pid_t pid, int* status) {
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

// True once the child has exited, leaving it a zombie: its pid, and so its process group id,
// cannot be reused by an unrelated process until it is reaped.
bool childExitedNoReap(pid_t pid) {
    siginfo_t info{};
    int r = 0;
    do {
        r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    return r < 0 || info.si_pid == pid;
}

// A wait status in words: "exit code 1", "signal 9".
QString describeExitStatus(int status) {
    if (WIFEXITED(status)) {
        return QStringLiteral("exit code %1").arg(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return QStringLiteral("signal %1").arg(WTERMSIG(status));
    }
    return QStringLiteral("status %1").arg(status);
}

} // namespace

ChildProcess::~ChildProcess() {
    stop();
}

bool ChildProcess::start(const ChildSpec& spec, QString* error) {
    stop();
    const pid_t pid = spawnChild(spec, error);
    if (pid < 0) {
        return false;
    }
    m_pid = pid;
    return true;
}

bool ChildProcess::running(int* exitStatus) const {
    if (m_pid > 0 && !childRunning(static_cast<pid_t>(m_pid), exitStatus)) {
        m_pid = -1;
    }
    return m_pid > 0;
}

bool ChildProcess::isRunning() const {
    return running(nullptr);
}

bool ChildProcess::startServer(const ServerSpec& server, bool* portRace, QString* error) {
    *portRace = false;
    if (!start(server.child, error)) {
        return false;
    }
    const qint64 pid = m_pid;
    const QLatin1String portTaken("Address already in use");
    const QDeadlineTimer deadline(server.timeoutMs);
    while (true) {
        int status = 0;
        if (!running(&status)) {
            const QString output = server.newOutput();
            *portRace = output.contains(portTaken);
            setError(error, QStringLiteral("%1 exited during startup (%2):\n%3")
                                .arg(server.name, describeExitStatus(status), output));
            return false;
        }
        const QString output = server.newOutput();
        if (output.contains(portTaken)) {
            // nginx would retry bind() for 2.5 s before giving up; pick new ports right away.
            stop();
            *portRace = true;
            setError(error,
                     QStringLiteral("%1 could not bind its ports:\n%2").arg(server.name, output));
            return false;
        }
        if (server.ready(pid, output)) {
            return true;
        }
        if (deadline.hasExpired()) {
            stop();
            setError(error,
                     QStringLiteral("%1 not ready after %2 ms:\n%3")
                         .arg(server.name, QString::number(server.timeoutMs), server.newOutput()));
            return false;
        }
        QThread::msleep(10);
    }
}

bool ChildProcess::waitForExit(int timeoutMs, int* exitStatus) {
    const QDeadlineTimer deadline(timeoutMs);
    while (running(exitStatus)) {
        if (deadline.hasExpired()) {
            return false;
        }
        QThread::msleep(5);
    }
    return true;
}

void ChildProcess::stop() {
    if (m_pid <= 0) {
        return;
    }
    const auto pid = static_cast<pid_t>(m_pid);
    kill(-pid, SIGTERM);
    const QDeadlineTimer deadline(kTermGraceMs);
    while (!childExitedNoReap(pid) && !deadline.hasExpired()) {
        QThread::msleep(5);
    }
    // Leftovers of the group (if the server forked any) or a server that ignored TERM.
    kill(-pid, SIGKILL);
    waitForExit(kTermGraceMs);
    m_pid = -1;
}

bool ChildProcess::run(const ChildSpec& spec, int timeoutMs, QString* error) {
    const qint64 logStart = detail::fileSize(spec.outputFile);
    ChildProcess child;
    if (!child.start(spec, error)) {
        return false;
    }
    int status = 0;
    if (!child.waitForExit(timeoutMs, &status)) {
        child.stop();
        setError(error, QStringLiteral("%1 timed out").arg(spec.program));
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        setError(error,
                 QStringLiteral("%1 %2 failed (%3):\n%4")
                     .arg(spec.program, spec.args.join(QLatin1Char(' ')),
                          describeExitStatus(status), detail::readText(spec.outputFile, logStart)));
        return false;
    }
    return true;
}

} // namespace maria2::test
