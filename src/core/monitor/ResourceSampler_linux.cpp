// Linux: /proc/stat, /proc/meminfo, /proc/self/{stat,status,io} and statvfs. The text
// parsing lives in ProcParsers.cpp so it is tested on recorded samples.
#include "core/monitor/ProcParsers.h"
#include "core/monitor/ResourceSampler.h"

#include <sys/statvfs.h>

#include <fstream>
#include <sstream>
#include <string>

namespace maria2 {

namespace {

// /proc files report a size of 0, so read them as a stream rather than by size.
std::string readProcFile(const char* path) {
    std::ifstream in(path);
    if (!in) {
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class LinuxSampler final : public ResourceSampler {
public:
    ResourceSample sample() override {
        ResourceSample s;
        const auto system = proc::parseProcStat(readProcFile("/proc/stat"));
        const auto process = proc::parseProcessCpuTicks(readProcFile("/proc/self/stat"));
        if (system && m_previousSystem) {
            s.systemCpuPercent = cpuPercentBetween(*m_previousSystem, *system);
            // Both counters are in USER_HZ ticks, and the system total counts every core, so
            // process ticks over system ticks is the process's share of the whole machine.
            if (process && m_previousProcess) {
                s.processCpuPercent = cpuPercentBetween(
                    {*m_previousProcess, m_previousSystem->total}, {*process, system->total});
            }
        }
        m_previousSystem = system;
        m_previousProcess = process;

        if (const auto mem = proc::parseMeminfo(readProcFile("/proc/meminfo"))) {
            s.memoryUsedPercent = mem->usedPercent();
        }
        s.processRssBytes =
            proc::parseStatusRssBytes(readProcFile("/proc/self/status")).value_or(0);
        // /proc/self/io is missing without CONFIG_TASK_IO_ACCOUNTING and unreadable in some
        // sandboxes: then the disk write rate is simply unknown (0).
        s.processDiskWriteBytes =
            proc::parseIoWriteBytes(readProcFile("/proc/self/io")).value_or(0);
        return s;
    }

    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) override {
        struct statvfs st {};
        if (::statvfs(path.c_str(), &st) != 0) {
            return std::nullopt;
        }
        // f_bavail: blocks available to unprivileged users (not the root reserve).
        return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
    }

private:
    std::optional<CpuTimes> m_previousSystem;
    std::optional<std::uint64_t> m_previousProcess;
};

} // namespace

std::unique_ptr<ResourceSampler> createPlatformSampler() {
    return std::make_unique<LinuxSampler>();
}

} // namespace maria2
