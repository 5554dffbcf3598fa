#pragma once
// maria2::Session: the one facade both front ends (maria2c and the GUI) drive.
// It owns the download engine (its own thread, libcurl) and turns engine events into
// queued Qt signals carrying plain value snapshots. Lives on the thread that created it.
//
// With a database (SessionOptions::databasePath) the queue and history persist: every download
// is saved when added, on every state change and, while it runs, its bytes at most every ~2 s.
// A new Session on the same file shows them all again: finished ones as they were (not run),
// interrupted ones resume from their part files by themselves, paused ones stay paused.
//
// It also watches the machine (ResourceWatch: CPU, memory, free space of every folder in use)
// and lets the governor cut back when the machine is loaded (SessionGovernor), keeps the speed
// limits and time windows in force (SessionLimits), and publishes one MetricsSnapshot per
// sample (docs/throttling.md, "Session").
#include "core/config/Config.h"
#include "core/monitor/Metrics.h"
#include "core/types/DownloadTypes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

class QTimer;

namespace maria2 {

class DownloadStore;
class EnginePool;
class ResourceSampler;
class ResourceWatch;
class SessionGovernor;
class SessionLimits;
struct GovernorAction;
struct TransferReport;

struct SessionOptions {
    QString databasePath; // SQLite file for the queue and history; empty = nothing persists
    // The resource monitor's source of CPU/memory/disk figures; null = the platform's sampler.
    // Tests pass a fake to drive the governor.
    // (Initialised, so SessionOptions{path} names only the database without a warning.)
    std::function<std::unique_ptr<ResourceSampler>()> samplerFactory = nullptr;
    // Local wall time for the time windows; null = the machine's clock. Tests pass a fake.
    std::function<std::time_t()> wallClock = nullptr;
};

class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(const Config& config, QObject* parent = nullptr);
    // Opens (or creates) options.databasePath and restores the downloads saved there. A database
    // that cannot be used does not stop the Session: it runs without persistence and
    // storeWarning() says why.
    Session(const Config& config, const SessionOptions& options, QObject* parent = nullptr);
    ~Session() override; // shuts down: transfers stop, partial files stay resumable

    const Config& config() const { return m_config; }
    // For the person: the database was unreadable and moved aside, or cannot be used at all.
    // Empty when all is well (or there is no database).
    QString storeWarning() const { return m_storeWarning; }

    // Adds a download; it starts when a slot is free (MaxConcurrentDownloads).
    // Emits downloadAdded at once with the initial snapshot.
    DownloadId add(const DownloadRequest& request);
    void pause(DownloadId id);
    void resume(DownloadId id);
    // Removes from the list; with deleteFiles an unfinished download's .part file goes too.
    void remove(DownloadId id, bool deleteFiles = false);
    void pauseAll();
    void resumeAll();
    // The person's MaxConcurrentDownloads (the governor may run fewer while the machine is busy).
    void setMaxConcurrentDownloads(int n);
    // A refreshed link for a download (e.g. after "link expired"). Resume it afterwards: it
    // continues from its bytes if the server shows the same file, else it says so.
    void changeUrl(DownloadId id, const QString& url);
    // Starts a download over from the first byte, under the same id and in the same queue place:
    // its transfer stops, its partial file is deleted and it runs again. A completed one is
    // downloaded again under its name and replaces the file once the new copy is whole (the
    // person asked for it). Implemented in SessionRestart.cpp.
    void restart(DownloadId id);

    // Speed limits, applied at once to running transfers. The user's global limit starts as
    // PerformanceSettings.DownloadSpeedLimit; a time window's limit and the governor's cap
    // may lower what is in force (effectiveSpeedLimit). 0 = none.
    void setSpeedLimit(std::int64_t bytesPerSecond);
    std::int64_t speedLimit() const;
    std::int64_t effectiveSpeedLimit() const;
    void setDownloadSpeedLimit(DownloadId id, std::int64_t bytesPerSecond);

    // Queue order (= start order; persisted). False when nothing moved. Finished downloads
    // have a place too (they keep it in the list); only unfinished ones are started by it.
    bool moveUp(DownloadId id);
    bool moveDown(DownloadId id);
    bool moveToTop(DownloadId id);
    bool moveToBottom(DownloadId id);
    // Ids in queue order.
    QList<DownloadId> queueOrder() const;
    // Replaces Queue.TimeWindows at run time. Returns an error naming what is wrong (nothing
    // changes then), or an empty string.
    QString setTimeWindows(const QString& text);

    // The latest metrics (what metricsUpdated last carried).
    MetricsSnapshot metrics() const;

    // The latest snapshot of every download, in queue order.
    QList<DownloadSnapshot> downloads() const;
    // The engines of the pool, for "--engine" and the add dialog's engine choice.
    QStringList engineNames() const;
    DownloadSnapshot download(DownloadId id) const; // id 0 if unknown

    // Stops all transfers, flushing partial files (resumable with -c). Idempotent.
    void shutdown();

    // Asks for the details of one download (segments, connections, engine scores, its log
    // lines); detailsReady answers asynchronously, never blocking the caller. An unknown or
    // finished download answers too (no connections; done ranges from what is known).
    // Implemented in SessionDetails.cpp.
    void requestDetails(DownloadId id);

