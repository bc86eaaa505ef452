// AllyShare hand-off: signs the ally's freshly installed extension in, without a password.
// Served from /assets (CSP script-src 'self'); runs on the guide page and on /handoff.
// 1. Ask the extension (externally_connectable) for a challenge: {type: "allyshare.handoff.hello"}
//    → {challenge}. 2. POST /handoff/code {challenge} (same origin, the cookie set when the
//    invitation was accepted) → {code}. 3. Give the code to the extension:
//    {type: "allyshare.handoff.code", code, origin} → {ok: true}. Retries every 2 s for 30 min.
// The meta may list several ids, comma-separated (the Chrome Web Store's build, the Edge
// Add-ons' build, …): step 1 asks each in turn, and the first that answers is the one used.
// Chrome (and Edge) carry the messages over `externally_connectable`. Firefox has none: there the
// extension's content script on this origin (extension/firefox/handoff-content.js) answers the
// same two messages posted to this window, and relays them to the extension's worker (the ids
// play no part there: the content script is the installed extension's own).
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="allyshare-extension-id"]');
  var status = document.getElementById('handoff-status');
  if (!meta || !status) return;
  var extensionIds = (meta.getAttribute('content') || '').split(',')
    .map(function (id) { return id.trim(); })
    .filter(function (id) { return /^[a-p]{32}$/.test(id); });
  if (extensionIds.length === 0) return;
  var deadline = Date.now() + 30 * 60 * 1000;
  // The page gives the words, in its language (these are the English, should it not).
  var words = status.dataset;
  var fallback = words.fallback || 'If the extension asks, sign in with your email and password.';

  function say(text) { status.textContent = text; }

  // Over externally_connectable, when this browser offers it to this page (Chrome, Edge).
  function sendExternal(extensionId, message) {
    return new Promise(function (resolve, reject) {
      try {
        chrome.runtime.sendMessage(extensionId, message, function (reply) {
          if (chrome.runtime.lastError) reject(new Error(chrome.runtime.lastError.message));
          else resolve(reply);
        });
      } catch (e) { reject(e); }
    });
  }

  // Through the extension's content script (Firefox): a same-window message, answered by one
  // with the same id, or nothing within 1.5 s (the extension is not installed yet).
  var nextId = 1;
  function sendRelayed(message) {
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      var timer = setTimeout(function () {
        window.removeEventListener('message', onReply);
        reject(new Error('the extension is not installed yet'));
      }, 1500);
      function onReply(event) {
        var data = event.data;
        if (event.source !== window || event.origin !== location.origin) return;
        if (!data || data.allyshare !== 'handoff-reply' || data.id !== id) return;
        clearTimeout(timer);
        window.removeEventListener('message', onReply);
        resolve(data.reply);
      }
      window.addEventListener('message', onReply);
      window.postMessage({ allyshare: 'handoff-request', id: id, message: message }, location.origin);
    });
  }

  function hasExternal() {
    return !!(window.chrome && chrome.runtime && chrome.runtime.sendMessage);
  }

  function send(extensionId, message) {
    return hasExternal() ? sendExternal(extensionId, message) : sendRelayed(message);
  }

  // The first id, in order, whose extension answers the hello with a challenge.
  function hello(index) {
    if (!hasExternal()) {
      return sendRelayed({ type: 'allyshare.handoff.hello' }).then(function (reply) {
        if (!reply || typeof reply.challenge !== 'string') throw new Error('no challenge');
        return { id: null, challenge: reply.challenge };
      });
    }
    if (index >= extensionIds.length) return Promise.reject(new Error('no extension answered'));
    var id = extensionIds[index];
    return send(id, { type: 'allyshare.handoff.hello' }).then(function (reply) {
      if (!reply || typeof reply.challenge !== 'string') throw new Error('no challenge');
      return { id: id, challenge: reply.challenge };
    }).catch(function () { return hello(index + 1); });
  }

  function attempt() {
    var extensionId;
    return hello(0).then(function (answer) {
      extensionId = answer.id;
      return fetch('/handoff/code', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge: answer.challenge })
      });
    }).then(function (response) {
      if (response.status === 401) {
        var e = new Error('the hand-off has expired'); e.final = true; throw e;
      }
      if (!response.ok) throw new Error('code request failed: ' + response.status);
      return response.json();
    }).then(function (body) {
      return send(extensionId, { type: 'allyshare.handoff.code', code: body.code, origin: location.origin });
    }).then(function (reply) {
      if (!reply || reply.ok !== true) throw new Error('the extension did not take the code');
    });
  }

  function loop() {
    attempt().then(function () {
      say(words.done || 'Almost done: confirm your account in the AllyShare extension. You can close this tab.');
    }, function (error) {
      if ((error && error.final) || Date.now() > deadline) { say(fallback); return; }
      setTimeout(loop, 2000);
    });
  }

  say(words.waiting || 'Once the AllyShare extension is installed, it signs in by itself.');
  loop();
})();
