#include "StartupTrace.h"

#include <QEvent>
#include <QFile>
#include <QWidget>
#include <QWindow>

#include <cstdio>

namespace maria2::gui {

StartupTrace::StartupTrace()
    : m_path(qEnvironmentVariable("MARIA2_STARTUP_TRACE")) {
}

void StartupTrace::note(const char* event, qsizetype downloads) const {
    if (m_path.isEmpty()) {
        return;
    }
    using namespace std::chrono;
    const double epochMs =
        duration<double, std::milli>(system_clock::now().time_since_epoch()).count();
    const double mainMs = duration<double, std::milli>(steady_clock::now() - m_start).count();
    // Opened and closed per line: a few lines per start, and each is on disk at once, so the
    // benchmark can read the file while the app runs.
    if (std::FILE* file = std::fopen(QFile::encodeName(m_path).constData(), "a")) {
        std::fprintf(file,
                     "{\"event\":\"%s\",\"epoch_ms\":%.3f,\"main_ms\":%.3f,"
                     "\"downloads\":%lld}\n",
                     event, epochMs, mainMs, static_cast<long long>(downloads));
        std::fclose(file);
    }
}

void StartupTrace::watchFirstExpose(QWidget& window) {
    // The native window exists once the widget has been shown; its expose events are the
    // window system's "you are visible now", which the widget itself does not see.
    if (!m_path.isEmpty() && window.windowHandle() != nullptr) {
        window.windowHandle()->installEventFilter(this);
    }
}

bool StartupTrace::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Expose && static_cast<QWindow*>(watched)->isExposed()) {
        watched->removeEventFilter(this);
        // Queued: runs after this expose has been handled, i.e. the first frame is painted.
        QMetaObject::invokeMethod(
            this, [this] { note("shown"); }, Qt::QueuedConnection);
    }
    return QObject::eventFilter(watched, event);
}

} // namespace maria2::gui
