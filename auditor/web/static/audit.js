"use strict";
// The audit page: send the draft, show scores, trust equation and findings anchored to the
// text, and apply a suggested edit with one click (offsets are UTF-16, like JS strings).
const SCORES = [
  ["trust", "Trust", "higher is better", true],
  ["self_orientation", "Self-orientation", "lower is better", false],
  ["value_add", "Value-add", "higher is better", true],
  ["lemming", "Lemming (me-too)", "lower is better", false],
  ["clickbait", "Clickbait", "lower is better", false],
];
const EQUATION = [
  ["credibility", "C", "Credibility"],
  ["reliability", "R", "Reliability"],
  ["intimacy", "I", "Intimacy"],
  ["self_orientation", "S", "Self-orientation"],
  ["T", "T", "Trust"],
];
const SEVERITY_RANK = { error: 3, warning: 2, suggestion: 1, info: 0 };

const form = document.getElementById("audit-form");
const draft = document.getElementById("draft");
const subject = document.getElementById("subject");
const kind = document.getElementById("kind");
const status = document.getElementById("status");
let seq = 0;

kind.addEventListener("change", () => {
  document.getElementById("subject-label").hidden = kind.value !== "email";
});

form.addEventListener("submit", (e) => {
  e.preventDefault();
  runAudit();
});

async function runAudit() {
  const mine = ++seq;
  status.textContent = "Auditing…";
  status.className = "";
  const body = { text: draft.value, kind: kind.value, offset_encoding: "utf-16" };
  if (kind.value === "email" && subject.value.trim()) body.subject = subject.value;
  try {
    const report = await api("POST", "/api/v1/audit", body);
    if (mine !== seq) return; // a newer audit is under way
    render(report, body.text, body.subject || "");
    status.textContent = "Audited " + report.word_count + " words.";
  } catch (err) {
    if (mine !== seq) return;
    status.textContent = err.message + (err.code ? " (" + err.code + ")" : "");
    status.className = "error";
  }
}

function scoreClass(value, higherIsBetter) {
  const good = higherIsBetter ? value >= 60 : value <= 25;
  const bad = higherIsBetter ? value < 40 : value >= 50;
  return good ? "good" : bad ? "bad" : "mid";
}

function render(report, text, subj) {
  document.getElementById("results").hidden = false;
  const verdict = document.getElementById("verdict");
  verdict.textContent = report.verdict;
  verdict.className = "verdict " + report.verdict;
  document.getElementById("verdict-reasons").textContent = report.verdict_reasons.join("; ");

  const scores = document.getElementById("scores");
  scores.replaceChildren(
    ...SCORES.map(([key, label, hint, up]) => {
      const value = report.scores[key];
      const drivers = (report.drivers[key] || []).map((d) => d.rule);
      return el(
        "div",
        { class: "score " + scoreClass(value, up), id: "score-" + key, dataset: { score: value } },
        el("div", { class: "score-label" }, label),
        el("div", { class: "score-value" }, value.toFixed(0)),
        el("div", { class: "muted" }, hint),
        el("div", { class: "drivers" }, drivers.length ? "because of " + drivers.join(", ") : "no findings drove it"),
      );
    }),
  );

  const te = report.trust_equation;
  document.getElementById("trust-equation").replaceChildren(
    ...EQUATION.map(([key, letter, label]) =>
      el(
        "div",
        { class: "part", id: "te-" + key, title: label },
        el("span", { class: "letter" }, letter),
        el("span", { class: "value" }, Number(te[key]).toFixed(2)),
        el("span", { class: "muted" }, label),
        el("span", { class: "drivers" }, ((te.drivers || {})[key] || []).map((d) => d.rule).join(", ")),
      ),
    ),
  );

  const findings = report.findings;
  document.getElementById("finding-count").textContent = "(" + findings.length + ")";
  renderHighlights(text, subj, findings);
  document.getElementById("findings").replaceChildren(...findings.map(findingItem));
}

function renderHighlights(text, subj, findings) {
  const box = document.getElementById("highlighted");
  const parts = [];
  if (subj) {
    parts.push(el("div", { class: "subject-line" }, "Subject: ", ...marked(subj, findings, "subject")));
  }
  parts.push(el("div", { class: "body-text" }, ...marked(text, findings, "body")));
  box.replaceChildren(...parts);
}

// Non-overlapping marks: the more severe of two overlapping findings is drawn; all are listed.
function marked(text, findings, field) {
  const spans = findings
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => f.field === field && f.start !== null && f.end > f.start)
    .sort((a, b) => a.f.start - b.f.start || SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity]);
  const out = [];
  let pos = 0;
  for (const { f, i } of spans) {
    if (f.start < pos) continue;
    if (f.start > pos) out.push(text.slice(pos, f.start));
    out.push(
      el(
        "mark",
        {
          class: "finding sev-" + f.severity + " " + f.polarity,
          title: f.rule + ": " + f.message,
          dataset: { index: i, rule: f.rule },
          onclick: () => focusFinding(i),
        },
        text.slice(f.start, f.end),
      ),
    );
    pos = f.end;
  }
  if (pos < text.length) out.push(text.slice(pos));
  return out;
}

function focusFinding(i) {
  const item = document.querySelector('#findings li[data-index="' + i + '"]');
  if (!item) return;
  item.scrollIntoView({ block: "nearest" });
  item.classList.add("focused");
  setTimeout(() => item.classList.remove("focused"), 1200);
}

function findingItem(f, i) {
  const s = f.suggestion;
  const applicable = s && s.edits && s.edits.length > 0;
  return el(
    "li",
    { class: "sev-" + f.severity + " " + f.polarity, dataset: { index: i, rule: f.rule } },
    el("div", { class: "finding-head" },
      el("code", {}, f.rule),
      " ",
      el("strong", {}, f.name),
      " ",
      el("span", { class: "badge sev-" + f.severity }, f.polarity === "deposit" ? "builds trust" : f.severity),
      f.field === "subject" ? el("span", { class: "badge" }, "subject") : null,
    ),
    f.text ? el("blockquote", {}, f.text) : null,
    el("p", { class: "reason" }, f.message),
    s
      ? el("div", { class: "suggestion" },
          el("span", {}, s.title),
          applicable
            ? el("button", { type: "button", class: "apply", onclick: () => applySuggestion(f) }, "Apply")
            : null,
        )
      : null,
  );
}

function applySuggestion(f) {
  const target = f.field === "subject" ? subject : draft;
  let value = target.value;
  const edits = [...f.suggestion.edits].sort((a, b) => b.start - a.start);
  for (const e of edits) value = value.slice(0, e.start) + e.replacement + value.slice(e.end);
  target.value = value;
  runAudit();
}
