#pragma once
// StartupTrace: the app's start-up milestones for tests/benchmarks/gui_figures.py, which
// measures the app from outside the process. MARIA2_STARTUP_TRACE=FILE turns it on; each
// milestone then appends one JSON line to FILE, e.g.
//   {"event":"shown","epoch_ms":1718000000123.456,"main_ms":212.345,"downloads":-1}
// epoch_ms is the wall clock (the benchmark subtracts the moment it started the process),
// main_ms the time since the trace was made (first thing in main()). Events: "restoring"
// (before the Session opens the database), "restored" (the database's downloads loaded and
// handed to the engines; "downloads" = how many) and "shown" (the main window's first expose
// has been handled: it is mapped and painted). Unset, it costs one getenv() and a clock read.
#include <QObject>
#include <QString>

#include <chrono>

class QEvent;
class QWidget;

namespace maria2::gui {

// A QObject only to filter the window's events; no signals or slots, hence no Q_OBJECT.
class StartupTrace final : public QObject {
public:
    StartupTrace();

    bool on() const { return !m_path.isEmpty(); }

    // Appends one milestone; `downloads` is -1 where no count belongs.
    void note(const char* event, qsizetype downloads = -1) const;
    // Notes "shown" once the window's first expose event has been delivered and handled.
    void watchFirstExpose(QWidget& window);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QString m_path;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

} // namespace maria2::gui
