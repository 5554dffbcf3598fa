// Loopback ports for tests: a free port and a connect check. Namespace detail holds what the
// servers of this library use to pick their ports, to see them answer and to start on them,
// retrying a lost port race; it is not for tests.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

class QTemporaryDir;

namespace maria2::test {

// A port on 127.0.0.1 that was free a moment ago (racy by nature; for "connection refused" tests).
quint16 findFreePort();
// True if a TCP connect to 127.0.0.1:port succeeds within timeoutMs.
bool canConnect(quint16 port, int timeoutMs = 1000);

namespace detail {

// `count` distinct ports free on 127.0.0.1 (and on ::1 too if withIpv6); fewer if none are left.
std::vector<quint16> pickFreePorts(int count, bool withIpv6);
// True if a socket can be bound to ::1 (IPv6 may be disabled in containers).
bool ipv6LoopbackAvailable();
// canConnect() for [::1]:port.
bool canConnectIpv6(quint16 port, int timeoutMs);
// The first line a server on 127.0.0.1:port sends once connected (an FTP banner); empty when
// nothing arrives within timeoutMs.
QByteArray readFirstLine(quint16 port, int timeoutMs);

// base + "/" + path, whether or not path starts with a slash; path is used verbatim.
QString joinUrl(const QString& base, const QString& path);

// Starts a server on loopback ports picked a moment earlier, which someone else may bind first.
// On a first start, each attempt gets fresh free ports in *ports (free on ::1 too if withIpv6)
// and is retried a few times while it reports a port race. A restart keeps the ports it has,
// since URLs were handed out, and makes one attempt.
bool startOnFreePorts(bool firstStart, std::initializer_list<quint16*> ports, bool withIpv6,
                      const std::function<bool(bool* portRace)>& attempt, QString* error);
// startOnFreePorts() for a server on one port that serves a private folder: the first start also
// creates *dir, QDir::tempPath()/maria2-NAME-XXXXXX (removed with the object) with an empty root/
// inside, failing with "cannot create a temporary WHAT: REASON"; a restart reuses both.
bool startInServerDir(std::unique_ptr<QTemporaryDir>* dir, const QString& name, const QString& what,
                      quint16* port, const std::function<bool(bool* portRace)>& attempt,
                      QString* error);

} // namespace detail

} // namespace maria2::test
