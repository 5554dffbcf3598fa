// macOS: host_statistics (HOST_CPU_LOAD_INFO), host_statistics64 (HOST_VM_INFO64),
// task_info (MACH_TASK_BASIC_INFO), getrusage, proc_pid_rusage and statfs.
#include "core/monitor/ResourceSampler.h"

#include <libproc.h>
#include <mach/mach.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sysctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace maria2 {

namespace {

std::uint64_t toMicros(const timeval& tv) {
    return static_cast<std::uint64_t>(tv.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(tv.tv_usec);
}

class MacSampler final : public ResourceSampler {
public:
    MacSampler()
        : m_host(mach_host_self()) {
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        m_cpuCount = cpus > 0 ? static_cast<std::uint64_t>(cpus) : 1;
        std::uint64_t memsize = 0;
        std::size_t length = sizeof(memsize);
        if (sysctlbyname("hw.memsize", &memsize, &length, nullptr, 0) == 0) {
            m_totalMemory = memsize;
        }
    }
    ~MacSampler() override {
        // mach_host_self() hands out a send right; give it back.
        mach_port_deallocate(mach_task_self(), m_host);
    }
    MacSampler(const MacSampler&) = delete;
    MacSampler& operator=(const MacSampler&) = delete;

    ResourceSample sample() override {
        ResourceSample s;
        sampleCpu(s);
        sampleMemory(s);

        mach_task_basic_info_data_t task{};
        mach_msg_type_number_t taskCount = MACH_TASK_BASIC_INFO_COUNT;
        if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&task),
                      &taskCount) == KERN_SUCCESS) {
            s.processRssBytes = task.resident_size;
        }
        rusage_info_v2 usage{};
        if (proc_pid_rusage(getpid(), RUSAGE_INFO_V2, reinterpret_cast<rusage_info_t*>(&usage)) ==
            0) {
            s.processDiskWriteBytes = usage.ri_diskio_byteswritten;
        }
        return s;
    }

    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) override {
        struct statfs st {};
        if (::statfs(path.c_str(), &st) != 0) {
            return std::nullopt;
        }
        // f_bavail: blocks available to unprivileged users.
        return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_bsize);
    }

private:
    void sampleCpu(ResourceSample& s) {
        std::optional<CpuTimes> system;
        host_cpu_load_info_data_t load{};
        mach_msg_type_number_t count = HOST_CPU_LOAD_INFO_COUNT;
        if (host_statistics(m_host, HOST_CPU_LOAD_INFO, reinterpret_cast<host_info_t>(&load),
                            &count) == KERN_SUCCESS) {
            CpuTimes t;
            for (int state = 0; state < CPU_STATE_MAX; ++state) {
                t.total += load.cpu_ticks[state];
            }
            t.busy = t.total - load.cpu_ticks[CPU_STATE_IDLE];
            system = t;
        }
        // Process time (getrusage, microseconds) and the kernel's ticks are different units, so
        // the process share is measured against wall time times the number of cores instead.
        std::optional<CpuTimes> process;
        rusage ru{};
        if (getrusage(RUSAGE_SELF, &ru) == 0) {
            const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
            CpuTimes t;
            t.busy = toMicros(ru.ru_utime) + toMicros(ru.ru_stime);
            t.total = static_cast<std::uint64_t>(wall) * m_cpuCount;
            process = t;
        }
        if (system && m_previousSystem) {
            s.systemCpuPercent = cpuPercentBetween(*m_previousSystem, *system);
        }
        if (process && m_previousProcess) {
            s.processCpuPercent = cpuPercentBetween(*m_previousProcess, *process);
        }
        m_previousSystem = system;
        m_previousProcess = process;
    }

    void sampleMemory(ResourceSample& s) {
        vm_statistics64_data_t vm{};
        mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
        vm_size_t pageSize = 0;
        if (m_totalMemory == 0 || host_page_size(m_host, &pageSize) != KERN_SUCCESS ||
            host_statistics64(m_host, HOST_VM_INFO64, reinterpret_cast<host_info64_t>(&vm),
                              &count) != KERN_SUCCESS) {
            return;
        }
        // What Activity Monitor calls "memory used": app (active) + wired + compressed pages.
        // Inactive and speculative pages are caches the system gives back on demand.
        const std::uint64_t used = (static_cast<std::uint64_t>(vm.active_count) + vm.wire_count +
                                    vm.compressor_page_count) *
                                   static_cast<std::uint64_t>(pageSize);
        s.memoryUsedPercent = std::clamp(
            100.0 * static_cast<double>(used) / static_cast<double>(m_totalMemory), 0.0, 100.0);
    }

    mach_port_t m_host;
    std::uint64_t m_cpuCount = 1;
    std::uint64_t m_totalMemory = 0;
    std::optional<CpuTimes> m_previousSystem;
    std::optional<CpuTimes> m_previousProcess;
};

} // namespace

std::unique_ptr<ResourceSampler> createPlatformSampler() {
    return std::make_unique<MacSampler>();
}

} // namespace maria2
