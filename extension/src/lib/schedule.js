// When to ask the service, and which answers to keep. Per keystroke this does O(1) work (it
// only re-arms a timer); the text is read once, when typing stops. Unchanged text is not
// re-sent, and an answer that arrives after a newer request was made is dropped.
// No chrome.*, no DOM: timers and the transport are injected so node --test can drive it.

/** A plain debounce with flush/cancel. */
export function debounce(fn, wait, timers = globalThis) {
  let handle = null;
  const debounced = (...args) => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = timers.setTimeout(() => {
      handle = null;
      fn(...args);
    }, wait);
  };
  debounced.cancel = () => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = null;
  };
  debounced.pending = () => handle !== null;
  return debounced;
}

/** The identity of a request: same key, same answer. */
export function requestKey(req) {
  return JSON.stringify([req.kind, req.subject ?? null, req.text]);
}

/**
 * createAuditScheduler({read, send, onResult, onSkip, delay, timers})
 * - read(): the current request {text, kind, subject} or null when there is nothing to audit
 * - send(req): Promise of the service's answer
 * - onResult(answer, req): called for the latest request only
 */
export function createAuditScheduler({ read, send, onResult, onSkip = () => {}, delay = 500, timers = globalThis }) {
  let seq = 0;
  let lastKey = null;
  let lastAnswer = null;
  let inFlight = null;
  let dropped = 0;

  const run = async (force = false) => {
    const req = read();
    if (!req || !req.text || !req.text.trim()) {
      seq++; // whatever is in flight is for older text
      lastKey = null;
      onSkip("empty");
      return null;
    }
    const key = requestKey(req);
    if (!force && key === lastKey) {
      onSkip("unchanged");
      return lastAnswer;
    }
    const mine = ++seq;
    lastKey = key;
    const pending = Promise.resolve().then(() => send(req));
    inFlight = pending;
    let answer;
    try {
      answer = await pending;
    } catch (err) {
      answer = { ok: false, error: { code: "internal", message: String(err?.message || err) } };
    }
    if (mine !== seq) {
      dropped++;
      return null; // stale: a newer request was made while this one was out
    }
    inFlight = null;
    if (!answer?.ok) lastKey = null; // retry the same text next time
    lastAnswer = answer?.ok ? answer : null;
    onResult(answer, req);
    return answer;
  };

  const tick = debounce(() => run(false), delay, timers);
  return {
    /** Call on every keystroke / mutation: cheap. */
    schedule: tick,
    /** Audit now (after an applied edit, or before send). */
    now: (force = false) => {
      tick.cancel();
      return run(force);
    },
    cancel: () => {
      tick.cancel();
      seq++;
    },
    pending: () => tick.pending() || inFlight !== null,
    /** Forget the last text, so the next run re-sends it (settings or ignores changed). */
    invalidate: () => {
      lastKey = null;
    },
    stats: () => ({ seq, dropped }),
  };
}
