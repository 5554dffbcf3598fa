// maria2: the desktop download manager. Loads the configuration, starts the session and
// shows the main window; URLs on the command line are added as downloads. While MAria2 runs, a
// second `maria2 URL...` hands its URLs to the running one and exits (SingleInstance).
#include "MainWindow.h"
#include "QueueFinishedPrompt.h"
#include "SingleInstance.h"
#include "StartupTrace.h"
#include "session/AppSetup.h"
#include "session/KeepAwake.h"
#include "session/PowerAction.h"
#include "session/QueueFinishedWatch.h"
#include "session/Session.h"
#include "session/SleepInhibitor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QIcon>
#include <QMessageBox>
#include <QPixmap>
#include <QPointer>
#include <QScreen>
#include <QUrl>
#include <QWindow>
#include <cstdio>
#include <exception>
#include <memory>
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

void setApplicationNames() {
    QCoreApplication::setApplicationName(QStringLiteral("MAria2"));
    QCoreApplication::setOrganizationName(QStringLiteral("MAria2"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MARIA2_VERSION));
}

QCommandLineParser& describe(QCommandLineParser& parser) {
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "A fast, dependable download manager. With MAria2 "
                                            "running already, the URLs are handed to it."));
    return parser;
}

// The options, the same for the early look (answersWithoutDisplay) and the real parse.
struct CommandLine {
    explicit CommandLine(QCommandLineParser& parser)
        : help(describe(parser).addHelpOption())
        , version(parser.addVersionOption())
        , screenshot(QStringLiteral("screenshot"),
                     QCoreApplication::translate(
                         "main", "Save a PNG of the main window to <file> once it is on screen, "
                                 "then quit (for tests and documentation). Runs on its own, "
                                 "without handing over to a running MAria2."),
                     QStringLiteral("file")) {
        parser.addPositionalArgument(QStringLiteral("urls"),
                                     QCoreApplication::translate("main", "URLs to download."),
                                     QStringLiteral("[URL...]"));
        parser.addOption(screenshot);
    }
    QCommandLineOption help;
    QCommandLineOption version;
    QCommandLineOption screenshot;
};

// --help and --version need no display: they are answered before QApplication exists, so
// `maria2 --version` works on a machine without X (an installed package checked in CI).
bool answersWithoutDisplay(int argc, char* argv[]) {
    QStringList args;
    for (int i = 0; i < argc; ++i) {
        args << QString::fromLocal8Bit(argv[i]);
    }
    QCommandLineParser parser;
    const CommandLine options(parser);
    (void)parser.parse(args); // Qt's own options (-platform ...) are unknown here: not an error
    return parser.isSet(options.help) || parser.isSet(options.version) ||
           args.contains(QStringLiteral("--help-all"));
}

// Scheme-less text ("example.com/f.iso") becomes http; the engine reports bad URLs.
QStringList toUrls(const QStringList& args) {
    QStringList urls;
    for (const QString& arg : args) {
        const QUrl url = QUrl::fromUserInput(arg);
        urls << (url.isValid() ? QString::fromUtf8(url.toEncoded()) : arg);
    }
    return urls;
}

QList<maria2::DownloadRequest> toRequests(const QStringList& urls) {
    QList<maria2::DownloadRequest> requests;
    for (const QString& url : urls) {
        maria2::DownloadRequest request;
        request.url = url.toStdString();
        requests.append(request);
    }
    return requests;
}

