// DownloadsModel's totals for the status bar, the side list and the tray, kept row by row: every
// snapshot a row takes goes through store(), which takes the row's old part out of the counts
// and puts its new one in. A progress batch, an add or a removal costs O(rows changed).
#include "DownloadsModel.h"

namespace maria2::gui {

void DownloadsModel::count(Row& row, int sign) {
    const DownloadSnapshot& s = row.snap;
    const bool add = sign > 0;
    row.counted = add;
    switch (s.state) {
    case DownloadState::Connecting:
    case DownloadState::Downloading:
    case DownloadState::Stalled:
    case DownloadState::Verifying:
        m_counts.active += sign;
        m_counts.speedBytesPerSec += sign * s.speedBytesPerSec;
        break;
    case DownloadState::Queued:
    case DownloadState::Retrying:
        m_counts.queued += sign;
        break;
    case DownloadState::Paused:
        m_counts.paused += sign;
        break;
    case DownloadState::Completed:
        m_counts.completed += sign;
        break;
    case DownloadState::Failed:
        m_counts.failed += sign;
        break;
    case DownloadState::LinkExpired:
    case DownloadState::FileChanged:
        m_counts.attention += sign;
        break;
    case DownloadState::Removed:
        break;
    }
    if (s.state == DownloadState::Retrying && row.retryAtMs >= 0) {
        if (add)
            m_retrying.insert(s.id);
        else
            m_retrying.remove(s.id);
    }
}

void DownloadsModel::publishTotals() {
    // The speed is a running sum: exactly 0 again once nothing runs, so no rounding lingers.
    if (m_counts.active == 0)
        m_counts.speedBytesPerSec = 0;
    updateRetryTicker();
    if (m_counts == m_totals)
        return; // queued rows that changed what they wait for: nothing in the totals moved
    m_totals = m_counts;
    emit totalsChanged();
}

void DownloadsModel::updateRetryTicker() {
    if (!m_retrying.isEmpty() && !m_retryTicker.isActive())
        m_retryTicker.start();
    else if (m_retrying.isEmpty())
        m_retryTicker.stop();
}

} // namespace maria2::gui
