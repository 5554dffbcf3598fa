#pragma once
// maria2c --engine-report URL: the same download with each engine of the pool in turn, one
// after another (so each has the machine to itself), measured and tabulated beside the engine
// the router would choose. Blocking; Qt-free.
#include "core/config/Config.h"
#include "core/integrity/Checksum.h"
#include "core/types/DownloadTypes.h"

#include <filesystem>
#include <string>
#include <vector>

namespace maria2 {

struct EngineReportRow {
    std::string engine;
    bool ok = false;
    std::string error;
    int connections = 0;
    double megabytesPerSecond = 0; // 10^6 bytes per second of transfer time
    double cpuSeconds = 0;         // this process, user + system, during the run
    double ttfbMs = -1;
    bool chosen = false; // what the router picks for this URL now
};

// Downloads `request` (its URL and options) once per engine that speaks its scheme into
// `scratch` (each file deleted after its run). `request.engine` is ignored.
std::vector<EngineReportRow> runEngineReport(const Config& config, DownloadRequest request,
                                             const std::filesystem::path& scratch,
                                             DigestFactory digests);

std::string formatEngineReport(const std::vector<EngineReportRow>& rows);

} // namespace maria2