// Back on screen and in front: from the tray, from minimised, from behind other windows.
void bringUp(QWidget& window) {
    window.show();
    window.setWindowState((window.windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    window.raise();
    window.activateWindow();
}

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

// Interface.WhenQueueFinishes: once every download has ended, a countdown the person can
// cancel, then sleep or shut down.
void offerPowerActionWhenQueueFinishes(maria2::QueueFinishedWatch& watch,
                                       maria2::PowerAction* power, QWidget* window) {
    auto prompt = std::make_shared<QPointer<maria2::gui::QueueFinishedPrompt>>();
    QObject::connect(&watch, &maria2::QueueFinishedWatch::queueFinished, window,
                     [prompt, power, window](maria2::PowerKind kind) {
                         if (*prompt != nullptr) {
                             return; // one countdown at a time
                         }
                         auto* dialog = new maria2::gui::QueueFinishedPrompt(kind, power, window);
                         dialog->setAttribute(Qt::WA_DeleteOnClose);
                         *prompt = dialog;
                         dialog->show();
                         dialog->raise();
                     });
    QObject::connect(&watch, &maria2::QueueFinishedWatch::queueBusyAgain, window, [prompt] {
        if (*prompt != nullptr) {
            (*prompt)->cancel();
        }
    });
}

} // namespace

int main(int argc, char* argv[]) {
    maria2::gui::StartupTrace trace;
    if (answersWithoutDisplay(argc, argv)) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        QCommandLineParser parser;
        const CommandLine options(parser);
        parser.process(app); // prints the help or the version and exits
        return 0;
    }

    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setApplicationDisplayName(QStringLiteral("MAria2"));
#ifdef MARIA2_APP_ID
    QApplication::setDesktopFileName(QStringLiteral(MARIA2_APP_ID)); // the .desktop file's id
#else
    QApplication::setDesktopFileName(QStringLiteral("maria2"));
#endif
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/maria2.svg")));

    QCommandLineParser parser;
    const CommandLine options(parser);
    parser.process(app);
    const bool screenshot = parser.isSet(options.screenshot);
    const QStringList urls = toUrls(parser.positionalArguments());

    // Before anything opens the database: a second process hands over and goes.
    QString socketProblem;
    maria2::gui::SingleInstance instance(maria2::gui::instanceServerName(
        QFileInfo(maria2::app::databasePath()).absolutePath(), &socketProblem));
    QString instanceProblem;
    if (!screenshot) {
        maria2::gui::InstanceMessage message;
        message.urls = urls;
        QString error;
        switch (instance.start(message, &error)) {
        case maria2::gui::SingleInstance::Outcome::HandedOver:
            return 0;
        case maria2::gui::SingleInstance::Outcome::HandOverFailed:
            std::fprintf(stderr, "maria2: %s\n", qPrintable(error));
            return 1;
        case maria2::gui::SingleInstance::Outcome::Standalone:
            instanceProblem = error; // logged once logging runs
            break;
        case maria2::gui::SingleInstance::Outcome::Primary:
            break;
        }
    }

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
    if (!socketProblem.isEmpty()) {
        spdlog::warn("single instance: {}", socketProblem.toStdString());
    }
    if (!instanceProblem.isEmpty()) {
        spdlog::warn("single instance: {}; a second maria2 will run on its own",
                     instanceProblem.toStdString());
    }

    std::optional<maria2::Session> session;
    trace.note("restoring");
    try {
        // The queue and history persist in the app-data folder; running ones resume.
        session.emplace(loaded.config, maria2::SessionOptions{maria2::app::databasePath()});
    } catch (const std::exception& error) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "MAria2"),
                              QApplication::translate("main", "MAria2 could not start:\n\n%1")
                                  .arg(QString::fromStdString(error.what())));
        return 1;
    }
    if (trace.on()) {
        trace.note("restored", session->queueOrder().size()); // a copy of the ids: only when on
    }
    // No sleep while bytes flow (Interface.KeepAwake); released when they stop and on quitting.
    maria2::KeepAwake keepAwake(&*session, maria2::makeSleepInhibitor());
    maria2::QueueFinishedWatch queueWatch(&*session);
    const std::unique_ptr<maria2::PowerAction> power = maria2::makePowerAction();
#ifdef Q_OS_UNIX
    quitOnSignals(app);
#endif
    // Flush partial files while the event loop and the window still exist.
    QObject::connect(&app, &QApplication::aboutToQuit, &app, [&] {
        instance.close(); // a maria2 started from now on runs on its own
        queueWatch.stop();
        keepAwake.stop();
        session->shutdown();
    });

    maria2::gui::MainWindow window(&*session);
    window.show();
    trace.watchFirstExpose(window);
    if (const QString warning = session->storeWarning(); !warning.isEmpty()) {
        spdlog::warn("{}", warning.toStdString());
        // Non-blocking: the window and the downloads keep going while it is shown.
        auto* box = new QMessageBox(QMessageBox::Warning, QApplication::translate("main", "MAria2"),
                                    warning, QMessageBox::Ok, &window);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    offerPowerActionWhenQueueFinishes(queueWatch, power.get(), &window);
    // URLs from a later `maria2 URL...`: offered in the add dialog (or added, when the person
    // opted out of confirming), window brought up.
    QObject::connect(&instance, &maria2::gui::SingleInstance::messageReceived, &window,
                     [&window](const maria2::gui::InstanceMessage& message) {
                         if (message.show) {
                             bringUp(window);
                         }
                         window.addUrlsFromOtherProcess(message.urls); // its dialog on top
                     });

    window.addRequests(toRequests(urls));

    if (screenshot) {
        return saveScreenshot(window, parser.value(options.screenshot)) ? 0 : 1;
    }
    return app.exec();
}
