// DownloadsModel's texts and icons: names, sizes, speeds, ETAs and the status line.
// (The rows, their change signals and the totals are in DownloadsModel.cpp.)
#include "DownloadsModel.h"

#include "core/integrity/Checksum.h"

#include <QApplication>
#include <QFileIconProvider>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QStyle>
#include <QUrl>
#include <algorithm>
#include <cmath>

namespace maria2::gui {

QString DownloadsModel::statusText(const DownloadSnapshot& s, qint64 retryAtMs) const {
    const QString message = QString::fromStdString(s.errorMessage);
    // For the states waiting for a person: the cause up to its first "; " (the engine's advice
    // after it is what these texts say themselves); the tooltip has all of it.
    const QString cause = message.section(QStringLiteral("; "), 0, 0);
    switch (s.state) {
    case DownloadState::Failed:
        return tr("Failed: %1")
            .arg(message.isEmpty() ? QString::fromUtf8(describe(s.error)) : message);
    case DownloadState::LinkExpired:
        // What to do comes first: in a narrow column the cause is what gets elided.
        return message.isEmpty() ? tr("Link expired \u2014 use Change URL\u2026 with a fresh link")
                                 : tr("Link expired \u2014 use Change URL\u2026 (%1)").arg(cause);
    case DownloadState::FileChanged:
        // Resuming starts over (the bytes here belong to the old file); Change URL works too.
        return message.isEmpty()
                   ? tr("File changed on server \u2014 Resume starts it over")
                   : tr("File changed on server \u2014 Resume starts it over (%1)").arg(cause);
    case DownloadState::Stalled:
        return tr("Stalled: no data for a while, still trying");
    case DownloadState::Verifying: {
        const auto spec = s.checksum.empty() ? std::nullopt : parseChecksum(s.checksum);
        return spec ? tr("Verifying %1 checksum\u2026").arg(QString::fromStdString(spec->algorithm))
                    : tr("Verifying checksum\u2026");
    }
    case DownloadState::Retrying: {
        if (retryAtMs < 0)
            return tr("Retrying (attempt %1)").arg(s.attempt + 1);
        const qint64 leftMs = std::max<qint64>(0, retryAtMs - m_clock.elapsed());
        return tr("Retrying in %1 (attempt %2)")
            .arg(formatEta(std::ceil(double(leftMs) / 1000.0)))
            .arg(s.attempt + 1);
    }
    default:
        return stateName(s.state);
    }
}

QIcon DownloadsModel::statusIcon(DownloadState state) {
    // Only the rows that need a look get an icon, so they stand out in a long list.
    const auto* app = qobject_cast<QApplication*>(QCoreApplication::instance());
    if (!app)
        return {};
    switch (state) {
    case DownloadState::Failed:
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxCritical);
    case DownloadState::LinkExpired:
    case DownloadState::FileChanged:
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    default:
        return {};
    }
}

QString DownloadsModel::displayName(const DownloadSnapshot& s) {
    if (!s.fileName.empty())
        return QString::fromStdString(s.fileName);
    const QUrl url(QString::fromStdString(s.url));
    const QString fromUrl = url.fileName();
    return fromUrl.isEmpty() ? QString::fromStdString(s.url) : fromUrl;
}

QIcon DownloadsModel::iconFor(const DownloadSnapshot& s) const {
    const QString suffix = QFileInfo(displayName(s)).suffix().toLower();
    auto it = m_iconBySuffix.constFind(suffix);
    if (it != m_iconBySuffix.constEnd())
        return *it;

    QIcon icon;
    if (!suffix.isEmpty()) {
        static const QMimeDatabase mimeDb;
        const QMimeType mime =
            mimeDb.mimeTypeForFile(QStringLiteral("x.") + suffix, QMimeDatabase::MatchExtension);
        icon = QIcon::fromTheme(mime.iconName());
        if (icon.isNull())
            icon = QIcon::fromTheme(mime.genericIconName());
    }
    if (icon.isNull())
        icon = QFileIconProvider().icon(QFileIconProvider::File);
    m_iconBySuffix.insert(suffix, icon);
    return icon;
}

QString DownloadsModel::formatSize(double bytes) {
    if (bytes < 1024.0)
        return tr("%1 B").arg(qint64(std::max(0.0, bytes)));
    static const char* const units[] = {QT_TR_NOOP("%1 KiB"), QT_TR_NOOP("%1 MiB"),
                                        QT_TR_NOOP("%1 GiB"), QT_TR_NOOP("%1 TiB"),
                                        QT_TR_NOOP("%1 PiB")};
    int unit = -1;
    double value = bytes;
    while (value >= 1024.0 && unit + 1 < int(std::size(units))) {
        value /= 1024.0;
        ++unit;
    }
    // 1023.96 KiB would print as "1024.0 KiB": promote to the next unit instead.
    if (value >= 1023.95 && unit + 1 < int(std::size(units))) {
        value /= 1024.0;
        ++unit;
    }
    return tr(units[unit]).arg(value, 0, 'f', 1);
}

QString DownloadsModel::formatSpeed(double bytesPerSec) {
    return tr("%1/s").arg(formatSize(bytesPerSec));
}

QString DownloadsModel::formatEta(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds))
        return QStringLiteral("\u221e");
    const qint64 total = qint64(std::llround(seconds));
    const auto two = [](qint64 v) {
        return QStringLiteral("%1").arg(v, 2, 10, QLatin1Char('0'));
    };
    if (total < 60)
        return tr("%1s").arg(total);
    if (total < 3600)
        return tr("%1m %2s").arg(total / 60).arg(two(total % 60));
    if (total < 86400)
        return tr("%1h %2m").arg(total / 3600).arg(two(total % 3600 / 60));
    return tr("%1d %2h").arg(total / 86400).arg(two(total % 86400 / 3600));
}

QString DownloadsModel::stateName(DownloadState state) {
    switch (state) {
    case DownloadState::Queued:
        return tr("Queued");
    case DownloadState::Connecting:
        return tr("Connecting");
    case DownloadState::Downloading:
        return tr("Downloading");
    case DownloadState::Retrying:
        return tr("Retrying");
    case DownloadState::Stalled:
        return tr("Stalled");
    case DownloadState::Verifying:
        return tr("Verifying");
    case DownloadState::LinkExpired:
        return tr("Link expired");
    case DownloadState::FileChanged:
        return tr("File changed on server");
    case DownloadState::Paused:
        return tr("Paused");
    case DownloadState::Completed:
        return tr("Completed");
    case DownloadState::Failed:
        return tr("Failed");
    case DownloadState::Removed:
        return tr("Removed");
    }
    return QString::fromUtf8(toString(state));
}

} // namespace maria2::gui
