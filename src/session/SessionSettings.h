#pragma once
// What a new configuration changes, key by key, and which of those changes a running Session
// takes at once (Session::applyConfig, SessionSettings.cpp) and which only after a restart:
// the engines copy Download.*, Retry.*, Network.* and a few more when they are built.
#include "core/config/Config.h"

#include <QString>
#include <QStringList>

namespace maria2 {

// The dotted keys ("PerformanceSettings.CacheSize") whose values differ, in schema order.
QStringList changedConfigKeys(const Config& a, const Config& b);

// True when a running Session applies a new value of this key at once. Unknown keys (a setting
// added later and not listed here) count as needing a restart: never claimed to be live.
bool appliesAtOnce(const QString& key);

// The keys changed from `before` to `after` that take effect only after a restart.
QStringList restartNeededKeys(const Config& before, const Config& after);

} // namespace maria2
