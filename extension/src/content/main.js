// Content script: finds the compose field, asks the background worker for an audit (it never
// calls the service itself, nor rates anything), and renders the report in place.
import { describeField, sendButtonFor } from "../lib/editors.js";
import { canApply, describeError, groupFindings, shouldHold } from "../lib/report.js";
import { createAuditScheduler } from "../lib/schedule.js";
import { ignoredRules, normalizeSettings, siteEnabled, withIgnoredRule } from "../lib/settings.js";
import { buildTextMap, reanchor, toRange } from "../lib/textmap.js";
import { applyToEditable, applyToTextField } from "./apply.js";
import { clearHighlights, focusHighlight, showHighlights } from "./highlight.js";
import { createUI } from "./ui.js";

const ext = globalThis.browser?.runtime?.id ? globalThis.browser : globalThis.chrome;
const doc = document;
const HOLD_EVENTS = ["pointerdown", "mousedown", "pointerup", "mouseup", "click"];

let settings = normalizeSettings();
let active = null; // the field being written: see track()
let ui = null;
const fields = new WeakMap(); // host element -> field state (keeps its last report)

function timed(name, fn) {
  if (!settings.timing) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    performance.measure(name, { start: t0, end: performance.now() });
  }
}

function hostname() {
  return doc.location?.hostname || "";
}

function ensureUI() {
  if (ui) return ui;
  ui = createUI(doc, {
    onApply: (f) => applyFinding(f),
    onIgnore: (f) => ignoreRule(f.rule),
    onFocusFinding: (f) => focusHighlight(f ? rangeOf(f) : null),
    onReveal: (f) => reveal(f),
    onSendAnyway: () => sendAnyway(),
    onEdit: () => {
      if (!active) return;
      active.held = null;
      render(active);
      active.host.focus();
    },
    onRecheck: () => active?.scheduler.now(true),
  });
  return ui;
}

// ---- reading the draft -------------------------------------------------------------------

function subjectValue(field) {
  const s = field.subjectEl;
  if (!s) return undefined;
  return s.tagName === "INPUT" || s.tagName === "TEXTAREA" ? s.value : s.textContent;
}

function readField(field) {
  return timed("trust-auditor:read", () => {
    if (!field.root.isConnected) return null;
    const text = field.host.tagName === "TEXTAREA" ? field.host.value : buildTextMap(field.root).text;
    return { text, kind: field.kind, subject: subjectValue(field) };
  });
}

// ---- tracking fields ------------------------------------------------------------------------

function track(node) {
  const desc = describeField(node, { defaultKind: settings.defaultKind });
  if (!desc || !siteEnabled(settings, desc.site, hostname())) return null;
  let field = fields.get(desc.host);
  if (field && field.root === desc.root) return field;
  field = {
    ...desc,
    report: null, // the last good report
    reportText: null,
    status: "idle",
    error: null,
    held: null,
    bypassUntil: 0,
    observer: null,
  };
  field.scheduler = createAuditScheduler({
    read: () => readField(field),
    send: (req) => {
      field.status = "checking";
      if (field === active) render(field);
      return ext.runtime.sendMessage({ type: "audit", ...req });
    },
    onResult: (answer, req) => onAnswer(field, answer, req),
    onSkip: (why) => {
      if (why === "empty") {
        field.report = null;
        field.status = "idle";
        if (field === active) render(field);
      }
    },
    delay: settings.debounceMs,
  });
  fields.set(desc.host, field);
  return field;
}

function activate(field) {
  if (active === field) return;
  if (active?.observer) active.observer.disconnect();
  active = field;
  if (field.host.tagName !== "TEXTAREA") {
    // Programmatic changes (templates, signatures, the editor's own undo) fire no input event.
    field.observer = new MutationObserver(() => timed("trust-auditor:mutation", () => field.scheduler.schedule()));
    field.observer.observe(field.root, { characterData: true, childList: true, subtree: true });
  }
  render(field);
  field.scheduler.schedule();
}

function onFocusIn(e) {
  const node = e.composedPath()[0];
  if (ui?.contains(node)) return;
  const field = track(node);
  if (field) activate(field);
}

