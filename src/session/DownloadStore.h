#pragma once
// maria2::DownloadStore: the GUI's queue and history in an SQLite file (Qt SQL, QSQLITE driver,
// WAL). One connection per instance, used only on the thread that opened it (the Session's).
//
// A file that is not a database, fails PRAGMA integrity_check or cannot be migrated is renamed to
// NAME.corrupt-yyyyMMdd-hhmmss (never emptied) and a fresh one is started; warning() says so.
// A database written by a newer schema is refused untouched.
//
// Request headers are stored as given, in clear: the user asked for them and a resumed download
// needs them (they may carry cookies or tokens). The file is created owner-only (0600), and
// nothing here ever logs them.
#include "core/types/DownloadTypes.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QtGlobal>

#include <utility>

namespace maria2 {

// One row of the queue: what was asked for and how it last stood.
struct StoredDownload {
    qint64 key = 0;
    qint64 position = 0;
    DownloadRequest request; // url, directory, fileName (-o), options and maxSpeed as added
    DownloadState state = DownloadState::Queued;
    std::string finalPath; // where the file is / will be; empty until the name is known
    std::int64_t totalBytes = -1;
    std::int64_t doneBytes = 0;
    ErrorCode error = ErrorCode::Ok;
    std::string errorMessage;
    std::int64_t addedAtMs = 0;
    std::int64_t finishedAtMs = 0; // 0 = not finished (Completed or Failed)
    std::int64_t updatedAtMs = 0;
};

class DownloadStore {
public:
    // The schema this build writes (PRAGMA user_version).
    static int schemaVersion();

    explicit DownloadStore(QString path);
    ~DownloadStore();
    DownloadStore(const DownloadStore&) = delete;
    DownloadStore& operator=(const DownloadStore&) = delete;

    // Opens or creates the database and migrates it. False (and *error set) if it cannot be used:
    // no SQLite driver, an unwritable folder, a locked file, a newer schema (left untouched).
    bool open(QString* error = nullptr);
    bool isOpen() const { return m_open; }
    QString path() const { return m_path; }
    // Non-empty when open() had to move an unreadable database aside; names both files.
    QString warning() const { return m_warning; }

    // Appends a download at the end of the queue; returns its key (0 on failure).
    qint64 insert(const DownloadRequest& request, qint64 addedAtMs);
    // State, bytes, final path and error of one download (one UPDATE).
    void updateFromSnapshot(qint64 key, const DownloadSnapshot& snapshot);
    // Several updates in one transaction.
    void updateMany(const QList<std::pair<qint64, DownloadSnapshot>>& updates);
    void setUrl(qint64 key, const std::string& url);
    // The download's own speed limit (request.maxSpeed), B/s, 0 = none.
    void setMaxSpeed(qint64 key, std::int64_t bytesPerSecond);
    void remove(qint64 key);
    // What the engine pool learned of each host, as JSON text per host key (upserted).
    void saveHostProfiles(const QList<QPair<QString, QString>>& hostToJson);
    QList<QPair<QString, QString>> loadHostProfiles() const;
    // Every download, in queue order.
    QList<StoredDownload> load() const;
    // Renumbers the queue: keysInOrder first, in that order; others keep their relative order
    // after them.
    void setPositions(const QList<qint64>& keysInOrder);

private:
    enum class Outcome { Ok, Unreadable, Refused };
    Outcome tryOpen(QString* why);
    Outcome migrate(QString* why);
    bool moveAside(QString* movedTo, QString* error);
    void closeConnection();
    bool exec(const QString& sql, const char* what) const;

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
    QString m_warning;
    bool m_open = false;
};

} // namespace maria2
