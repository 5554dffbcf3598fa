// Real servers on free loopback ports for integration tests: an nginx (HTTP + HTTPS/HTTP2 with a
// private CA) and a pyftpdlib FTP server. The file and wait helpers (writeRandomFile,
// sha256OfFile, waitFor; support/Files.h) and the port helpers (findFreePort, canConnect;
// support/Ports.h) come with this header.
//
// Both servers run as child processes (support/ChildProcess.h) in their own process group with
// PR_SET_PDEATHSIG, so they die with the test binary even when it crashes. No QCoreApplication is
// needed. Start them from a thread that outlives them (normally the test's main thread):
// PDEATHSIG fires when the thread that started the child exits, not only the process.
#pragma once

#include "support/ChildProcess.h"
#include "support/Files.h"
#include "support/Ports.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <functional>
#include <memory>

class QTemporaryDir;

namespace maria2::test {

// One line of the nginx access log, parsed.
struct AccessLogEntry {
    QString method;
    QString uri;        // $uri: decoded, without the query string
    QString requestUri; // $request_uri: as sent, with the query string
    int status = 0;
    QString range;        // the Range request header, empty if none was sent
    qint64 bytesSent = 0; // body bytes, not headers
    QString protocol;     // "HTTP/1.1", "HTTP/2.0"
    QString scheme;       // "http" or "https"
    bool hasAuthorization = false;
    qint64 connection = 0;      // nginx's $connection: the TCP (or TLS) connection's serial number
    int connectionRequests = 0; // $connection_requests: this request's number on it (1 = new)
};

// nginx 1.22 on 127.0.0.1 (and ::1 when available), one HTTP port and one HTTPS port (TLS with
// HTTP/2 via ALPN). Everything (config, logs, certificates, doc root) lives in a private prefix
// that is removed in the destructor.
//
// Locations, NAME being a path below docRoot():
//   /NAME                 static file (sendfile, Accept-Ranges, ETag, Last-Modified)
//   /slow/NAME            the same file at limit_rate 256k
//   /redirect/NAME        302 to /NAME            (Location is relative: absolute_redirect off)
//   /redirect2/NAME       301 to /redirect/NAME   (two hops)
//   /redirect-https/NAME  302 to https://localhost:HTTPSPORT/NAME (absolute, cross-scheme)
//   /redirect-http/NAME   302 to http://127.0.0.1:HTTPPORT/NAME (absolute: https -> http)
//   /loop                 302 to /loop, forever
//   /cd/NAME              Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin
//   /evil-cd/NAME         Content-Disposition: attachment; filename="../../escape.bin"
//   /noranges/NAME        max_ranges 0: no Accept-Ranges, a Range request gets 200 + full body
//   /chunked/NAME         no Content-Length (chunked on HTTP/1.1), so no ranges either
//   /html/NAME            Content-Type text/html whatever the extension
//   /auth/NAME            basic auth with authUser() / authPassword(); 401 otherwise
//   /status/503[/...]     503 with Retry-After: 1
//   /status/429[/...]     429 with Retry-After: 2
//   /status/500[/...]     500
//   /status/404[/...]     404
class NginxServer {
public:
    NginxServer();
    ~NginxServer();
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    // Starts nginx and waits (bounded) until it accepts connections on every port. On failure
    // returns false and describes why (including what to install). After stop(), start() again
    // reuses the same ports, doc root, CA and access log, so URLs taken before stay valid.
    bool start(QString* error = nullptr);
    // TERM, bounded wait, then KILL of the whole process group. Idempotent.
    void stop();
    bool isRunning() const;
    qint64 pid() const { return m_child.pid(); }

    quint16 httpPort() const { return m_httpPort; }
    quint16 httpsPort() const { return m_httpsPort; }
    // "x", "/x", "a/b?q=1" -> http://127.0.0.1:PORT/x ... The path is used verbatim (not encoded).
    QString httpUrl(const QString& path) const;
    // https://localhost:PORT/path; the certificate is valid for localhost and 127.0.0.1.
    QString httpsUrl(const QString& path) const;

    QString prefix() const;
    QString docRoot() const;
    QString caCertPath() const; // PEM of the private CA that signed the server certificate
    static QString authUser() { return QStringLiteral("maria"); }
    static QString authPassword() { return QStringLiteral("s3cret"); }

    // nginx logs a request after its last byte is sent, so a client may finish before the line
    // exists: read these inside waitFor().
    QStringList accessLogLines() const;
    QList<AccessLogEntry> accessLog() const;
    void clearAccessLog();
    QString errorLogText() const;

    // For testing the failure path; the default is /usr/sbin/nginx.
    void setExecutable(const QString& path) { m_executable = path; }

private:
    bool prepare(QString* error);
    bool writeConfig(QString* error);
    bool startOnce(QString* error, bool* portRace);

    std::unique_ptr<QTemporaryDir> m_prefix;
    QString m_executable;
    ChildProcess m_child;
    quint16 m_httpPort = 0;
    quint16 m_httpsPort = 0;
    bool m_ipv6 = false;
};

// pyftpdlib (anonymous, read-only, passive mode) on 127.0.0.1 and a free port, serving root().
class FtpServer {
public:
    FtpServer();
    ~FtpServer();
    FtpServer(const FtpServer&) = delete;
    FtpServer& operator=(const FtpServer&) = delete;

    // Same contract as NginxServer::start(): bounded, restartable on the same port.
    bool start(QString* error = nullptr);
    void stop();
    bool isRunning() const;
    qint64 pid() const { return m_child.pid(); }

    quint16 port() const { return m_port; }
    QString root() const;
    // ftp://127.0.0.1:PORT/name (name verbatim, leading slash optional).
    QString url(const QString& name) const;
    // The pyftpdlib debug log (every command and reply), e.g. to check that REST was sent.
    QStringList logLines() const;

    // For testing the failure path; the default is /usr/bin/python3.
    void setPythonExecutable(const QString& path) { m_python = path; }

private:
    bool startOnce(QString* error, bool* portRace);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_python;
    ChildProcess m_child;
    quint16 m_port = 0;
};

} // namespace maria2::test
