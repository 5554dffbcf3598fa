// maria2: the desktop download manager. Loads the configuration, starts the session and
// shows the main window; URLs on the command line are added as downloads.
#include "MainWindow.h"
#include "session/AppSetup.h"
#include "session/Session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QIcon>
#include <QMessageBox>
#include <QPixmap>
#include <QScreen>
#include <QUrl>
#include <QWindow>
#include <cstdio>
#include <exception>
#include <optional>
#include <spdlog/spdlog.h>

#ifdef Q_OS_UNIX
#include <QSocketNotifier>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalPipe[2] = {-1, -1};

// SIGTERM (logout, kill) and SIGINT should quit like Ctrl+Q, so partial files are flushed.
// A handler may only write(); the event loop picks the byte up and quits.
void onQuitSignal(int) {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &byte, 1);
}

void quitOnSignals(QApplication& app) {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return;
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        notifier->setEnabled(false);
        char byte = 0;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &byte, 1);
        QApplication::quit();
    });
    struct sigaction action {};
    action.sa_handler = onQuitSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
}

} // namespace
#endif

namespace {

// Waits (bounded) until the window is really on screen and painted, then grabs what the screen
// shows (under Xvfb: the X server's pixels), falling back to rendering the widget.
bool saveScreenshot(QWidget& window, const QString& path) {
    QDeadlineTimer deadline(10000);
    while (!(window.windowHandle() != nullptr && window.windowHandle()->isExposed()) &&
           !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    QCoreApplication::processEvents();
    QPixmap shot;
    if (QScreen* screen = window.screen(); screen != nullptr && window.windowHandle() != nullptr &&
                                           QGuiApplication::platformName() == "xcb") {
        shot = screen->grabWindow(window.winId());
    }
    if (shot.isNull()) {
        shot = window.grab();
    }
    if (shot.isNull() || !shot.save(path, "PNG")) {
        std::fprintf(stderr, "maria2: cannot save the screenshot to %s\n", qPrintable(path));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("MAria2"));
    QApplication::setOrganizationName(QStringLiteral("MAria2"));
    QApplication::setApplicationDisplayName(QStringLiteral("MAria2"));
    QApplication::setApplicationVersion(QStringLiteral(MARIA2_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("maria2"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/maria2.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "A fast, dependable download manager."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("urls"),
                                 QApplication::translate("main", "URLs to download."),
                                 QStringLiteral("[URL...]"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Save a PNG of the main window to <file> once it is "
                                        "on screen, then quit (for tests and documentation)."),
        QStringLiteral("file"));
    parser.addOption(screenshotOption);
    parser.process(app);

    maria2::ConfigLoadResult loaded;
    try {
        loaded = maria2::app::loadConfig();
    } catch (const maria2::ConfigError& error) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "MAria2"),
                              QApplication::translate("main", "The configuration cannot be "
                                                              "used:\n\n%1")
                                  .arg(QString::fromStdString(error.what())));
        return 1;
    }
    try {
        maria2::app::initLogging(loaded.config);
    } catch (const std::exception& error) {
        // A log that cannot be written must not stop downloads; say so on stderr.
        std::fprintf(stderr, "maria2: %s\n", error.what());
    }
    for (const auto& warning : loaded.warnings) {
        spdlog::warn("{}", warning);
    }

    std::optional<maria2::Session> session;
    try {
        // The queue and history persist in the app-data folder; running ones resume.
        session.emplace(loaded.config, maria2::SessionOptions{maria2::app::databasePath()});
    } catch (const std::exception& error) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "MAria2"),
                              QApplication::translate("main", "MAria2 could not start:\n\n%1")
                                  .arg(QString::fromStdString(error.what())));
        return 1;
    }
#ifdef Q_OS_UNIX
    quitOnSignals(app);
#endif
    // Flush partial files while the event loop and the window still exist.
    QObject::connect(&app, &QApplication::aboutToQuit, &app, [&session] { session->shutdown(); });

    maria2::gui::MainWindow window(&*session);
    window.show();
    if (const QString warning = session->storeWarning(); !warning.isEmpty()) {
        spdlog::warn("{}", warning.toStdString());
        // Non-blocking: the window and the downloads keep going while it is shown.
        auto* box = new QMessageBox(QMessageBox::Warning, QApplication::translate("main", "MAria2"),
                                    warning, QMessageBox::Ok, &window);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }

    QList<maria2::DownloadRequest> requests;
    for (const QString& arg : parser.positionalArguments()) {
        // Scheme-less text ("example.com/f.iso") becomes http; the engine reports bad URLs.
        const QUrl url = QUrl::fromUserInput(arg);
        maria2::DownloadRequest request;
        request.url = (url.isValid() ? url.toEncoded() : arg.toUtf8()).toStdString();
        requests.append(request);
    }
    window.addRequests(requests);

    if (parser.isSet(screenshotOption)) {
        return saveScreenshot(window, parser.value(screenshotOption)) ? 0 : 1;
    }
    return app.exec();
}
