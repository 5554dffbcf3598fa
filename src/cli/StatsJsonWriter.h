#pragma once
// maria2c --stats-json=FILE: one JSON line per metrics sample (toJson(MetricsSnapshot)), each
// line flushed as it is written so `tail -f FILE` and a pipe reader see it at once.
#include "core/monitor/Metrics.h"

#include <QObject>
#include <cstdio>
#include <string>

namespace maria2 {
class Session;
}

namespace maria2::cli {

class StatsJsonWriter final : public QObject {
    Q_OBJECT
public:
    // Opens path for writing (truncating it); "-" = stdout. Check isOpen() / error() before use.
    explicit StatsJsonWriter(const std::string& path, QObject* parent = nullptr);
    ~StatsJsonWriter() override;
    StatsJsonWriter(const StatsJsonWriter&) = delete;
    StatsJsonWriter& operator=(const StatsJsonWriter&) = delete;

    bool isOpen() const { return m_file != nullptr; }
    bool toStdout() const { return m_file == stdout; }
    std::string error() const { return m_error; } // why the file could not be opened

    // Writes a line for every Session::metricsUpdated from now on.
    void attach(const Session& session);
    void write(const maria2::MetricsSnapshot& metrics);
    int linesWritten() const { return m_lines; }

private:
    std::FILE* m_file = nullptr;
    std::string m_error;
    int m_lines = 0;
    bool m_writeFailed = false;
};

} // namespace maria2::cli
