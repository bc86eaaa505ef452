// AllyShare on the backend's own pages, in Firefox only (the manifest's Firefox form lists it for
// the backend's origins, top frame only). Firefox has no `externally_connectable`, so the Get
// Started page cannot message the extension itself: it posts its two hand-off messages to its
// own window, and this script relays them to the worker and posts the worker's answer back.
// It relays nothing else, and decides nothing: the worker checks again that the message came
// from a tab on its backend's origin (src/background.rs, `handle_relayed`), and the one-time
// code is useless without the verifier, which never leaves the extension.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const TYPES = ['allyshare.handoff.hello', 'allyshare.handoff.code'];

  window.addEventListener('message', (event) => {
    // Only this very window's own script: not a frame, not another window, not another origin.
    if (event.source !== window || event.origin !== location.origin) return;
    const data = event.data;
    if (!data || data.allyshare !== 'handoff-request') return;
    const id = data.id;
    const type = data.message?.type;
    if (typeof id !== 'number' || !TYPES.includes(type)) return;
    // A fresh object with only the fields the worker reads.
    const message = { type };
    if (type === 'allyshare.handoff.code') {
      if (typeof data.message.code !== 'string') return;
      message.code = data.message.code;
    }
    const answer = (reply) => window.postMessage(
      { allyshare: 'handoff-reply', id, reply: reply ?? null }, location.origin,
    );
    api.runtime.sendMessage({ relay: 'handoff', message }).then(answer, () => answer(null));
  });
})();
