#pragma once
// Reading what a download left on disk, for resume tests.
#include "core/io/BootId.h"
#include "core/io/ControlFile.h"
#include "core/segment/IntervalSet.h"

#include <QString>

namespace maria2::test {

// The finished ranges a control file (NAME.part.maria2) records; empty if it cannot be read.
inline IntervalSet controlRanges(const QString& controlPath) {
    IntervalSet set;
    if (auto data = io::loadControl(controlPath.toStdString(), nullptr)) {
        // What a later run in this boot trusts: flushed, or written and in the page cache.
        for (const auto& r : io::trustedRanges(*data, io::currentBootId())) {
            set.add(r);
        }
    }
    return set;
}

// "bytes=123-456" or "bytes=123-" -> 123; no Range header -> 0.
inline qint64 rangeStart(const QString& range) {
    if (!range.startsWith(QLatin1String("bytes="))) {
        return 0;
    }
    return range.mid(6).section(QLatin1Char('-'), 0, 0).toLongLong();
}

} // namespace maria2::test
