// maria2c: the MAria2 core without a window, driven by aria2c's option names.
#include "Version.h"
#include "cli/CliOptions.h"
#include "cli/ConsoleReporter.h"
#include "cli/StatsJsonWriter.h"
#include "core/config/RequestDefaults.h"
#include "core/integrity/Checksum.h"
#include "core/log/Redaction.h"
#include "core/net/Url.h"
#include "core/pool/EngineReport.h"
#include "core/text/TerminalText.h"
#include "session/AppSetup.h"
#include "session/QtDigest.h"
#include "session/Session.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTimer>
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#ifdef _WIN32
#include <io.h>
#define MARIA2_ISATTY _isatty
#define MARIA2_FILENO _fileno
#else
#include <unistd.h>
#define MARIA2_ISATTY isatty
#define MARIA2_FILENO fileno
#endif

namespace {

std::atomic<int> g_interrupts{0};

extern "C" void onSignal(int) {
    // Second Ctrl-C: the person means it. Everything flushed so far stays resumable.
    if (g_interrupts.fetch_add(1) >= 1) {
        std::_Exit(7);
    }
}

int fail(const std::string& message, int code = 28) {
    std::fprintf(stderr, "maria2c: %s\n", message.c_str());
    if (code == 28) {
        std::fprintf(stderr, "Try 'maria2c --help' for more information.\n");
    }
    return code;
}

// What curl_version() says, built from curl_version_info(): curl_version() also asks OpenLDAP
// for its version, and initialising OpenLDAP loads every SASL plug-in on disk (a third of the
// time `maria2c --version` took).
std::string libcurlVersionText() {
    const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
    std::string text = std::string("libcurl/") + v->version;
    const auto add = [&text](const char* prefix, const char* part) {
        if (part != nullptr && *part != '\0') {
            text += ' ';
            text += prefix;
            text += part;
        }
    };
    add("", v->ssl_version);
    add("zlib/", v->libz_version);
    add("brotli/", v->brotli_version);
    add("zstd/", v->zstd_version);
    add("libidn2/", v->libidn);
    add("", v->libssh_version);
    add("nghttp2/", v->nghttp2_version);
    return text;
}

} // namespace

