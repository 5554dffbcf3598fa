#pragma once
// maria2::Session: the one facade both front ends (maria2c and the GUI) drive.
// It owns the download engine (its own thread, libcurl) and turns engine events into
// queued Qt signals carrying plain value snapshots. Lives on the thread that created it.
#include "core/config/Config.h"
#include "core/engine/DownloadTypes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <memory>

namespace maria2 {

class Engine;

class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(const Config& config, QObject* parent = nullptr);
    ~Session() override; // shuts down: transfers stop, partial files stay resumable

    const Config& config() const { return m_config; }

    // Adds a download; it starts when a slot is free (MaxConcurrentDownloads).
    // Emits downloadAdded at once with the initial snapshot.
    DownloadId add(const DownloadRequest& request);
    void pause(DownloadId id);
    void resume(DownloadId id);
    // Removes from the list; with deleteFiles an unfinished download's .part file goes too.
    void remove(DownloadId id, bool deleteFiles = false);
    void pauseAll();
    void resumeAll();
    void setMaxConcurrentDownloads(int n);
    // A refreshed link for a download (e.g. after "link expired"). Resume it afterwards: it
    // continues from its bytes if the server shows the same file, else it says so.
    void changeUrl(DownloadId id, const QString& url);

    // The latest snapshot of every download, in the order they were added.
    QList<DownloadSnapshot> downloads() const;
    DownloadSnapshot download(DownloadId id) const; // id 0 if unknown

    // Stops all transfers, flushing partial files (resumable with -c). Idempotent.
    void shutdown();

signals:
    void downloadAdded(const maria2::DownloadSnapshot& snapshot);
    // Any change of state (started, completed, failed, paused, retrying ...), at once.
    void downloadStateChanged(const maria2::DownloadSnapshot& snapshot);
    // Batched progress of the downloads that changed since the last batch; at most ~10/s.
    void progress(const QList<maria2::DownloadSnapshot>& snapshots);
    void downloadRemoved(maria2::DownloadId id);
    // Nothing is queued, connecting, downloading or waiting to retry.
    void idle();

private:
    class Listener;
    void applySnapshot(const DownloadSnapshot& s);
    void onEngineState(const DownloadSnapshot& s);
    void onEngineProgress(const QList<DownloadSnapshot>& batch);
    void checkIdle();

    Config m_config;
    std::unique_ptr<Listener> m_listener;
    std::unique_ptr<Engine> m_engine;
    QList<DownloadId> m_order;
    QHash<DownloadId, DownloadSnapshot> m_latest;
    bool m_wasIdle = true;
    bool m_shutdown = false;
};

} // namespace maria2

Q_DECLARE_METATYPE(maria2::DownloadSnapshot)
