#pragma once
// The app's own icons, compiled into the maria2 executable (resources/maria2.qrc). Test
// binaries run without them: a missing icon is an empty QIcon and the action shows its text.
#include <QFile>
#include <QIcon>
#include <QString>

namespace maria2::gui {

inline QIcon resourceIcon(const char* name) {
    const QString path = QStringLiteral(":/icons/%1.svg").arg(QLatin1String(name));
    return QFile::exists(path) ? QIcon(path) : QIcon();
}

} // namespace maria2::gui
