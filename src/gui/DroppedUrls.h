#pragma once
// The links in what a person drops or pastes: URLs (text/uri-list), plain text with links in it,
// and local .txt lists (one link a line, or prose with links; at most kMaxListBytes are read).
// Shared by the main window and the drop target.
#include <QString>
#include <QStringList>

class QMimeData;

namespace maria2::gui::dropped {

// A list file bigger than this is read only this far (a link list is small; a dropped log or
// book is not what the person meant).
inline constexpr qint64 kMaxListBytes = 1024 * 1024;

// Cheap, for drag-enter: could the payload hold links (web URLs, a .txt file, text with a
// link)? Files are not read here.
bool mayHoldUrls(const QMimeData* mime);
// The http(s)/ftp(s) links in the payload, in order, without repeats.
QStringList urls(const QMimeData* mime);
// The links in a local text file (at most maxBytes read); empty if it cannot be read.
QStringList urlsInTextFile(const QString& path, qint64 maxBytes = kMaxListBytes);
bool isTextList(const QString& localPath); // "*.txt", any case

} // namespace maria2::gui::dropped