    // Applies a new configuration at once where it can: speed limit, MaxConcurrentDownloads,
    // the resource thresholds, Queue.*, Monitor.*, Interface.*, Logging.Level; the rest is
    // used by downloads added from now on. Returns the dotted keys that changed but only take
    // effect after a restart (empty = all applied). Implemented in SessionSettings.cpp.
    QStringList applyConfig(const Config& config);

signals:
    void downloadAdded(const maria2::DownloadSnapshot& snapshot);
    // Any change of state (started, completed, failed, paused, retrying ...), at once.
    void downloadStateChanged(const maria2::DownloadSnapshot& snapshot);
    // Batched progress of the downloads that changed since the last batch; at most ~10/s.
    void progress(const QList<maria2::DownloadSnapshot>& snapshots);
    void downloadRemoved(maria2::DownloadId id);
    // Nothing is queued, connecting, downloading or waiting to retry.
    void idle();
    // Once per resource sample (Monitor.SampleIntervalMs).
    void metricsUpdated(const maria2::MetricsSnapshot& metrics);
    // The governor acted ("throttled: CPU 86% > 70% - ...", "restored: ...", "paused: ...").
    void governorAction(const QString& message, bool throttled);
    // The speed limit in force changed (user, window or governor). 0 = none.
    void speedLimitChanged(qint64 bytesPerSecond);
    void queueOrderChanged();
    // The answer to requestDetails (id 0 and nothing else for an unknown download).
    void detailsReady(const maria2::DownloadDetails& details);
    // applyConfig changed the configuration (config() is the new one).
    void configChanged();

private:
    class Listener;
    enum class QueueMove { Up, Down, Top, Bottom };
    struct Entry {
        DownloadRequest request; // as added (directory filled in); what a restart runs
        qint64 key = 0;          // its row in the store; 0 = not saved
        std::int64_t addedAtMs = 0;
        DownloadState savedState = DownloadState::Queued;
        bool progressDirty = false; // bytes moved since the last write
        // Restored from the store: its saved figures are shown until the engine has its own.
        std::optional<DownloadSnapshot> restored;
    };
    void openStore(const QString& path);
    void restore();
    void loadHostProfiles();
    void saveHostProfile(const std::string& url); // the host of url, after a transfer ended
    void startInEngine(DownloadId id, DownloadRequest request);
    DownloadId engineId(DownloadId id) const { return m_toEngine.value(id, 0); }
    // An engine snapshot in Session terms: Session id, added time, restored figures.
    DownloadSnapshot fromEngine(DownloadSnapshot s, DownloadId id);
    void onEngineState(const DownloadSnapshot& engineSnapshot);
    void onEngineProgress(const QList<DownloadSnapshot>& batch);
    void onEngineDetails(DownloadDetails details); // SessionDetails.cpp
    void dropDownload(DownloadId id);
    DownloadSnapshot withRestored(DownloadSnapshot s, DownloadId id);
    DownloadSnapshot toSave(DownloadId id, Entry& entry, const DownloadSnapshot& s) const;
    void save(DownloadId id, const DownloadSnapshot& s);
    void flushProgress();
    void checkIdle();
    // Queue order.
    bool move(DownloadId id, QueueMove how);
    void syncEngineOrder(); // the pool's order = m_order's (engine downloads only)
    void savePositions();
    // Resources and the governor.
    void applyGovernorAction(const GovernorAction& action);
    void pauseFolder(const std::string& folder);
    void resumeFolder(const std::string& folder);
    void releaseSpacePause(DownloadId id); // a person took over a download paused for space
    // The folders of unfinished downloads are watched (free space). Kept by counting, so a
    // state change costs O(1), not a walk over every download: syncFolder(id) after the
    // entry or the latest state of id changed (or it was dropped).
    void syncFolder(DownloadId id);
    void syncFolders(); // hands the set to the watch once per turn of the event loop
    void syncFoldersNow();
    bool m_foldersSyncQueued = false;
    std::map<std::string, int> m_folderUse;    // folder -> unfinished downloads in it
    QHash<DownloadId, std::string> m_folderOf; // the folder each counted download counts in
    // SessionMetrics.cpp: what the resource samples drive, at O(running) apart from the
    // metrics' list of running and queued downloads.
    void onSample(const ResourceSnapshot& snapshot);
    MetricsSnapshot metricsFor(const ResourceSnapshot& resources) const;
    void noteBusy(DownloadId id, DownloadState state); // keeps m_busy = the busy downloads
    double runningSpeed() const;                       // over m_busy

    Config m_config;
    std::unique_ptr<Listener> m_listener;
    std::unique_ptr<EnginePool> m_engine;
    std::unique_ptr<DownloadStore> m_store; // null: no persistence
    QTimer* m_flushTimer = nullptr;
    QString m_storeWarning;
    DownloadId m_nextId = 1;
    // Session ids are the Session's own; a download the engine runs has an engine id too.
    // Finished downloads restored from the database live only here (no engine id) until resumed.
    QHash<DownloadId, DownloadId> m_toEngine;
    QHash<DownloadId, DownloadId> m_fromEngine;
    QHash<DownloadId, Entry> m_entries;
    QList<DownloadId> m_order;
    QHash<DownloadId, DownloadSnapshot> m_latest;
    QSet<DownloadId> m_busy; // ids whose latest state is busy (noteBusy)
    // Entries with progressDirty set, for flushProgress (may hold ids saved or gone since).
    QList<DownloadId> m_dirty;
    bool m_wasIdle = true;
    bool m_shutdown = false;
    MetricsSnapshot m_metrics;
    // After m_engine: destroyed before it (they hold references to the pool).
    std::unique_ptr<SessionLimits> m_limits;
    std::unique_ptr<SessionGovernor> m_governor;
    std::unique_ptr<ResourceWatch> m_watch; // its thread reads the pool's counters
};

} // namespace maria2

Q_DECLARE_METATYPE(maria2::DownloadSnapshot)
Q_DECLARE_METATYPE(maria2::MetricsSnapshot)
Q_DECLARE_METATYPE(maria2::DownloadDetails)
