// The badge and the panel, in one shadow root (`all: initial`): page CSS cannot reach in,
// and the panel never reaches into the editor. Text from the report is set with textContent.
import { canApply, roundScore, scoreLabel, verdictClass } from "../lib/report.js";

const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; }
.badge { position: fixed; z-index: 2147483646; min-width: 30px; height: 24px; padding: 0 7px;
  border-radius: 12px; border: 0; font: 600 12px/24px system-ui, sans-serif; color: #fff;
  background: #5f6368; cursor: pointer; box-shadow: 0 1px 3px rgba(0,0,0,.3); text-align: center; }
.badge.send { background: #188038; } .badge.review { background: #e37400; }
.badge.rewrite { background: #c5221f; } .badge.checking { opacity: .7; }
.badge.error { background: #5f6368; }
.panel { position: fixed; z-index: 2147483647; top: 12px; right: 12px; width: 370px;
  max-height: calc(100vh - 24px); overflow: auto; background: #fff; color: #202124;
  border: 1px solid #dadce0; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2);
  font: 13px/1.4 system-ui, sans-serif; padding: 10px 12px; }
.panel[hidden], .badge[hidden], [hidden] { display: none !important; }
header { display: flex; align-items: baseline; gap: 8px; }
header h2 { font-size: 15px; margin: 0; flex: 1; }
.verdict { font-weight: 600; text-transform: uppercase; font-size: 11px; padding: 1px 6px; border-radius: 4px; background: #e8eaed; }
.verdict.send { background: #e6f4ea; color: #188038; } .verdict.review { background: #fef7e0; color: #b06000; }
.verdict.rewrite { background: #fce8e6; color: #c5221f; }
button { font: inherit; cursor: pointer; border-radius: 4px; border: 1px solid #dadce0; background: #fff; padding: 2px 8px; color: #1a73e8; }
button.primary { background: #1a73e8; color: #fff; border-color: #1a73e8; }
.close { border: 0; color: #5f6368; font-size: 16px; }
.scores { color: #5f6368; font-size: 12px; margin: 4px 0; }
.reasons { color: #5f6368; font-size: 12px; margin: 0 0 6px; }
.hold { background: #fce8e6; border: 1px solid #f28b82; border-radius: 6px; padding: 8px; margin: 6px 0; }
.hold p { margin: 0 0 6px; }
.error-box { background: #f1f3f4; border-radius: 6px; padding: 8px; margin: 6px 0; }
.error-box code { background: #fff; padding: 0 3px; }
ul { list-style: none; margin: 0; padding: 0; }
li.finding { border-top: 1px solid #eee; padding: 7px 0; }
.sev { font-size: 10px; font-weight: 700; text-transform: uppercase; margin-right: 6px; }
.sev.error { color: #c5221f; } .sev.warning { color: #e37400; } .sev.suggestion, .sev.info { color: #1a73e8; }
.name { font-weight: 600; }
.field { font-size: 11px; color: #5f6368; margin-left: 4px; }
q { display: block; color: #3c4043; font-style: italic; margin: 2px 0; cursor: pointer; }
.message { margin: 2px 0; }
.fix { margin: 2px 0; color: #188038; }
.actions { display: flex; gap: 6px; margin-top: 4px; flex-wrap: wrap; }
details { margin-top: 6px; } summary { cursor: pointer; color: #188038; }
footer { margin-top: 8px; color: #5f6368; font-size: 11px; display: flex; gap: 8px; align-items: center; }
`;

function el(doc, tag, attrs = {}, text) {
  const n = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") n.className = v;
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  if (text !== undefined) n.textContent = text;
  return n;
}

// Buttons must not take focus from the editor (the edit is applied at its selection).
function button(doc, label, attrs, onClick) {
  const b = el(doc, "button", { type: "button", ...attrs }, label);
  b.addEventListener("mousedown", (e) => e.preventDefault());
  b.addEventListener("click", (e) => {
    e.preventDefault();
    e.stopPropagation();
    onClick();
  });
  return b;
}

const pretty = (code) => code.replace(/_/g, "-");

export function createUI(doc, handlers) {
  const hostEl = doc.createElement("trust-auditor-ui");
  const shadow = hostEl.attachShadow({ mode: "open" });
  shadow.appendChild(el(doc, "style", {}, STYLE));
  const badge = button(doc, "–", { class: "badge", hidden: true, "aria-label": "Trust Auditor: trust score", part: "badge" }, () => {
    if (panel.hidden) open();
    else close();
  });
  const panel = el(doc, "section", { class: "panel", hidden: true, role: "dialog", "aria-label": "Trust Auditor" });
  shadow.append(badge, panel);
  (doc.documentElement || doc.body).appendChild(hostEl);

  let model = null;
  const open = () => {
    panel.hidden = false;
    if (model) render(model);
  };
  const close = () => {
    panel.hidden = true;
    handlers.onFocusFinding(null);
  };

  function findingItem(f) {
    const li = el(doc, "li", { class: "finding", "data-rule": f.rule, "data-severity": f.severity, "data-polarity": f.polarity });
    const head = el(doc, "div");
    head.append(el(doc, "span", { class: `sev ${f.severity}` }, f.severity), el(doc, "span", { class: "name" }, f.name));
    if (f.field === "subject") head.append(el(doc, "span", { class: "field" }, "subject line"));
    head.append(el(doc, "span", { class: "field" }, f.rule));
    li.append(head);
    if (f.text) {
      const q = el(doc, "q", { title: "Show in the draft" }, f.text.length > 160 ? `${f.text.slice(0, 157)}…` : f.text);
      q.addEventListener("mouseenter", () => handlers.onFocusFinding(f));
      q.addEventListener("mouseleave", () => handlers.onFocusFinding(null));
      q.addEventListener("click", () => handlers.onReveal(f));
      li.append(q);
    }
    li.append(el(doc, "p", { class: "message" }, f.message));
    const s = f.suggestion;
    if (s?.title) li.append(el(doc, "p", { class: "fix" }, s.title));
    if (f.polarity !== "deposit") {
      const actions = el(doc, "div", { class: "actions" });
      if (canApply(f)) {
        const r = s.edits[0].replacement;
        const label = s.edits.length > 1 ? "Apply edits" : r ? `Apply: “${r.length > 40 ? `${r.slice(0, 37)}…` : r}”` : "Apply: delete";
        actions.append(button(doc, label, { class: "apply primary", "data-rule": f.rule }, () => handlers.onApply(f)));
      }
      actions.append(button(doc, "Ignore this rule here", { class: "ignore", "data-rule": f.rule }, () => handlers.onIgnore(f)));
      li.append(actions);
    }
    return li;
  }

  function render(m) {
    model = m;
    const { report } = m;
    badge.hidden = !m.anchor;
    if (m.anchor) {
      const cls = m.status === "error" ? "error" : m.status === "checking" && !report ? "checking" : verdictClass(report);
      badge.className = `badge ${cls}`;
      badge.textContent = m.status === "error" ? "!" : scoreLabel(report);
      badge.title = m.status === "error" ? m.error?.title || "Trust Auditor" : `Trust ${scoreLabel(report)} · ${report?.verdict || "checking"}`;
      const r = m.anchor;
      const top = Math.max(4, Math.min(r.bottom - 30, (doc.defaultView?.innerHeight || 800) - 30));
      const left = Math.max(4, Math.min(r.right - 44, (doc.defaultView?.innerWidth || 1000) - 44));
      badge.style.top = `${top}px`;
      badge.style.left = `${left}px`;
    }
    panel.dataset.status = m.status;
    panel.dataset.verdict = report?.verdict || "";
    panel.dataset.sha = report?.text_sha256 || "";
    if (panel.hidden) return;
    panel.replaceChildren();

    const header = el(doc, "header");
    header.append(el(doc, "h2", {}, report ? `Trust ${scoreLabel(report)}` : "Trust Auditor"));
    if (report) header.append(el(doc, "span", { class: `verdict ${verdictClass(report)}` }, report.verdict));
    header.append(button(doc, "×", { class: "close", "aria-label": "Close" }, close));
    panel.append(header);

    if (m.held) {
      const hold = el(doc, "div", { class: "hold", role: "alert" });
      hold.append(el(doc, "p", {}, `Send is on hold: the service rates this draft “${report?.verdict}”. Nothing has been changed or lost.`));
      const actions = el(doc, "div", { class: "actions" });
      actions.append(
        button(doc, "Edit", { class: "edit primary" }, handlers.onEdit),
        button(doc, "Send anyway", { class: "send-anyway" }, handlers.onSendAnyway),
      );
      hold.append(actions);
      panel.append(hold);
    }
    if (m.status === "error") {
      const box = el(doc, "div", { class: "error-box", role: "status" });
      box.append(el(doc, "strong", {}, m.error.title), el(doc, "p", {}, m.error.detail));
      box.append(button(doc, "Try again", { class: "retry" }, handlers.onRecheck));
      panel.append(box);
    }
    if (!report) {
      if (m.status === "checking") panel.append(el(doc, "p", { class: "scores" }, "Checking…"));
      return;
    }
    const s = report.scores || {};
    const parts = ["self_orientation", "value_add", "lemming", "clickbait"]
      .filter((k) => typeof s[k] === "number")
      .map((k) => `${pretty(k)} ${roundScore(s[k])}`);
    panel.append(el(doc, "p", { class: "scores" }, parts.join(" · ")));
    if (report.verdict_reasons?.length) panel.append(el(doc, "p", { class: "reasons" }, report.verdict_reasons.join("; ")));

    const { withdrawals, deposits } = m.groups;
    const list = el(doc, "ul", { class: "findings" });
    for (const f of withdrawals) list.append(findingItem(f));
    if (!withdrawals.length) list.append(el(doc, "li", { class: "empty" }, "No trust withdrawals found."));
    panel.append(list);
    if (deposits.length) {
      const det = el(doc, "details", { class: "deposits" });
      det.append(el(doc, "summary", {}, `Builds trust (${deposits.length})`));
      const ul = el(doc, "ul");
      for (const f of deposits) ul.append(findingItem(f));
      det.append(ul);
      panel.append(det);
    }
    const footer = el(doc, "footer");
    footer.append(el(doc, "span", {}, `${m.kind} · ${m.status === "checking" ? "checking…" : "checked"}`));
    if (m.ignoredCount) footer.append(el(doc, "span", { class: "ignored" }, `${m.ignoredCount} hidden by “ignore here”`));
    footer.append(button(doc, "Re-check", { class: "recheck" }, handlers.onRecheck));
    panel.append(footer);
  }

  return {
    render,
    open,
    close,
    isOpen: () => !panel.hidden,
    contains: (node) => node === hostEl,
    destroy: () => hostEl.remove(),
  };
}
