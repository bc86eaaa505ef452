// AllyShare on linkedin.com: the fallback for the worker's LinkedIn reads (src/linkedin/fallback.rs).
// When LinkedIn refuses the service worker's own requests, the worker asks an open linkedin.com
// tab to send the very same Voyager GET as a same-origin fetch, and gets the answer back as data.
// This script does nothing else: it reads nothing from the page, changes nothing, and answers
// only our own worker, only for https://www.linkedin.com/voyager/api/ URLs. Plain JS on purpose:
// content scripts run beside LinkedIn's page, no wasm here.
(() => {
  const VOYAGER = '/voyager/api/';
  const ALLOWED_HEADERS = ['csrf-token', 'x-restli-protocol-version', 'accept'];
  const TIMEOUT_MS = 15000;
  const MAX_BODY = 8 * 1024 * 1024;
  // The worker's URL: Chrome's service worker, or Firefox's background page (an event page
  // Firefox generates around background.js).
  const WORKER_URLS = [
    chrome.runtime.getURL('background.js'),
    chrome.runtime.getURL('_generated_background_page.html'),
  ];

  // The URL as the browser resolves it (dot segments and all) must stay on this origin, under the API.
  function voyagerUrl(text) {
    if (typeof text !== 'string' || !text.startsWith(`https://www.linkedin.com${VOYAGER}`)) return null;
    let url;
    try { url = new URL(text); } catch { return null; }
    if (url.origin !== 'https://www.linkedin.com' || url.origin !== location.origin) return null;
    if (!url.pathname.startsWith(VOYAGER) || url.username || url.password || url.hash) return null;
    return url.href;
  }

  async function linkedinFetch({ url, headers }) {
    const target = voyagerUrl(url);
    if (!target) return { error: 'refused: not a Voyager API URL' };
    const sent = {};
    for (const name of ALLOWED_HEADERS) {
      const value = headers?.[name];
      if (typeof value === 'string') sent[name] = value;
    }
    try {
      const res = await fetch(target, {
        method: 'GET',
        credentials: 'include',
        headers: sent,
        redirect: 'follow',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await res.text();
      if (body.length > MAX_BODY) return { error: 'answer too large' };
      return {
        status: res.status,
        content_type: res.headers.get('content-type'),
        retry_after: res.headers.get('retry-after'),
        body,
      };
    } catch (e) {
      return { error: String(e?.name ?? e) };
    }
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    // Only our own extension's service worker: not another extension, not a script in a tab,
    // not even one of our own pages.
    if (sender.id !== chrome.runtime.id || sender.tab || !WORKER_URLS.includes(sender.url)) return false;
    const request = message?.linkedin_fetch;
    if (!request || typeof request !== 'object') return false;
    linkedinFetch(request).then(sendResponse);
    return true; // the answer comes asynchronously
  });
})();