function onInput(e) {
  timed("trust-auditor:input", () => {
    const node = e.composedPath()[0];
    if (active && (active.root === node || active.root.contains(node) || active.subjectEl === node)) {
      active.scheduler.schedule();
      return;
    }
    const field = track(node);
    if (field) {
      activate(field);
      field.scheduler.schedule();
    }
  });
}

// ---- answers --------------------------------------------------------------------------------

function onAnswer(field, answer, req) {
  if (answer?.ok) {
    field.report = answer.report;
    field.reportText = req.text;
    field.status = "ok";
    field.error = null;
    if (settings.timing) performance.mark("trust-auditor:report", { detail: { words: answer.report.word_count } });
  } else {
    field.status = "error";
    field.error = describeError(answer, settings.serviceUrl);
  }
  if (field === active) {
    render(field);
    if (field.report || field.error) ensureUI().open();
  }
  const held = field.held;
  if (held?.pending) resolveHold(field);
}

function currentText(field) {
  return field.host.tagName === "TEXTAREA" ? field.host.value : buildTextMap(field.root).text;
}

/** Where finding `f` is in the draft now (the text may have moved since it was audited). */
function locate(field, f) {
  if (f.start == null || f.field !== "body") return null;
  if (field.host.tagName === "TEXTAREA") {
    return reanchor(field.host.value, f.start, f.end, f.text);
  }
  const map = buildTextMap(field.root);
  const at = reanchor(map.text, f.start, f.end, f.text);
  return at && { ...at, map };
}

function rangeOf(f) {
  if (!active || active.host.tagName === "TEXTAREA") return null;
  const at = locate(active, f);
  return at ? toRange(at.map, at.start, at.end) : null;
}

function render(field) {
  timed("trust-auditor:render", () => {
    const ignored = ignoredRules(settings, hostname());
    const groups = groupFindings(field.report, ignored);
    if (field.report && field.host.tagName !== "TEXTAREA") {
      const map = buildTextMap(field.root);
      const items = [];
      for (const f of groups.withdrawals) {
        if (f.start == null || f.field !== "body") continue;
        const at = reanchor(map.text, f.start, f.end, f.text);
        if (at && at.end > at.start) items.push({ severity: f.severity, range: toRange(map, at.start, at.end) });
      }
      showHighlights(items);
    } else {
      clearHighlights();
    }
    ensureUI().render({
      report: field.report,
      groups,
      status: field.status,
      error: field.error,
      held: Boolean(field.held && !field.held.pending),
      ignoredCount: groups.hidden,
      kind: field.kind,
      anchor: field.host.isConnected ? field.host.getBoundingClientRect() : null,
    });
  });
}

function reposition() {
  if (active && ui) render(active);
}

// ---- actions --------------------------------------------------------------------------------

async function applyFinding(f) {
  const field = active;
  if (!field || !canApply(f)) return;
  const isSubject = f.field === "subject";
  const target = isSubject ? field.subjectEl : field.host;
  const source = isSubject ? subjectValue(field) : currentText(field);
  const at = reanchor(source ?? "", f.start, f.end, f.text);
  if (!at) {
    field.scheduler.now(true); // the span is gone: re-audit rather than guess
    return;
  }
  const shift = at.start - f.start;
  let method = null;
  // Right to left, so earlier offsets stay valid.
  for (const e of [...f.suggestion.edits].sort((a, b) => b.start - a.start)) {
    const s = e.start + shift;
    const t = e.end + shift;
    if (target.tagName === "TEXTAREA" || target.tagName === "INPUT") {
      method = await applyToTextField(target, s, t, e.replacement);
    } else {
      method = await applyToEditable(field.root, s, t, e.replacement);
    }
    if (!method) break;
  }
  doc.documentElement.dataset.trustAuditorLastApply = method || "failed";
  field.scheduler.now();
}

async function ignoreRule(code) {
  const ignored = withIgnoredRule(settings, hostname(), code);
  settings = { ...settings, ignored };
  await ext.storage.local.set({ ignored });
  if (active) render(active);
}

function reveal(f) {
  const r = rangeOf(f);
  const node = r?.startContainer;
  const elx = node?.nodeType === 1 ? node : node?.parentElement;
  elx?.scrollIntoView({ block: "nearest" });
  if (r) focusHighlight(r);
}

