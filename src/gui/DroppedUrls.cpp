#include "DroppedUrls.h"

#include "AddUrlsDialog.h"

#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

namespace maria2::gui::dropped {

namespace {

void appendNew(QStringList& to, const QStringList& found) {
    for (const QString& url : found) {
        if (!to.contains(url))
            to.append(url);
    }
}

} // namespace

bool isTextList(const QString& localPath) {
    return QFileInfo(localPath).suffix().compare(QLatin1String("txt"), Qt::CaseInsensitive) == 0;
}

bool mayHoldUrls(const QMimeData* mime) {
    if (!mime)
        return false;
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile() ? isTextList(url.toLocalFile())
                              : AddUrlsDialog::isSupportedUrl(url.toString(QUrl::FullyEncoded)))
            return true;
    }
    return mime->hasText() && !AddUrlsDialog::urlsInText(mime->text()).isEmpty();
}

QStringList urlsInTextFile(const QString& path, qint64 maxBytes) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QByteArray bytes = file.read(maxBytes);
    // Cut mid-line: the last, partial line may hold half a link.
    if (file.size() > maxBytes) {
        const qsizetype lastBreak = bytes.lastIndexOf('\n');
        if (lastBreak >= 0)
            bytes.truncate(lastBreak);
    }
    return AddUrlsDialog::urlsInText(QString::fromUtf8(bytes));
}

QStringList urls(const QMimeData* mime) {
    QStringList out;
    if (!mime)
        return out;
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile()) {
            if (isTextList(url.toLocalFile()))
                appendNew(out, urlsInTextFile(url.toLocalFile()));
            continue;
        }
        const QString text = url.toString(QUrl::FullyEncoded);
        if (AddUrlsDialog::isSupportedUrl(text))
            appendNew(out, {text});
    }
    // A browser drags a link as both; text alone comes from editors and terminals.
    if (out.isEmpty() && mime->hasText())
        appendNew(out, AddUrlsDialog::urlsInText(mime->text()));
    return out;
}

} // namespace maria2::gui::dropped
