#pragma once
// One engine's thread for slow file work (flushes, control-file saves, the durable end of a
// download, checksums), so the engine thread never waits on a disk while transfers run. Tasks
// run one at a time in the order posted. A task that has not started can be taken back, so a
// pause or a removal never waits behind another download's checksum.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace maria2::io {

class IoWorker {
public:
    // A posted task, as its poster sees it.
    class Ticket {
    public:
        Ticket() = default;
        bool valid() const { return m_state != nullptr; }

    private:
        friend class IoWorker;
        struct State;
        explicit Ticket(std::shared_ptr<State> state)
            : m_state(std::move(state)) {}
        std::shared_ptr<State> m_state;
    };

    IoWorker();
    ~IoWorker(); // stop()
    IoWorker(const IoWorker&) = delete;
    IoWorker& operator=(const IoWorker&) = delete;

    // Queues a task. optional: on stop() it is dropped if it has not started (a checksum nobody
    // waits for); otherwise stop() still runs it (a flush that a control file depends on).
    Ticket post(std::function<void()> task, bool optional = false);
    // True once the task ran (or was dropped): its results may be read.
    bool finished(const Ticket& ticket) const;
    // Blocks until the task ran (or was dropped).
    void wait(const Ticket& ticket) const;
    // Takes back a task that has not started: true = it will never run. False = it ran or is
    // running (wait() for it).
    bool cancel(const Ticket& ticket);
    // Runs what is queued (dropping optional tasks), then joins the thread. Idempotent; no
    // task runs after it returns, and post() runs nothing any more.
    void stop();
    // stop() has begun (for its owner's tests: the point after which optional tasks drop).
    bool stopping() const;

private:
    void run();

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed; // a task was queued, finished, or stop began
    std::deque<std::shared_ptr<Ticket::State>> m_queue;
    bool m_stopping = false;
    std::thread m_thread; // started by the first post() (guarded by m_mutex until stop())
};

} // namespace maria2::io
