#pragma once
// Which thread owns some state, for debug checks: the engine thread claims its engine while
// it runs. Before it starts and after it stopped, the owner of the Engine object may act.
#include <atomic>
#include <thread>

namespace maria2 {

class ThreadOwner {
public:
    void claim() { m_id.store(std::this_thread::get_id(), std::memory_order_relaxed); }
    void release() { m_id.store(std::thread::id{}, std::memory_order_relaxed); }
    // True on the owning thread, or on any thread while none owns it. For assert() only.
    bool isCurrent() const {
        const std::thread::id id = m_id.load(std::memory_order_relaxed);
        return id == std::thread::id{} || id == std::this_thread::get_id();
    }
    // True only on the owning thread while it owns it.
    bool isOwner() const {
        return m_id.load(std::memory_order_relaxed) == std::this_thread::get_id();
    }

private:
    std::atomic<std::thread::id> m_id{};
};

} // namespace maria2
