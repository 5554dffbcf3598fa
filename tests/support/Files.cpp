// Random test files, checksums, bounded waits and the servers' log-file reading.
#include "support/Files.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

namespace maria2::test {

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

namespace detail {

void setError(QString* error, const QString& message) {
    if (error != nullptr) {
        *error = message;
    }
}

QByteArray readBytes(const QString& path, qint64 from) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    if (from > 0 && !file.seek(from)) {
        return {};
    }
    return file.readAll();
}

QString readText(const QString& path, qint64 from) {
    return QString::fromUtf8(readBytes(path, from));
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

} // namespace detail

} // namespace maria2::test