int main(int argc, char** argv) {
    // Qt's own event dispatcher, not GLib's: maria2c has no GTK to integrate with, and GLib's
    // wakes the main thread with one eventfd write per posted event where Qt's coalesces them
    // (a list of small files posts thousands). A value the caller set is kept.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB")) {
        qputenv("QT_NO_GLIB", "1");
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("maria2"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(maria2::kVersion));

    std::vector<std::string> args(argv + 1, argv + argc);
    const auto parsed = maria2::cli::parseCommandLine(args);
    if (!parsed.error.empty()) {
        return fail(parsed.error);
    }
    const maria2::cli::CliOptions& opt = parsed.options;
    if (opt.help) {
        std::fputs(maria2::cli::helpText().c_str(), stdout);
        return 0;
    }
    if (opt.version) {
        std::printf("maria2c %s\n%s\n", maria2::kVersion, libcurlVersionText().c_str());
        return 0;
    }

    maria2::ConfigLoadResult loaded;
    try {
        loaded = maria2::app::loadConfig(QString::fromStdString(opt.confPath));
    } catch (const maria2::ConfigError& e) {
        return fail(e.what());
    }
    maria2::Config config = loaded.config;
    if (!opt.dir.empty()) {
        config.download.directory =
            QDir(QString::fromStdString(opt.dir)).absolutePath().toStdString();
    }
    if (opt.maxConcurrent) {
        config.performance.maxConcurrentDownloads = *opt.maxConcurrent;
    }
    if (opt.checkCertificate) {
        config.network.checkCertificate = *opt.checkCertificate;
    }
    if (!opt.caCertificate.empty()) {
        if (!QFileInfo(QString::fromStdString(opt.caCertificate)).isReadable()) {
            return fail("--ca-certificate: cannot read '" + opt.caCertificate + "'");
        }
        config.network.caCertificate = opt.caCertificate;
    }
    if (opt.keepHeadersAcrossHosts) {
        config.network.keepHeadersAcrossHosts = *opt.keepHeadersAcrossHosts;
    }
    if (opt.allowInsecureRedirect) {
        config.network.allowInsecureRedirect = *opt.allowInsecureRedirect;
    }
    // The person's header names are secret wherever a log shows a request (--log-level=debug).
    maria2::log::addSecretHeaders(opt.headers);
    if (!opt.allProxy.empty()) {
        config.network.proxy = opt.allProxy;
    }
    if (opt.maxTries) {
        config.retry.maxTries = *opt.maxTries;
    }
    if (opt.connectTimeout) {
        config.network.connectTimeoutSeconds = *opt.connectTimeout;
    }
    if (!opt.logLevel.empty()) {
        config.logging.level = opt.logLevel;
    }
    if (opt.overallLimit) {
        config.performance.downloadSpeedLimit = *opt.overallLimit;
    }
    // maria2c is for scripts: it ends with the download's own result instead of waiting
    // minutes to restart a failed download (Queue.RetryDelaySeconds); the retries inside a
    // download (-m, Retry.*) still apply. --queue-retries asks for the desktop's behaviour.
    config.queue.retries = opt.queueRetries.value_or(0);
    // maria2c logs to the console (and -l FILE); the rotating app log is the GUI's.
    config.logging.toFile = false;
    maria2::app::LogOptions logOptions;
    logOptions.toConsole = !opt.quiet;
    // Per-download failures reach the person through the reporter; the console log carries
    // only errors unless asked for more.
    logOptions.consoleLevel =
        opt.logLevel.empty() ? QStringLiteral("error") : QString::fromStdString(opt.logLevel);
    logOptions.extraFile = QString::fromStdString(opt.logFile);
    logOptions.downloadLogBook = false; // no details pane to show them in
    try {
        maria2::app::initLogging(config, logOptions);
    } catch (const std::exception& e) {
        return fail(e.what(), 1);
    }
    for (const auto& w : loaded.warnings) {
        std::fprintf(stderr, "maria2c: warning: %s\n", w.c_str());
    }

    std::vector<std::string> uris = opt.uris;
    if (!opt.inputFile.empty()) {
        std::string error;
        std::vector<std::string> warnings;
        auto fromFile = maria2::cli::readInputFile(opt.inputFile, &error, &warnings);
        if (!fromFile) {
            return fail(error);
        }
        for (const auto& w : warnings) {
            std::fprintf(stderr, "maria2c: warning: %s\n", w.c_str());
        }
        uris.insert(uris.end(), fromFile->begin(), fromFile->end());
    }
    if (uris.empty()) {
        return fail("no URI given");
    }
    if (!opt.out.empty() && uris.size() > 1) {
        return fail("-o/--out names one file, but " + std::to_string(uris.size()) +
                    " URIs were given");
    }
    if (!opt.checksum.empty()) {
        std::string error;
        if (!maria2::parseChecksum(opt.checksum, &error)) {
            return fail(error);
        }
        if (uris.size() > 1) {
            return fail("--checksum names one file, but " + std::to_string(uris.size()) +
                        " URIs were given");
        }
    }
    std::vector<std::string> valid;
    for (const auto& uri : uris) {
        std::string error;
        if (!maria2::net::parseUrl(uri, &error)) {
            return fail(error);
        }
        valid.push_back(uri);
    }

    if (opt.engineReport) {
        if (valid.size() != 1) {
            return fail("--engine-report measures one URI, but " + std::to_string(valid.size()) +
                        " were given");
        }
        maria2::DownloadRequest request;
        request.url = valid.front();
        request.headers = opt.headers;
        request.userAgent = opt.userAgent;
        request.referer = opt.referer;
        request.split = opt.split.value_or(0);
        request.maxConnectionsPerServer = opt.maxConnectionPerServer.value_or(0);
        request.minSplitSize = opt.minSplitSize.value_or(0);
        request.maxSpeed = opt.downloadLimit.value_or(0);
        // The report compares what each engine can do: the config's everyday limit would make
        // them all look alike. Only an explicit --max-overall-download-limit applies.
        if (!opt.overallLimit) {
            config.performance.downloadSpeedLimit = 0;
        }
        // Scratch space in the target folder: the report measures the disk that will be used.
        QDir().mkpath(QString::fromStdString(config.download.directory));
        QTemporaryDir scratch(QString::fromStdString(config.download.directory) +
                              QStringLiteral("/.maria2-engine-report-XXXXXX"));
        if (!scratch.isValid()) {
            return fail("cannot create a scratch folder in '" + config.download.directory + "'");
        }
        const auto rows = maria2::runEngineReport(config, request, scratch.path().toStdString(),
                                                  maria2::qtDigestFactory());
        // A row's error may quote the server: printed escaped, the table's own lines kept.
        std::printf("%s", maria2::text::escapeForTerminal(maria2::formatEngineReport(rows),
                                                          maria2::text::Newlines::Keep)
                              .c_str());
        const bool anyOk =
            std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.ok; });
        return anyOk ? 0 : 1;
    }

    // Opened before anything starts: a file that cannot be written is a bad option, not a
    // surprise after the download.
    std::unique_ptr<maria2::cli::StatsJsonWriter> stats;
    if (!opt.statsJson.empty()) {
        stats = std::make_unique<maria2::cli::StatsJsonWriter>(opt.statsJson);
        if (!stats->isOpen()) {
            return fail(stats->error());
        }
    }

    maria2::Session session(config);
    if (!opt.engine.empty()) {
        const QStringList engines = session.engineNames();
        if (!engines.contains(QString::fromStdString(opt.engine))) {
            return fail("--engine: no engine named '" + opt.engine + "' (this build has: " +
                        engines.join(QStringLiteral(", ")).toStdString() + ", or auto)");
        }
    }
    // With --stats-json=- stdout carries only JSON lines; the person's view moves to stderr.
    std::FILE* humanOut = stats && stats->toStdout() ? stderr : stdout;
    const bool interactive = MARIA2_ISATTY(MARIA2_FILENO(humanOut)) != 0;
    maria2::cli::ConsoleReporter reporter(session, opt.quiet, interactive, humanOut);
    if (stats) {
        stats->attach(session);
    }
    bool interrupted = false;
    QObject::connect(&session, &maria2::Session::idle, &app, [&] { app.exit(0); });

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    // A signal handler may only set a flag; the Qt loop notices it here.
    QTimer interruptWatch;
    QObject::connect(&interruptWatch, &QTimer::timeout, &app, [&] {
        if (g_interrupts.load() > 0 && !interrupted) {
            interrupted = true;
            reporter.clearLine();
            if (!opt.quiet) {
                std::fprintf(stderr, "\nInterrupted: stopping; partial files stay resumable "
                                     "with -c.\n");
            }
            session.shutdown();
            app.exit(0);
        }
    });
    interruptWatch.start(100);

    for (const auto& uri : valid) {
        maria2::DownloadRequest request;
        request.url = uri;
        request.fileName = opt.out;
        request.headers = opt.headers;
        request.userAgent = opt.userAgent;
        request.referer = opt.referer;
        // As aria2c: a part file is continued with -c only (the settings' Download.Continue is
        // the desktop app's); --allow-overwrite, when given, beats Download.AllowOverwrite.
        maria2::applyRequestDefaults(request, config.download,
                                     {opt.allowOverwrite, opt.continueDownload});
        request.continueExistingFile = opt.continueDownload;
        request.split = opt.split.value_or(0);
        request.maxConnectionsPerServer = opt.maxConnectionPerServer.value_or(0);
        request.minSplitSize = opt.minSplitSize.value_or(0);
        request.engine = opt.engine;
        request.maxSpeed = opt.downloadLimit.value_or(0);
        // An explicit digest wins; "auto" asks the engine to look for a published one.
        request.checksum = !opt.checksum.empty() ? opt.checksum
                           : opt.verifyAuto      ? std::string("auto")
                                                 : std::string();
        session.add(request);
    }

    app.exec();
    session.shutdown();
    // Deliver the last queued state changes (e.g. "paused" after an interruption).
    QCoreApplication::processEvents();
    if (stats && stats->linesWritten() == 0 && session.metrics().atUnixMs != 0) {
        stats->write(session.metrics()); // a run shorter than one sample still leaves a line
    }
    reporter.printSummary();
    spdlog::default_logger()->flush();
    return reporter.exitCode(interrupted);
}