// ---- before send ----------------------------------------------------------------------------

function holdDue(field) {
  if (settings.holdOn === "off" || field.status === "error") return false; // fail open
  const req = readField(field);
  if (!req || !req.text.trim()) return false;
  const fresh = field.report && field.reportText === req.text && !field.scheduler.pending();
  if (!fresh) return "unknown";
  return shouldHold(field.report.verdict, settings.holdOn);
}

function onSendGesture(e) {
  const field = active;
  if (!field?.send) return;
  const path = e.composedPath();
  let button = null;
  if (e.type === "keydown") {
    if (!(e.key === "Enter" && (e.ctrlKey || e.metaKey))) return;
    if (!path.some((n) => n === field.root || n === field.subjectEl)) return;
    button = field.compose.querySelector(field.send);
  } else {
    button = sendButtonFor(field, path);
  }
  if (!button) return;
  if (performance.now() < field.bypassUntil) return;
  const due = holdDue(field);
  if (!due) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  if (e.type !== "click" && e.type !== "keydown") return; // the press itself: just swallow it
  field.held = { button, pending: due === "unknown" };
  ensureUI().open();
  render(field);
  if (due === "unknown") field.scheduler.now();
}

function resolveHold(field) {
  const button = field.held.button;
  if (field.status === "error" || !shouldHold(field.report?.verdict, settings.holdOn)) {
    field.held = null;
    render(field);
    release(field, button); // the fresh verdict does not warrant a hold: send as asked
  } else {
    field.held = { button, pending: false };
    render(field);
  }
}

function release(field, button) {
  field.bypassUntil = performance.now() + 1500;
  const view = doc.defaultView;
  for (const type of HOLD_EVENTS) {
    const Ctor = type.startsWith("pointer") ? view.PointerEvent || view.MouseEvent : view.MouseEvent;
    button.dispatchEvent(new Ctor(type, { bubbles: true, cancelable: true, composed: true, view, button: 0 }));
  }
}

function sendAnyway() {
  const field = active;
  if (!field?.held) return;
  const { button } = field.held;
  field.held = null;
  ui?.close();
  render(field);
  release(field, button);
}

// ---- wiring ---------------------------------------------------------------------------------

async function loadSettings() {
  try {
    settings = normalizeSettings(await ext.storage.local.get(null));
  } catch {
    settings = normalizeSettings();
  }
}

function onMessage(msg, _sender, sendResponse) {
  if (msg?.type !== "state" || !active) return false;
  sendResponse({
    site: active.site,
    kind: active.kind,
    status: active.status,
    verdict: active.report?.verdict || null,
    trust: active.report?.scores?.trust ?? null,
    withdrawals: groupFindings(active.report, ignoredRules(settings, hostname())).withdrawals.length,
    error: active.error,
  });
  return false;
}

async function main() {
  if (doc.documentElement?.dataset.trustAuditor) return; // injected twice
  doc.documentElement.dataset.trustAuditor = "1";
  await loadSettings();
  doc.addEventListener("focusin", onFocusIn, true);
  doc.addEventListener("input", onInput, true);
  for (const type of [...HOLD_EVENTS, "keydown"]) doc.addEventListener(type, onSendGesture, true);
  let pending = false;
  const onMove = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      reposition();
    });
  };
  doc.defaultView.addEventListener("scroll", onMove, true);
  doc.defaultView.addEventListener("resize", onMove);
  ext.runtime.onMessage.addListener(onMessage);
  ext.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    const raw = {};
    for (const [k, v] of Object.entries(changes)) raw[k] = v.newValue;
    const service = (s) => `${s.serviceUrl} ${s.token}`;
    const before = service(settings);
    settings = normalizeSettings({ ...settings, ...raw });
    if (active) {
      if (before !== service(settings)) {
        active.scheduler.invalidate();
        active.scheduler.schedule();
      }
      render(active);
    }
  });
  // A field that already has focus when we arrive (autofocus, or the script loaded late).
  const focused = doc.activeElement;
  if (focused && focused !== doc.body) onFocusIn({ composedPath: () => [focused] });
  else if (doc.body?.isContentEditable) onFocusIn({ composedPath: () => [doc.body] });
}

main();
