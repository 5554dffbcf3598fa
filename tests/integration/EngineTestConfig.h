#pragma once
// The Config the engine's download tests start from: the shipped defaults, at full speed (the
// limits have their own tests), without queue retries (a failure shows as Failed at once; the
// queue's retries have their own test), with short retry delays and a fast progress tick, and
// downloading into `directory`.
#include "core/config/Config.h"

#include <QString>

namespace maria2::test {

inline Config engineTestConfig(const QString& directory) {
    Config c = ConfigLoader::defaults();
    c.performance.downloadSpeedLimit = 0;
    c.queue.retries = 0;
    c.download.directory = directory.toStdString();
    c.retry.initialDelayMs = 20;
    c.retry.maxDelayMs = 200;
    c.ui.progressIntervalMs = 100;
    return c;
}

} // namespace maria2::test
