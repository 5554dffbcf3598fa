// Test servers: process spawning, free ports, readiness checks, nginx config and certificates.
#include "support/TestServers.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace maria2::test {

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kTermGraceMs = 5000;
constexpr int kPortRaceRetries = 3;
const char* const kNginx = "/usr/sbin/nginx";
const char* const kPython = "/usr/bin/python3";

void setError(QString* error, const QString& message) {
    if (error != nullptr) {
        *error = message;
    }
}

QString readText(const QString& path, qint64 from = 0) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    if (from > 0 && !file.seek(from)) {
        return {};
    }
    return QString::fromUtf8(file.readAll());
}

qint64 fileSize(const QString& path) {
    const QFileInfo info(path);
    return info.exists() ? info.size() : 0;
}

bool writeText(const QString& path, const QString& text, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.toUtf8()) < 0 ||
        !file.flush()) {
        setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

// ---- Child processes -------------------------------------------------------------------------
// fork/exec rather than QProcess: it works without a QCoreApplication or event dispatcher, the
// output goes to a file (a full pipe would block a chatty server), and PR_SET_PDEATHSIG plus a
// process group of its own guarantee no server outlives the test binary.

struct ChildSpec {
    QString program;
    QStringList args;
    QString outputFile;   // stdout and stderr, appended
    QStringList setEnv;   // "NAME=value"
    QStringList unsetEnv; // names
};

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
    std::vector<std::string> argStore;
    argStore.push_back(spec.program.toStdString());
    for (const QString& arg : spec.args) {
        argStore.push_back(arg.toStdString());
    }
    std::vector<char*> argv;
    for (std::string& arg : argStore) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> envStore = buildEnv(spec);
    std::vector<char*> envp;
    for (std::string& entry : envStore) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

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

bool waitChildExit(pid_t pid, int timeoutMs, int* status = nullptr) {
    const QDeadlineTimer deadline(timeoutMs);
    while (childRunning(pid, status)) {
        if (deadline.hasExpired()) {
            return false;
        }
        QThread::msleep(5);
    }
    return true;
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

// TERM to the whole group, bounded wait, then KILL: nothing of it survives.
void stopChild(pid_t pid) {
    if (pid <= 0) {
        return;
    }
    kill(-pid, SIGTERM);
    QDeadlineTimer deadline(kTermGraceMs);
    while (!childExitedNoReap(pid) && !deadline.hasExpired()) {
        QThread::msleep(5);
    }
    // Leftovers of the group (if the server forked any) or a server that ignored TERM.
    kill(-pid, SIGKILL);
    waitChildExit(pid, kTermGraceMs);
}

// Runs a short tool to completion (bounded); returns true on exit code 0.
bool runTool(const ChildSpec& spec, int timeoutMs, QString* error) {
    const qint64 logStart = fileSize(spec.outputFile);
    const pid_t pid = spawnChild(spec, error);
    if (pid < 0) {
        return false;
    }
    int status = 0;
    if (!waitChildExit(pid, timeoutMs, &status)) {
        stopChild(pid);
        setError(error, QStringLiteral("%1 timed out").arg(spec.program));
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        setError(error, QStringLiteral("%1 %2 failed (%3):\n%4")
                            .arg(spec.program, spec.args.join(QLatin1Char(' ')),
                                 describeStatus(status), readText(spec.outputFile, logStart)));
        return false;
    }
    return true;
}

// ---- Sockets ---------------------------------------------------------------------------------

int boundSocket(int family, quint16 port) {
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int rc = -1;
    if (family == AF_INET) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        addr.sin6_addr = in6addr_loopback;
        rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

quint16 boundPort(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return 0;
    }
    if (addr.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    }
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

bool ipv6LoopbackAvailable() {
    const int fd = boundSocket(AF_INET6, 0);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

// `count` distinct ports free on 127.0.0.1 (and on ::1 too if withIpv6). All sockets stay bound
// until every port is chosen so the kernel cannot hand out the same port twice.
std::vector<quint16> pickPorts(int count, bool withIpv6) {
    std::vector<int> fds;
    std::vector<quint16> ports;
    for (int attempt = 0; attempt < 100 && static_cast<int>(ports.size()) < count; ++attempt) {
        const int fd4 = boundSocket(AF_INET, 0);
        if (fd4 < 0) {
            break;
        }
        fds.push_back(fd4);
        const quint16 port = boundPort(fd4);
        if (port == 0) {
            continue;
        }
        if (withIpv6) {
            const int fd6 = boundSocket(AF_INET6, port);
            if (fd6 < 0) {
                continue; // keep fd4 bound so this port is not offered again
            }
            fds.push_back(fd6);
        }
        ports.push_back(port);
    }
    for (int fd : fds) {
        close(fd);
    }
    return ports;
}

int connectTo(int family, quint16 port, int timeoutMs) {
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    int rc = -1;
    if (family == AF_INET) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        addr.sin6_addr = in6addr_loopback;
        rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd pfd{fd, POLLOUT, 0};
        if (poll(&pfd, 1, timeoutMs) == 1) {
            int soError = 0;
            socklen_t len = sizeof soError;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
            rc = soError == 0 ? 0 : -1;
        }
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool canConnectFamily(int family, quint16 port, int timeoutMs) {
    const int fd = connectTo(family, port, timeoutMs);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

// Reads the first line an FTP server sends; empty on timeout.
QByteArray readBanner(quint16 port, int timeoutMs) {
    const int fd = connectTo(AF_INET, port, timeoutMs);
    if (fd < 0) {
        return {};
    }
    QByteArray line;
    const QDeadlineTimer deadline(timeoutMs);
    while (!line.contains('\n') && !deadline.hasExpired()) {
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(deadline.remainingTime())) != 1) {
            break;
        }
        char buf[256];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        line.append(buf, n);
    }
    close(fd);
    return line;
}

// ---- nginx config ----------------------------------------------------------------------------

// A double-quoted nginx string (paths may contain spaces).
QString q(const QString& s) {
    QString out = s;
    out.replace(QLatin1String("\\"), QLatin1String("\\\\"));
    out.replace(QLatin1String("\""), QLatin1String("\\\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

QString joinUrl(const QString& base, const QString& path) {
    return path.startsWith(QLatin1Char('/')) ? base + path : base + QLatin1Char('/') + path;
}

// Undoes nginx's access log escaping (\xHH for bytes outside printable ASCII, " and \).
QString unescapeLogField(const QString& field) {
    if (field == QLatin1String("-")) {
        return {};
    }
    QByteArray in = field.toLatin1();
    QByteArray out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] == '\\' && i + 3 < in.size() && in[i + 1] == 'x') {
            bool ok = false;
            const int byte = in.mid(i + 2, 2).toInt(&ok, 16);
            if (ok) {
                out.append(static_cast<char>(byte));
                i += 3;
                continue;
            }
        }
        out.append(in[i]);
    }
    return QString::fromUtf8(out);
}

} // namespace

// ---- NginxServer -----------------------------------------------------------------------------

NginxServer::NginxServer()
    : m_executable(QString::fromLatin1(kNginx)) {
}

NginxServer::~NginxServer() {
    stop();
}

QString NginxServer::prefix() const {
    return m_prefix ? m_prefix->path() : QString();
}

QString NginxServer::docRoot() const {
    return m_prefix ? m_prefix->path() + QStringLiteral("/www") : QString();
}

QString NginxServer::caCertPath() const {
    return m_prefix ? m_prefix->path() + QStringLiteral("/tls/ca.crt") : QString();
}

QString NginxServer::httpUrl(const QString& path) const {
    return joinUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_httpPort), path);
}

QString NginxServer::httpsUrl(const QString& path) const {
    return joinUrl(QStringLiteral("https://localhost:%1").arg(m_httpsPort), path);
}

bool NginxServer::isRunning() const {
    if (m_pid > 0 && !childRunning(static_cast<pid_t>(m_pid))) {
        const_cast<NginxServer*>(this)->m_pid = -1; // reaped: forget the pid
    }
    return m_pid > 0;
}

QStringList NginxServer::accessLogLines() const {
    if (!m_prefix) {
        return {};
    }
    return readText(prefix() + QStringLiteral("/logs/access.log"))
        .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QList<AccessLogEntry> NginxServer::accessLog() const {
    QList<AccessLogEntry> entries;
    for (const QString& line : accessLogLines()) {
        const QStringList f = line.split(QLatin1Char('\t'));
        if (f.size() < 9) {
            continue;
        }
        AccessLogEntry e;
        e.method = f[0];
        e.uri = unescapeLogField(f[1]);
        e.requestUri = unescapeLogField(f[2]);
        e.status = f[3].toInt();
        e.range = unescapeLogField(f[4]);
        e.bytesSent = f[5].toLongLong();
        e.protocol = f[6];
        e.scheme = f[7];
        e.hasAuthorization = f[8] == QLatin1String("1");
        entries.append(e);
    }
    return entries;
}

void NginxServer::clearAccessLog() {
    if (m_prefix) {
        // nginx appends with O_APPEND, so truncating in place is safe.
        QFile(prefix() + QStringLiteral("/logs/access.log")).resize(0);
    }
}

QString NginxServer::errorLogText() const {
    if (!m_prefix) {
        return {};
    }
    return readText(prefix() + QStringLiteral("/logs/error.log")) +
           readText(prefix() + QStringLiteral("/logs/stderr.log"));
}

bool NginxServer::prepare(QString* error) {
    if (!QFileInfo(m_executable).isExecutable()) {
        setError(
            error,
            QStringLiteral("nginx not found at %1: apt-get install nginx-light").arg(m_executable));
        return false;
    }
    const QString openssl = QStringLiteral("/usr/bin/openssl");
    if (!QFileInfo(openssl).isExecutable()) {
        setError(
            error,
            QStringLiteral("openssl CLI not found at %1: apt-get install openssl").arg(openssl));
        return false;
    }
    auto dir =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/maria2-nginx-XXXXXX"));
    if (!dir->isValid()) {
        setError(error,
                 QStringLiteral("cannot create a temporary prefix: %1").arg(dir->errorString()));
        return false;
    }
    const QString p = dir->path();
    for (const char* sub :
         {"www", "logs", "tls", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"}) {
        if (!QDir().mkpath(p + QLatin1Char('/') + QLatin1String(sub))) {
            setError(error, QStringLiteral("cannot create %1/%2").arg(p, QLatin1String(sub)));
            return false;
        }
    }
    if (!writeText(p + QStringLiteral("/htpasswd"),
                   authUser() + QStringLiteral(":{PLAIN}") + authPassword() + QLatin1Char('\n'),
                   error)) {
        return false;
    }

    // A private CA and a server certificate it signs, valid for localhost, 127.0.0.1 and ::1.
    // Our own openssl config keeps the system one (and its defaults) out of the picture.
    const QString tls = p + QStringLiteral("/tls");
    const QString cnf = tls + QStringLiteral("/openssl.cnf");
    if (!writeText(cnf,
                   QStringLiteral("[ req ]\n"
                                  "distinguished_name = dn\n"
                                  "prompt = no\n"
                                  "[ dn ]\n"
                                  "CN = unused\n"
                                  "[ v3_ca ]\n"
                                  "basicConstraints = critical, CA:TRUE\n"
                                  "keyUsage = critical, keyCertSign, cRLSign\n"
                                  "subjectKeyIdentifier = hash\n"
                                  "authorityKeyIdentifier = keyid:always\n"
                                  "[ v3_server ]\n"
                                  "basicConstraints = critical, CA:FALSE\n"
                                  "keyUsage = critical, digitalSignature\n"
                                  "extendedKeyUsage = serverAuth\n"
                                  "subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost\n"
                                  "subjectKeyIdentifier = hash\n"
                                  "authorityKeyIdentifier = keyid, issuer\n"),
                   error)) {
        return false;
    }
    auto serial = [] {
        return QStringLiteral("0x%1").arg(QRandomGenerator::global()->generate64() >> 2, 16, 16,
                                          QLatin1Char('0'));
    };
    const QStringList ecKey = {
        QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
        QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
    ChildSpec tool;
    tool.program = openssl;
    tool.outputFile = tls + QStringLiteral("/openssl.log");
    tool.setEnv = {QStringLiteral("OPENSSL_CONF=") + cnf};
    const QList<QStringList> steps = {
        QStringList{QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-config"),
                    cnf} +
            ecKey +
            QStringList{QStringLiteral("-keyout"), tls + QStringLiteral("/ca.key"),
                        QStringLiteral("-out"), tls + QStringLiteral("/ca.crt"),
                        QStringLiteral("-days"), QStringLiteral("3"), QStringLiteral("-subj"),
                        QStringLiteral("/CN=MAria2 Test CA"), QStringLiteral("-extensions"),
                        QStringLiteral("v3_ca"), QStringLiteral("-set_serial"), serial()},
        QStringList{QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-config"), cnf} +
            ecKey +
            QStringList{QStringLiteral("-keyout"), tls + QStringLiteral("/server.key"),
                        QStringLiteral("-out"), tls + QStringLiteral("/server.csr"),
                        QStringLiteral("-subj"), QStringLiteral("/CN=localhost")},
        QStringList{QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                    tls + QStringLiteral("/server.csr"), QStringLiteral("-CA"),
                    tls + QStringLiteral("/ca.crt"), QStringLiteral("-CAkey"),
                    tls + QStringLiteral("/ca.key"), QStringLiteral("-set_serial"), serial(),
                    QStringLiteral("-days"), QStringLiteral("3"), QStringLiteral("-sha256"),
                    QStringLiteral("-extfile"), cnf, QStringLiteral("-extensions"),
                    QStringLiteral("v3_server"), QStringLiteral("-out"),
                    tls + QStringLiteral("/server.crt")},
    };
    for (const QStringList& args : steps) {
        tool.args = args;
        if (!runTool(tool, 30000, error)) {
            return false;
        }
    }

    m_ipv6 = ipv6LoopbackAvailable();
    m_prefix = std::move(dir);
    return true;
}

bool NginxServer::writeConfig(QString* error) {
    const QString p = prefix();
    const QString doc = docRoot();
    QString listen = QStringLiteral("        listen 127.0.0.1:%1;\n"
                                    "        listen 127.0.0.1:%2 ssl http2;\n")
                         .arg(m_httpPort)
                         .arg(m_httpsPort);
    if (m_ipv6) {
        listen += QStringLiteral("        listen [::1]:%1;\n"
                                 "        listen [::1]:%2 ssl http2;\n")
                      .arg(m_httpPort)
                      .arg(m_httpsPort);
    }
    // Single process (master_process off): one pid to signal and to kill, which PDEATHSIG covers.
    // The `user` directive is only valid for root; as root it keeps nginx reading root-owned
    // folders (the 0700 temporary prefix) should it ever switch users.
    const QString conf =
        QStringLiteral("# Generated by maria2::test::NginxServer.\n") +
        (geteuid() == 0 ? QStringLiteral("user root;\n") : QString()) +
        QStringLiteral("master_process off;\n"
                       "worker_processes 1;\n"
                       "pid %1;\n"
                       "lock_file %2;\n"
                       "error_log %3 notice;\n"
                       "\n"
                       "events {\n"
                       "    worker_connections 512;\n"
                       "}\n"
                       "\n"
                       "http {\n"
                       "    types {\n"
                       "        text/html html htm;\n"
                       "        text/plain txt;\n"
                       "        application/json json;\n"
                       "        application/zip zip;\n"
                       "        application/gzip gz;\n"
                       "        application/x-iso9660-image iso;\n"
                       "        image/png png;\n"
                       "    }\n"
                       "    default_type application/octet-stream;\n"
                       "    client_body_temp_path %4;\n"
                       "    proxy_temp_path %5;\n"
                       "    fastcgi_temp_path %6;\n"
                       "    uwsgi_temp_path %7;\n"
                       "    scgi_temp_path %8;\n"
                       "\n"
                       "    map $http_authorization $maria2_auth {\n"
                       "        \"\" 0;\n"
                       "        default 1;\n"
                       "    }\n"
                       // Tab-separated so AccessLogEntry can split it; no buffer= so every
                       // request is written as soon as it is finished.
                       "    log_format maria2 \"$request_method\\t$uri\\t$request_uri\\t$status"
                       "\\t$http_range\\t$body_bytes_sent\\t$server_protocol\\t$scheme"
                       "\\t$maria2_auth\";\n"
                       "    access_log %9 maria2;\n"
                       "\n"
                       "    sendfile on;\n"
                       "    keepalive_timeout 30s;\n"
                       "    absolute_redirect off;\n"
                       "    server_tokens off;\n"
                       "    open_file_cache off;\n"
                       "\n"
                       "    server {\n")
            .arg(q(p + QStringLiteral("/nginx.pid")), q(p + QStringLiteral("/nginx.lock")),
                 q(p + QStringLiteral("/logs/error.log")), q(p + QStringLiteral("/tmp/body")),
                 q(p + QStringLiteral("/tmp/proxy")), q(p + QStringLiteral("/tmp/fastcgi")),
                 q(p + QStringLiteral("/tmp/uwsgi")), q(p + QStringLiteral("/tmp/scgi")),
                 q(p + QStringLiteral("/logs/access.log"))) +
        listen +
        QStringLiteral(
            "        server_name localhost 127.0.0.1;\n"
            "        ssl_certificate %1;\n"
            "        ssl_certificate_key %2;\n"
            "        ssl_protocols TLSv1.2 TLSv1.3;\n"
            "        root %3;\n"
            "\n"
            "        location / {\n"
            "        }\n"
            "        location /slow/ {\n"
            "            alias %4;\n"
            "            limit_rate 256k;\n"
            "            sendfile_max_chunk 64k;\n"
            "        }\n"
            "        location /redirect/ {\n"
            "            rewrite ^/redirect/(.*)$ /$1 redirect;\n"
            "        }\n"
            "        location /redirect2/ {\n"
            "            rewrite ^/redirect2/(.*)$ /redirect/$1 permanent;\n"
            "        }\n"
            "        location /redirect-https/ {\n"
            "            rewrite ^/redirect-https/(.*)$ https://localhost:%5/$1 redirect;\n"
            "        }\n"
            "        location = /loop {\n"
            "            return 302 /loop;\n"
            "        }\n"
            "        location /cd/ {\n"
            "            alias %4;\n"
            "            add_header Content-Disposition"
            " \"attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\";\n"
            "        }\n"
            "        location /evil-cd/ {\n"
            "            alias %4;\n"
            "            add_header Content-Disposition"
            " 'attachment; filename=\"../../escape.bin\"';\n"
            "        }\n"
            "        location /noranges/ {\n"
            "            alias %4;\n"
            "            max_ranges 0;\n"
            "        }\n"
            // sub_filter with a pattern that never matches drops Content-Length (and so
            // ranges) without changing a byte of the body.
            "        location /chunked/ {\n"
            "            alias %4;\n"
            "            sub_filter '<maria2:never-matches:7f3c9a1e5b2d4e60>' '';\n"
            "            sub_filter_types *;\n"
            "        }\n"
            "        location /html/ {\n"
            "            alias %4;\n"
            "            types { }\n"
            "            default_type text/html;\n"
            "        }\n"
            "        location /auth/ {\n"
            "            alias %4;\n"
            "            auth_basic \"maria2 test\";\n"
            "            auth_basic_user_file %6;\n"
            "        }\n"
            "        location /status/503 {\n"
            "            add_header Retry-After 1 always;\n"
            "            return 503;\n"
            "        }\n"
            "        location /status/429 {\n"
            "            add_header Retry-After 2 always;\n"
            "            return 429;\n"
            "        }\n"
            "        location /status/500 {\n"
            "            return 500;\n"
            "        }\n"
            "        location /status/404 {\n"
            "            return 404;\n"
            "        }\n"
            "    }\n"
            "}\n")
            .arg(q(p + QStringLiteral("/tls/server.crt")), q(p + QStringLiteral("/tls/server.key")),
                 q(doc), q(doc + QLatin1Char('/')), QString::number(m_httpsPort),
                 q(p + QStringLiteral("/htpasswd")));
    return writeText(p + QStringLiteral("/nginx.conf"), conf, error);
}

bool NginxServer::startOnce(QString* error, bool* portRace) {
    *portRace = false;
    const QString p = prefix();
    const QString pidFile = p + QStringLiteral("/nginx.pid");
    const QString errorLog = p + QStringLiteral("/logs/error.log");
    const QString stderrLog = p + QStringLiteral("/logs/stderr.log");
    QFile::remove(pidFile);
    const qint64 errorLogStart = fileSize(errorLog);
    const qint64 stderrLogStart = fileSize(stderrLog);
    auto newLogs = [&] {
        return readText(stderrLog, stderrLogStart) + readText(errorLog, errorLogStart);
    };

    ChildSpec spec;
    spec.program = m_executable;
    spec.args = {QStringLiteral("-p"), p + QLatin1Char('/'),
                 QStringLiteral("-c"), p + QStringLiteral("/nginx.conf"),
                 QStringLiteral("-g"), QStringLiteral("daemon off;")};
    spec.outputFile = stderrLog;
    const pid_t pid = spawnChild(spec, error);
    if (pid < 0) {
        return false;
    }
    m_pid = pid;

    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (true) {
        int status = 0;
        if (!childRunning(pid, &status)) {
            m_pid = -1;
            const QString logs = newLogs();
            *portRace = logs.contains(QLatin1String("Address already in use"));
            setError(error, QStringLiteral("nginx exited during startup (%1):\n%2")
                                .arg(describeStatus(status), logs));
            return false;
        }
        const QString logs = newLogs();
        if (logs.contains(QLatin1String("Address already in use"))) {
            // nginx would retry bind() for 2.5 s before giving up; pick new ports right away.
            stopChild(pid);
            m_pid = -1;
            *portRace = true;
            setError(error, QStringLiteral("nginx could not bind its ports:\n%1").arg(logs));
            return false;
        }
        // The pid file is written only after every listening socket is bound, so a connect that
        // succeeds then reaches this nginx and not whoever else might own the port.
        const bool ownsPorts = readText(pidFile).trimmed() == QString::number(pid);
        if (ownsPorts && canConnectFamily(AF_INET, m_httpPort, 200) &&
            canConnectFamily(AF_INET, m_httpsPort, 200) &&
            (!m_ipv6 || (canConnectFamily(AF_INET6, m_httpPort, 200) &&
                         canConnectFamily(AF_INET6, m_httpsPort, 200)))) {
            return true;
        }
        if (deadline.hasExpired()) {
            stopChild(pid);
            m_pid = -1;
            setError(error, QStringLiteral("nginx not ready after %1 ms:\n%2")
                                .arg(kReadyTimeoutMs)
                                .arg(newLogs()));
            return false;
        }
        QThread::msleep(10);
    }
}

bool NginxServer::start(QString* error) {
    setError(error, QString());
    if (isRunning()) {
        return true;
    }
    const bool firstStart = !m_prefix;
    if (firstStart && !prepare(error)) {
        return false;
    }
    for (int attempt = 0; attempt <= kPortRaceRetries; ++attempt) {
        if (firstStart) {
            const std::vector<quint16> ports = pickPorts(2, m_ipv6);
            if (ports.size() != 2) {
                setError(error, QStringLiteral("no free loopback ports"));
                return false;
            }
            m_httpPort = ports[0];
            m_httpsPort = ports[1];
        }
        bool portRace = false;
        if (!writeConfig(error)) {
            return false;
        }
        if (startOnce(error, &portRace)) {
            return true;
        }
        // A restart keeps its ports (URLs were handed out), so a race there is final.
        if (!portRace || !firstStart) {
            return false;
        }
    }
    return false;
}

void NginxServer::stop() {
    if (m_pid > 0) {
        stopChild(static_cast<pid_t>(m_pid));
        m_pid = -1;
    }
}

// ---- FtpServer -------------------------------------------------------------------------------

FtpServer::FtpServer()
    : m_python(QString::fromLatin1(kPython)) {
}

FtpServer::~FtpServer() {
    stop();
}

QString FtpServer::root() const {
    return m_dir ? m_dir->path() + QStringLiteral("/root") : QString();
}

QString FtpServer::url(const QString& name) const {
    return joinUrl(QStringLiteral("ftp://127.0.0.1:%1").arg(m_port), name);
}

bool FtpServer::isRunning() const {
    if (m_pid > 0 && !childRunning(static_cast<pid_t>(m_pid))) {
        const_cast<FtpServer*>(this)->m_pid = -1;
    }
    return m_pid > 0;
}

QStringList FtpServer::logLines() const {
    if (!m_dir) {
        return {};
    }
    return readText(m_dir->path() + QStringLiteral("/ftp.log"))
        .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

bool FtpServer::startOnce(QString* error, bool* portRace) {
    *portRace = false;
    const QString log = m_dir->path() + QStringLiteral("/ftp.log");
    const qint64 logStart = fileSize(log);

    ChildSpec spec;
    spec.program = m_python;
    // Anonymous and read-only; passive ports come from the kernel on 127.0.0.1. -D logs every
    // command and reply so tests can check what the client sent (REST, EPSV/PASV...).
    spec.args = {QStringLiteral("-m"), QStringLiteral("pyftpdlib"),
                 QStringLiteral("-i"), QStringLiteral("127.0.0.1"),
                 QStringLiteral("-p"), QString::number(m_port),
                 QStringLiteral("-d"), root(),
                 QStringLiteral("-D")};
    spec.outputFile = log;
    // A pyenv or virtualenv in the environment must not redirect the system python.
    spec.unsetEnv = {QStringLiteral("PYTHONHOME"), QStringLiteral("PYTHONPATH"),
                     QStringLiteral("PYTHONSTARTUP")};
    spec.setEnv = {QStringLiteral("PYTHONUNBUFFERED=1"),
                   QStringLiteral("PYTHONDONTWRITEBYTECODE=1")};
    const pid_t pid = spawnChild(spec, error);
    if (pid < 0) {
        return false;
    }
    m_pid = pid;

    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (true) {
        int status = 0;
        if (!childRunning(pid, &status)) {
            m_pid = -1;
            const QString logs = readText(log, logStart);
            if (logs.contains(QLatin1String("No module named pyftpdlib"))) {
                setError(error, QStringLiteral("pyftpdlib is missing for %1: apt-get install "
                                               "python3-pyftpdlib\n%2")
                                    .arg(m_python, logs));
                return false;
            }
            *portRace = logs.contains(QLatin1String("Address already in use"));
            setError(error, QStringLiteral("pyftpdlib exited during startup (%1):\n%2")
                                .arg(describeStatus(status), logs));
            return false;
        }
        // pyftpdlib logs this line only once its socket is bound, so the banner that follows
        // comes from our child and not from whoever else might own the port.
        const QString started =
            QStringLiteral(">>> starting FTP server on 127.0.0.1:%1, pid=%2 ").arg(m_port).arg(pid);
        if (readText(log, logStart).contains(started) &&
            readBanner(m_port, 500).startsWith("220")) {
            return true;
        }
        if (deadline.hasExpired()) {
            stopChild(pid);
            m_pid = -1;
            setError(error, QStringLiteral("pyftpdlib not ready after %1 ms:\n%2")
                                .arg(kReadyTimeoutMs)
                                .arg(readText(log, logStart)));
            return false;
        }
        QThread::msleep(10);
    }
}

bool FtpServer::start(QString* error) {
    setError(error, QString());
    if (isRunning()) {
        return true;
    }
    if (!QFileInfo(m_python).isExecutable()) {
        setError(error, QStringLiteral("%1 not found: apt-get install python3 python3-pyftpdlib")
                            .arg(m_python));
        return false;
    }
    const bool firstStart = !m_dir;
    if (firstStart) {
        auto dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                                   QStringLiteral("/maria2-ftp-XXXXXX"));
        if (!dir->isValid() || !QDir().mkpath(dir->path() + QStringLiteral("/root"))) {
            setError(
                error,
                QStringLiteral("cannot create a temporary FTP root: %1").arg(dir->errorString()));
            return false;
        }
        m_dir = std::move(dir);
    }
    for (int attempt = 0; attempt <= kPortRaceRetries; ++attempt) {
        if (firstStart) {
            const std::vector<quint16> ports = pickPorts(1, false);
            if (ports.empty()) {
                setError(error, QStringLiteral("no free loopback port"));
                return false;
            }
            m_port = ports[0];
        }
        bool portRace = false;
        if (startOnce(error, &portRace)) {
            return true;
        }
        if (!portRace || !firstStart) {
            return false;
        }
    }
    return false;
}

void FtpServer::stop() {
    if (m_pid > 0) {
        stopChild(static_cast<pid_t>(m_pid));
        m_pid = -1;
    }
}

// ---- Helpers ---------------------------------------------------------------------------------

QString writeRandomFile(const QString& path, qint64 size, quint32 seed) {
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        return {};
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    // splitmix64, serialised little-endian: the same bytes on every platform and run.
    quint64 state = seed;
    auto next = [&state] {
        quint64 z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    constexpr qint64 kChunk = 1 << 20;
    QByteArray chunk;
    for (qint64 written = 0; written < size;) {
        const qint64 n = qMin(kChunk, size - written);
        chunk.resize(static_cast<qsizetype>((n + 7) / 8 * 8));
        for (qsizetype i = 0; i < chunk.size(); i += 8) {
            const quint64 v = next();
            for (int b = 0; b < 8; ++b) {
                chunk[i + b] = static_cast<char>((v >> (8 * b)) & 0xff);
            }
        }
        chunk.truncate(static_cast<qsizetype>(n));
        if (file.write(chunk) != n) {
            return {};
        }
        hash.addData(chunk);
        written += n;
    }
    if (!file.flush()) {
        return {};
    }
    return QString::fromLatin1(hash.result().toHex());
}

QString sha256OfFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file)) {
        return {};
    }
    return QString::fromLatin1(hash.result().toHex());
}

bool waitFor(const std::function<bool()>& cond, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    while (!cond()) {
        if (deadline.hasExpired()) {
            return cond();
        }
        if (QCoreApplication::instance() != nullptr &&
            QAbstractEventDispatcher::instance() != nullptr) {
            // Wakes up for events as they arrive instead of sleeping through them.
            QEventLoop loop;
            QTimer::singleShot(5, &loop, &QEventLoop::quit);
            loop.exec();
        } else {
            QThread::msleep(5);
        }
    }
    return true;
}

quint16 findFreePort() {
    const std::vector<quint16> ports = pickPorts(1, false);
    return ports.empty() ? 0 : ports[0];
}

bool canConnect(quint16 port, int timeoutMs) {
    return canConnectFamily(AF_INET, port, timeoutMs);
}

} // namespace maria2::test
