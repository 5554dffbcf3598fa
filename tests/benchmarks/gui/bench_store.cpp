// maria2_bench_store: fills the desktop app's queue database with N downloads before the app
// starts, for tests/benchmarks/gui_figures.py (restore time, memory and idle CPU with a long
// list). It writes through the app's own DownloadStore, at the path the app itself opens
// (app::databasePath(), which follows XDG_DATA_HOME), so the schema can never drift from the app's.
//
//   maria2_bench_store --count N --dir DIR --url-prefix PREFIX [--paused] [URL...]
//
// The URLs given come first, in order; the rest up to N are PREFIX + "file-NNNNN.bin". All are
// queued (or paused with --paused), saved into DIR. Prints one JSON line: the database, how many
// entries, how long the inserts took and how long DownloadStore::load() then takes to read them.
#include "session/AppSetup.h"
#include "session/DownloadStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int usage(const char* why) {
    std::fprintf(stderr,
                 "maria2_bench_store: %s\n"
                 "usage: maria2_bench_store --count N --dir DIR --url-prefix PREFIX [--paused] "
                 "[URL...]\n",
                 why);
    return 2;
}

} // namespace

int main(int argc, char* argv[]) {
    // The SQLite driver is a Qt plug-in: found through the application's library paths.
    QCoreApplication app(argc, argv);
    long count = -1;
    std::string dir;
    std::string prefix;
    bool paused = false;
    std::vector<std::string> urls;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString& arg = args[i];
        const bool hasValue = i + 1 < args.size();
        if (arg == QLatin1String("--count") && hasValue) {
            bool ok = false;
            count = args[++i].toLong(&ok);
            if (!ok || count < 0) {
                return usage("--count needs a number >= 0");
            }
        } else if (arg == QLatin1String("--dir") && hasValue) {
            dir = args[++i].toStdString();
        } else if (arg == QLatin1String("--url-prefix") && hasValue) {
            prefix = args[++i].toStdString();
        } else if (arg == QLatin1String("--paused")) {
            paused = true;
        } else if (arg.startsWith(QLatin1String("--"))) {
            return usage(qPrintable(QStringLiteral("unknown option ") + arg));
        } else {
            urls.push_back(arg.toStdString());
        }
    }
    if (count < 0 || dir.empty() || prefix.empty()) {
        return usage("--count, --dir and --url-prefix are required");
    }

    const QString path = maria2::app::databasePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    maria2::DownloadStore store(path);
    QString error;
    if (!store.open(&error)) {
        std::fprintf(stderr, "maria2_bench_store: cannot open %s: %s\n", qPrintable(path),
                     qPrintable(error));
        return 1;
    }
    QElapsedTimer timer;
    timer.start();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    char name[32];
    for (long n = 0; n < count; ++n) {
        maria2::DownloadRequest request;
        if (static_cast<std::size_t>(n) < urls.size()) {
            request.url = urls[static_cast<std::size_t>(n)];
        } else {
            std::snprintf(name, sizeof name, "file-%05ld.bin", n);
            request.url = prefix + name;
        }
        request.directory = dir;
        request.startPaused = paused;
        if (store.insert(request, now + n) == 0) {
            std::fprintf(stderr, "maria2_bench_store: insert %ld failed\n", n);
            return 1;
        }
    }
    const qint64 insertMs = timer.elapsed();
    // The database half of the app's restore, alone: what the app's restore time adds on top is
    // the Session's and the engines' work.
    timer.restart();
    const auto loaded = store.load().size();
    const qint64 loadMs = timer.elapsed();
    std::printf("{\"database\":\"%s\",\"entries\":%ld,\"insert_ms\":%lld,\"loaded\":%lld,"
                "\"load_ms\":%lld}\n",
                qPrintable(QDir::toNativeSeparators(path)), count, static_cast<long long>(insertMs),
                static_cast<long long>(loaded), static_cast<long long>(loadMs));
    return 0;
}
