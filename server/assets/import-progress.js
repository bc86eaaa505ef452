// The bulk invite result page: keeps the line on the emails' progress current while emails
// wait in the mail queue, asking this server only (the page's CSP allows nothing else). The
// page says the same without this script, with a Refresh link.
'use strict';

(function () {
  const line = document.getElementById('email-progress');
  const url = line && line.dataset.progressUrl;
  if (!url) return;
  const every = Math.max(2000, Number(line.dataset.everyMs) || 5000);
  const hint = document.getElementById('refresh-hint');
  let failures = 0;

  async function update() {
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(String(response.status));
      const progress = await response.json();
      failures = 0;
      if (line.textContent !== progress.text) line.textContent = progress.text;
      if (!progress.live) {
        if (hint) hint.remove();
        return;
      }
    } catch (_) {
      // A missed update is retried; after a few, the Refresh link stays the way.
      failures += 1;
      if (failures >= 5) return;
    }
    setTimeout(update, every);
  }
  setTimeout(update, every);
})();
