#pragma once
// DetailsLog: a download's own log lines, read-only. The session answers with its recent lines
// (a sliding window, oldest first) every time it is asked; this view appends only the lines
// it has not shown yet, so nothing flickers, text stays selectable, and it keeps following
// the end unless the person scrolled up to read.
#include <QPlainTextEdit>

#include <string>
#include <vector>

namespace maria2::gui {

class DetailsLog final : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit DetailsLog(QWidget* parent = nullptr);

    // The latest window of lines; appends those after the overlap with the previous window.
    void setLines(const std::vector<std::string>& lines);
    // Forgets everything (another download).
    void reset();

    // Lines appended so far (after the blocks limit, the view may hold fewer).
    int appendedCount() const { return m_appended; }

    // How many lines at the start of next continue the end of previous (their longest overlap).
    static std::size_t overlap(const std::vector<std::string>& previous,
                               const std::vector<std::string>& next);

private:
    std::vector<std::string> m_window; // what the last answer held
    int m_appended = 0;
};

} // namespace maria2::gui
