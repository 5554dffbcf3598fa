// DownloadsModel's texts and icons: names, sizes, speeds, ETAs and the status line.
// (The rows, their change signals and the totals are in DownloadsModel.cpp.)
#include "DownloadsModel.h"
#include "core/text/Text.h"

#include "core/integrity/Checksum.h"

#include <QApplication>
#include <QDateTime>
#include <QFileIconProvider>
#include <QFileInfo>
#include <QLocale>
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
    case DownloadState::Queued:
    case DownloadState::Connecting:
    case DownloadState::Downloading:
    case DownloadState::Paused: {
        // "Why is it slow?" right in the row: "Downloading — speed limit".
        const QString why = bottleneckText(s.bottleneck);
        return why.isEmpty() ? stateName(s.state) : tr("%1 — %2").arg(stateName(s.state), why);
    }
    default:
        return stateName(s.state);
    }
}

QString DownloadsModel::bottleneckText(Bottleneck b) {
    switch (b) {
    case Bottleneck::None:
    case Bottleneck::Network:
        return {};
    case Bottleneck::ServerCap:
        return tr("server limits each connection");
    case Bottleneck::SpeedLimit:
        return tr("speed limit");
    case Bottleneck::DownloadLimit:
        return tr("its own speed limit");
    case Bottleneck::ThrottledCpu:
        return tr("throttled: CPU busy");
    case Bottleneck::ThrottledMemory:
        return tr("throttled: memory short");
    case Bottleneck::DiskBound:
        return tr("disk too slow");
    case Bottleneck::DiskFull:
        return tr("disk almost full");
    case Bottleneck::WaitingSlot:
        return tr("waiting for a slot");
    case Bottleneck::WaitingHost:
        return tr("waiting: enough from this server");
    case Bottleneck::WaitingWindow:
        return tr("outside the download hours");
    case Bottleneck::WaitingRetry:
        return tr("waiting to retry");
    }
    return {};
}

QString DownloadsModel::bottleneckExplanation(Bottleneck b) {
    switch (b) {
    case Bottleneck::None:
        return {};
    case Bottleneck::Network:
        return tr("Nothing on this computer holds it back: the connection to the server sets "
                  "the speed.");
    case Bottleneck::ServerCap:
        return tr("The server limits the speed of each connection, and MAria2 already uses as "
                  "many connections as the server allows.");
    case Bottleneck::SpeedLimit:
        return tr("The overall speed limit holds it back (yours, a download-hours window's, or "
                  "MAria2's own while the computer is busy). Change it under Speed Limit.");
    case Bottleneck::DownloadLimit:
        return tr("This download has a speed limit of its own (Speed Limit… in its context "
                  "menu).");
    case Bottleneck::ThrottledCpu:
        return tr("The computer's CPU is busy, so MAria2 runs fewer downloads and connections "
                  "until it calms down.");
    case Bottleneck::ThrottledMemory:
        return tr("Memory is short, so MAria2 runs fewer downloads and connections until more "
                  "is free.");
    case Bottleneck::DiskBound:
        return tr("Writing to the disk takes most of the time: the disk is slower than the "
                  "network.");
    case Bottleneck::DiskFull:
        return tr("Paused: the disk it saves to is almost full. It continues when space is "
                  "freed.");
    case Bottleneck::WaitingSlot:
        return tr("The maximum number of downloads is running; it starts when one finishes. "
                  "Move it up to start it sooner.");
    case Bottleneck::WaitingHost:
        return tr("Enough downloads from this server are running; it starts when one of them "
                  "finishes.");
    case Bottleneck::WaitingWindow:
        return tr("Downloads run only during the configured download hours; it starts when "
                  "they begin.");
    case Bottleneck::WaitingRetry:
        return tr("The last attempt failed; it tries again shortly.");
    }
    return {};
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

QString DownloadsModel::formatAdded(std::int64_t addedAtMs) {
    if (addedAtMs <= 0)
        return {};
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(addedAtMs), QLocale::ShortFormat);
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
    // The unit is chosen by the core's one rule; only the unit names are translated here.
    static const char* const units[] = {QT_TR_NOOP("%1 B"),   QT_TR_NOOP("%1 KiB"),
                                        QT_TR_NOOP("%1 MiB"), QT_TR_NOOP("%1 GiB"),
                                        QT_TR_NOOP("%1 TiB"), QT_TR_NOOP("%1 PiB")};
    const text::ScaledBytes s = text::scaleBytes(bytes);
    if (s.unit == 0)
        return tr(units[0]).arg(qint64(s.value));
    return tr(units[s.unit]).arg(s.value, 0, 'f', 1);
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
