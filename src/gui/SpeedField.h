#pragma once
// SpeedField: a byte count typed as people write it, "10M", "512K", "1.5M" or plain bytes
// (1024-based, the same grammar as a time window's "at SPEED" and the speed presets); 0 or
// empty = none. Used by the settings dialog for speeds (B/s) and sizes (bytes).
#include <QLineEdit>

#include <optional>

namespace maria2::gui {

class SpeedField final : public QLineEdit {
    Q_OBJECT
public:
    explicit SpeedField(QWidget* parent = nullptr);

    // Shows the exact value in the largest unit that divides it ("10M", "1536K", "1000").
    void setBytes(qint64 bytes);
    // The value typed, or nothing when the text is not a byte count.
    std::optional<qint64> bytes() const { return parse(text()); }

    // "" and "0" -> 0; "10M" -> 10485760; "1,2" or "fast" -> nothing.
    static std::optional<qint64> parse(const QString& text);
    static QString format(qint64 bytes);
};

} // namespace maria2::gui
