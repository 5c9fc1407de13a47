// Settings are all the extension stores (chrome.storage.local): never draft text.

export const DEFAULT_SERVICE_URL = "http://127.0.0.1:5000";
export const SITES = ["gmail", "outlook", "linkedin", "wordpress", "other"];

export const DEFAULTS = Object.freeze({
  serviceUrl: DEFAULT_SERVICE_URL,
  token: "",
  sites: Object.freeze({ gmail: true, outlook: true, linkedin: true, wordpress: true, other: true }),
  disabledHosts: Object.freeze([]),
  holdOn: "rewrite", // pre-send check: hold Send at this verdict or worse ("off" never holds)
  debounceMs: 500,
  defaultKind: "email", // for fields on sites we do not recognise
  ignored: Object.freeze({}), // {hostname: [rule codes]} from "ignore this rule here"
  timing: false, // record per-keystroke timings with the Performance API (benchmarks)
});

const KINDS = ["email", "social", "blog", "page", "headline"];

/** Fill in defaults and reject values that would break the content script. */
export function normalizeSettings(raw = {}) {
  const s = { ...DEFAULTS, ...raw };
  s.serviceUrl = normalizeServiceUrl(s.serviceUrl) || DEFAULT_SERVICE_URL;
  s.token = typeof s.token === "string" ? s.token.trim() : "";
  s.sites = { ...DEFAULTS.sites, ...(raw.sites || {}) };
  s.disabledHosts = Array.isArray(s.disabledHosts) ? s.disabledHosts.filter((h) => typeof h === "string") : [];
  s.holdOn = ["rewrite", "review", "off"].includes(s.holdOn) ? s.holdOn : "rewrite";
  const d = Number(s.debounceMs);
  s.debounceMs = Number.isFinite(d) ? Math.min(3000, Math.max(100, Math.round(d))) : DEFAULTS.debounceMs;
  s.defaultKind = KINDS.includes(s.defaultKind) ? s.defaultKind : "email";
  s.ignored = s.ignored && typeof s.ignored === "object" ? s.ignored : {};
  s.timing = Boolean(s.timing);
  return s;
}

/** "127.0.0.1:5000/" -> "http://127.0.0.1:5000"; null when it is not an http(s) URL. */
export function normalizeServiceUrl(value) {
  if (typeof value !== "string" || !value.trim()) return null;
  let v = value.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) v = `http://${v}`;
  let url;
  try {
    url = new URL(v);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** Whether the service URL needs a host permission beyond the loopback ones in the manifest. */
export function needsExtraPermission(serviceUrl) {
  try {
    const host = new URL(serviceUrl).hostname;
    return !(host === "127.0.0.1" || host === "localhost");
  } catch {
    return false;
  }
}

/** The origin pattern to request for a non-loopback service. */
export function permissionPattern(serviceUrl) {
  const u = new URL(serviceUrl);
  return `${u.protocol}//${u.hostname}/*`;
}

export function siteEnabled(settings, site, hostname) {
  if (settings.disabledHosts.includes(hostname)) return false;
  return settings.sites[site] !== false;
}

export function ignoredRules(settings, hostname) {
  const list = settings.ignored[hostname];
  return Array.isArray(list) ? list : [];
}

export function withIgnoredRule(settings, hostname, code) {
  const list = new Set(ignoredRules(settings, hostname));
  list.add(code);
  return { ...settings.ignored, [hostname]: [...list].sort() };
}
