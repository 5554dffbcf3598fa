// NginxServer: its private prefix, CA and server certificate, nginx.conf, start/stop and the
// access log.
#include "support/TestServers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <unistd.h>

namespace maria2::test {

using detail::joinUrl;
using detail::readText;
using detail::setError;
using detail::writeText;

namespace {

const char* const kNginx = "/usr/sbin/nginx";

// A double-quoted nginx string (paths may contain spaces).
QString q(const QString& s) {
    QString out = s;
    out.replace(QLatin1String("\\"), QLatin1String("\\\\"));
    out.replace(QLatin1String("\""), QLatin1String("\\\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
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
    return m_child.isRunning();
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
        if (f.size() >= 11) {
            e.connection = f[9].toLongLong();
            e.connectionRequests = f[10].toInt();
        }
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
        if (!ChildProcess::run(tool, 30000, error)) {
            return false;
        }
    }

    m_ipv6 = detail::ipv6LoopbackAvailable();
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
                       "\\t$maria2_auth\\t$connection\\t$connection_requests\";\n"
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
            "        location /redirect-http/ {\n"
            "            rewrite ^/redirect-http/(.*)$ http://127.0.0.1:%7/$1 redirect;\n"
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
                 q(p + QStringLiteral("/htpasswd")), QString::number(m_httpPort));
    return writeText(p + QStringLiteral("/nginx.conf"), conf, error);
}

bool NginxServer::startOnce(QString* error, bool* portRace) {
    const QString p = prefix();
    const QString pidFile = p + QStringLiteral("/nginx.pid");
    const QString errorLog = p + QStringLiteral("/logs/error.log");
    const QString stderrLog = p + QStringLiteral("/logs/stderr.log");
    QFile::remove(pidFile);
    const qint64 errorLogStart = detail::fileSize(errorLog);
    const qint64 stderrLogStart = detail::fileSize(stderrLog);

    ServerSpec server;
    server.name = QStringLiteral("nginx");
    server.child.program = m_executable;
    server.child.args = {QStringLiteral("-p"), p + QLatin1Char('/'),
                         QStringLiteral("-c"), p + QStringLiteral("/nginx.conf"),
                         QStringLiteral("-g"), QStringLiteral("daemon off;")};
    server.child.outputFile = stderrLog;
    server.newOutput = [&] {
        return readText(stderrLog, stderrLogStart) + readText(errorLog, errorLogStart);
    };
    // The pid file is written only after every listening socket is bound, so a connect that
    // succeeds then reaches this nginx and not whoever else might own the port.
    server.ready = [&](qint64 pid, const QString&) {
        return readText(pidFile).trimmed() == QString::number(pid) && canConnect(m_httpPort, 200) &&
               canConnect(m_httpsPort, 200) &&
               (!m_ipv6 || (detail::canConnectIpv6(m_httpPort, 200) &&
                            detail::canConnectIpv6(m_httpsPort, 200)));
    };
    return m_child.startServer(server, portRace, error);
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
    return detail::startOnFreePorts(
        firstStart, {&m_httpPort, &m_httpsPort}, m_ipv6,
        [&](bool* portRace) { return writeConfig(error) && startOnce(error, portRace); }, error);
}

void NginxServer::stop() {
    m_child.stop();
}

} // namespace maria2::test
