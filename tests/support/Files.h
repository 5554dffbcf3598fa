// File and wait helpers for tests: writeRandomFile, sha256OfFile, waitFor. Namespace detail holds
// the small file helpers the servers of this library share; it is not for tests.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <functional>

namespace maria2::test {

// Writes `size` deterministic pseudo-random bytes (same seed, same bytes) to path, creating parent
// folders. Returns the lowercase sha256 hex of the content, or an empty string on failure.
QString writeRandomFile(const QString& path, qint64 size, quint32 seed);
// Lowercase sha256 hex of a file, empty if it cannot be read.
QString sha256OfFile(const QString& path);
// Polls cond until true or timeoutMs elapsed, running Qt events in between when this thread has
// an event dispatcher. Returns the last value of cond.
bool waitFor(const std::function<bool()>& cond, int timeoutMs);

namespace detail {

// Sets *error when the caller asked for it (error is optional everywhere in this library).
void setError(QString* error, const QString& message);

// The bytes of path from offset `from` on (a log read from where this start began); empty if it
// cannot be read.
QByteArray readBytes(const QString& path, qint64 from = 0);
// readBytes() decoded as UTF-8.
QString readText(const QString& path, qint64 from = 0);
// The size of path, 0 if it does not exist.
qint64 fileSize(const QString& path);
// Replaces the content of path with text (UTF-8); false with error set on failure.
bool writeText(const QString& path, const QString& text, QString* error);

} // namespace detail

} // namespace maria2::test
