#pragma once
// Records what an Engine reports (on its thread) so a test can wait on conditions.
#include "core/engine/Engine.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace maria2::test {

class EngineRecorder final : public EngineListener {
public:
    void onStateChanged(const DownloadSnapshot& s) override {
        std::lock_guard lock(m_mutex);
        m_last[s.id] = s;
        m_states.push_back(s);
        int active = 0;
        for (const auto& [id, snap] : m_last) {
            if (isActive(snap.state) || snap.state == DownloadState::Retrying) {
                ++active;
            }
        }
        m_maxBusy = std::max(m_maxBusy, active);
        m_cv.notify_all();
    }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        std::lock_guard lock(m_mutex);
        ++m_batches;
        for (const auto& s : batch) {
            m_last[s.id].doneBytes = s.doneBytes;
            m_last[s.id].totalBytes = s.totalBytes;
        }
        m_cv.notify_all();
    }

    // Waits (bounded) until pred holds over the latest snapshots.
    bool waitUntil(const std::function<bool(const std::map<DownloadId, DownloadSnapshot>&)>& pred,
                   std::chrono::seconds timeout = std::chrono::seconds(60)) {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, timeout, [&] { return pred(m_last); });
    }
    bool waitState(DownloadId id, DownloadState state,
                   std::chrono::seconds timeout = std::chrono::seconds(60)) {
        return waitUntil(
            [&](const auto& m) {
                auto it = m.find(id);
                return it != m.end() && it->second.state == state;
            },
            timeout);
    }
    bool waitFinal(DownloadId id, std::chrono::seconds timeout = std::chrono::seconds(90)) {
        return waitUntil(
            [&](const auto& m) {
                auto it = m.find(id);
                return it != m.end() && isFinal(it->second.state);
            },
            timeout);
    }
    DownloadSnapshot last(DownloadId id) {
        std::lock_guard lock(m_mutex);
        return m_last[id];
    }
    bool sawState(DownloadId id, DownloadState state) {
        std::lock_guard lock(m_mutex);
        for (const auto& s : m_states) {
            if (s.id == id && s.state == state) {
                return true;
            }
        }
        return false;
    }
    // Every state change of one download, in order.
    std::vector<DownloadSnapshot> states(DownloadId id) {
        std::lock_guard lock(m_mutex);
        std::vector<DownloadSnapshot> out;
        for (const auto& s : m_states) {
            if (s.id == id) {
                out.push_back(s);
            }
        }
        return out;
    }
    int maxBusy() {
        std::lock_guard lock(m_mutex);
        return m_maxBusy;
    }
    int batches() {
        std::lock_guard lock(m_mutex);
        return m_batches;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::map<DownloadId, DownloadSnapshot> m_last;
    std::vector<DownloadSnapshot> m_states;
    int m_maxBusy = 0;
    int m_batches = 0;
};

} // namespace maria2::test
