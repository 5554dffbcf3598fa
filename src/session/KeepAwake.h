#pragma once
// KeepAwake: keeps the computer from sleeping while a Session's downloads move bytes, through a
// SleepInhibitor (injected: the app passes makeSleepInhibitor(), tests a fake that counts).
// Held while some download is Downloading with a speed above zero in its latest snapshot;
// let go when none is (paused, finished, failed, stalled, idle), when Interface.KeepAwake is
// turned off, on stop() and always on destruction.
#include "core/types/DownloadTypes.h"

#include <QObject>
#include <QPointer>
#include <QSet>
#include <memory>

class QTimer;

namespace maria2 {

class Session;
class SleepInhibitor;

class KeepAwake : public QObject {
    Q_OBJECT
public:
    // A short pause between one download and the next is bridged, rather than letting go and
    // asking again: the lock is given back only after the bytes have stopped for this long.
    static constexpr int kDefaultReleaseDelayMs = 10000;

    KeepAwake(Session* session, std::unique_ptr<SleepInhibitor> inhibitor,
              QObject* parent = nullptr);
    ~KeepAwake() override; // releases

    void setReleaseDelayMs(int ms);
    // Stops watching and releases at once, for good (the app is quitting; the Session goes).
    void stop();
    // The inhibitor is held (or asked for) now.
    bool holding() const { return m_holding; }

private:
    void onSnapshot(const DownloadSnapshot& snapshot);
    void onRemoved(DownloadId id);
    void update();
    void acquire();
    void release();

    QPointer<Session> m_session;
    std::unique_ptr<SleepInhibitor> m_inhibitor;
    QSet<DownloadId> m_flowing; // downloads moving bytes in their latest snapshot
    QTimer* m_releaseTimer = nullptr;
    bool m_holding = false;
    bool m_granted = false; // the inhibitor accepted (what the log said)
    bool m_stopped = false;
};

} // namespace maria2
