// Background service worker (an event page in Firefox): the only place that talks to the
// service. Content scripts cannot (the page's CORS and Chrome's local-network rules block
// them). Stateless: it may be stopped when idle, so settings are read from storage each time.
// Draft text passes through to the configured service only; it is never stored or logged.
import { roundScore } from "./lib/report.js";
import { normalizeSettings } from "./lib/settings.js";

const ext = globalThis.browser?.runtime?.id ? globalThis.browser : globalThis.chrome;
const TIMEOUT_MS = 15000;
const BADGE_COLORS = { send: "#188038", review: "#e37400", rewrite: "#c5221f" };

async function getSettings() {
  return normalizeSettings(await ext.storage.local.get(null));
}

async function call(path, init = {}) {
  const settings = await getSettings();
  const headers = { Accept: "application/json", ...(init.headers || {}) };
  if (settings.token) headers.Authorization = `Bearer ${settings.token}`;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetch(settings.serviceUrl + path, { ...init, headers, signal: ctrl.signal, credentials: "omit" });
  } catch (err) {
    return {
      ok: false,
      unreachable: true,
      error: { code: err?.name === "AbortError" ? "timeout" : "unreachable", message: `No answer from ${settings.serviceUrl}` },
    };
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = body?.error?.code ? body.error : { code: `http_${res.status}`, message: `The service answered ${res.status}.` };
    return { ok: false, status: res.status, error };
  }
  if (body === null) return { ok: false, status: res.status, error: { code: "bad_response", message: "The service did not answer with JSON." } };
  return { ok: true, status: res.status, body };
}

export async function audit({ text, kind, subject }) {
  const payload = { text, kind, offset_encoding: "utf-16" };
  if (subject && subject.trim()) payload.subject = subject;
  const answer = await call("/api/v1/audit", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  if (!answer.ok) return answer;
  return { ok: true, report: answer.body };
}

async function health() {
  const settings = await getSettings();
  const answer = await call("/healthz");
  return { ...answer, serviceUrl: settings.serviceUrl };
}

function showOnToolbar(tabId, answer) {
  if (tabId === undefined || !ext.action?.setBadgeText) return;
  const text = answer.ok ? String(roundScore(answer.report.scores?.trust ?? 0)) : "!";
  const color = answer.ok ? BADGE_COLORS[answer.report.verdict] || "#5f6368" : "#5f6368";
  Promise.resolve(ext.action.setBadgeText({ tabId, text })).catch(() => {});
  Promise.resolve(ext.action.setBadgeBackgroundColor({ tabId, color })).catch(() => {});
}

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (msg?.type === "audit") {
    audit(msg).then((answer) => {
      showOnToolbar(sender.tab?.id, answer);
      sendResponse(answer);
    });
    return true; // answer asynchronously
  }
  if (msg?.type === "health") {
    health().then(sendResponse);
    return true;
  }
  return false;
});
