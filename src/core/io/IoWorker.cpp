#include "core/io/IoWorker.h"

#include <algorithm>

namespace maria2::io {

struct IoWorker::Ticket::State {
    std::function<void()> task;
    bool optional = false;
    bool done = false; // ran, or was dropped or cancelled (guarded by the worker's mutex)
};

IoWorker::IoWorker() = default;

IoWorker::~IoWorker() {
    stop();
}

IoWorker::Ticket IoWorker::post(std::function<void()> task, bool optional) {
    auto state = std::make_shared<Ticket::State>();
    state->task = std::move(task);
    state->optional = optional;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            state->done = true; // never runs: the engine is going away
            return Ticket(state);
        }
        m_queue.push_back(state);
        if (!m_thread.joinable()) {
            // Started by the first task, not by the constructor: most engines of a pool never
            // write a file in a run (maria2c fetching one file builds four), and a thread costs
            // a stack, an allocator arena and, on this path, a process's start-up time.
            m_thread = std::thread([this] { run(); });
        }
    }
    m_changed.notify_all();
    return Ticket(std::move(state));
}

bool IoWorker::finished(const Ticket& ticket) const {
    std::lock_guard lock(m_mutex);
    return ticket.m_state == nullptr || ticket.m_state->done;
}

void IoWorker::wait(const Ticket& ticket) const {
    if (ticket.m_state == nullptr) {
        return;
    }
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return ticket.m_state->done; });
}

bool IoWorker::cancel(const Ticket& ticket) {
    std::lock_guard lock(m_mutex);
    const auto it = std::find(m_queue.begin(), m_queue.end(), ticket.m_state);
    if (it == m_queue.end()) {
        return false;
    }
    (*it)->done = true;
    m_queue.erase(it);
    return true;
}

bool IoWorker::stopping() const {
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

void IoWorker::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    // Started by post() under the mutex, and never once m_stopping is set: stable here.
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void IoWorker::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty()) {
            return; // stopping, and nothing left
        }
        std::shared_ptr<Ticket::State> next = std::move(m_queue.front());
        m_queue.pop_front();
        if (!(m_stopping && next->optional)) {
            lock.unlock();
            next->task();
            next->task = nullptr; // what it captured goes now, not with the last ticket
            lock.lock();
        }
        next->done = true;
        m_changed.notify_all();
    }
}

} // namespace maria2::io
