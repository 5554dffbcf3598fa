#pragma once
// Colours that stay readable in light and dark palettes: the app's few accent colours (errors,
// warnings) come in a variant for each, chosen by the background they are drawn on.
#include <QColor>
#include <QPalette>

namespace maria2::gui {

inline bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

inline QColor errorColor(const QPalette& palette) {
    return isDark(palette) ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x39, 0x2b);
}

inline QColor warningColor(const QPalette& palette) {
    return isDark(palette) ? QColor(0xff, 0xb7, 0x4d) : QColor(0xb3, 0x6b, 0x00);
}

} // namespace maria2::gui
