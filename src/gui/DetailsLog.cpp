#include "DetailsLog.h"

#include <QFontDatabase>
#include <QScrollBar>
#include <QStringList>

#include <algorithm>

namespace maria2::gui {

DetailsLog::DetailsLog(QWidget* parent)
    : QPlainTextEdit(parent) {
    setObjectName(QStringLiteral("detailsLog"));
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setMaximumBlockCount(5000); // a long download's log must not grow without bound
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setPlaceholderText(tr("No log lines for this download yet."));
}

std::size_t DetailsLog::overlap(const std::vector<std::string>& previous,
                                const std::vector<std::string>& next) {
    // The window slides forward by a few lines per answer, so the longest overlap is tried
    // first: usually the first or second try matches.
    for (std::size_t k = std::min(previous.size(), next.size()); k > 0; --k) {
        if (std::equal(previous.end() - std::ptrdiff_t(k), previous.end(), next.begin()))
            return k;
    }
    return 0;
}

void DetailsLog::setLines(const std::vector<std::string>& lines) {
    if (lines == m_window)
        return;
    const std::size_t from = overlap(m_window, lines);
    m_window = lines;
    if (from >= lines.size())
        return;

    QStringList fresh;
    fresh.reserve(int(lines.size() - from));
    for (std::size_t i = from; i < lines.size(); ++i)
        fresh << QString::fromStdString(lines[i]);

    QScrollBar* bar = verticalScrollBar();
    const bool following = bar->value() >= bar->maximum();
    const int kept = bar->value();
    appendPlainText(fresh.join(QLatin1Char('\n')));
    m_appended += int(fresh.size());
    bar->setValue(following ? bar->maximum() : kept);
}

void DetailsLog::reset() {
    m_window.clear();
    m_appended = 0;
    clear();
}

} // namespace maria2::gui
