#include "cli/StatsJsonWriter.h"

#include "session/Session.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace maria2::cli {

StatsJsonWriter::StatsJsonWriter(const std::string& path, QObject* parent)
    : QObject(parent) {
    if (path == "-") {
        m_file = stdout;
        return;
    }
    m_file = std::fopen(path.c_str(), "w");
    if (m_file == nullptr) {
        m_error = "--stats-json: cannot write '" + path + "': " + std::strerror(errno);
    }
}

StatsJsonWriter::~StatsJsonWriter() {
    if (m_file != nullptr && m_file != stdout) {
        std::fclose(m_file);
    }
}

void StatsJsonWriter::attach(const Session& session) {
    connect(&session, &Session::metricsUpdated, this, &StatsJsonWriter::write);
}

void StatsJsonWriter::write(const MetricsSnapshot& metrics) {
    if (m_file == nullptr) {
        return;
    }
    const std::string line = toJson(metrics).dump() + '\n';
    const bool ok =
        std::fwrite(line.data(), 1, line.size(), m_file) == line.size() && std::fflush(m_file) == 0;
    if (ok) {
        ++m_lines;
    } else if (!m_writeFailed) {
        // A full disk or a closed pipe must not stop the downloads: say it once, go on.
        m_writeFailed = true;
        spdlog::error("--stats-json: writing failed: {}", std::strerror(errno));
    }
}

} // namespace maria2::cli
