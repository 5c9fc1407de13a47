// Report helpers, settings and field detection over fixture-like DOMs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { describeField, sendButtonFor } from "../../src/lib/editors.js";
import { canApply, describeError, groupFindings, shouldHold } from "../../src/lib/report.js";
import { normalizeServiceUrl, normalizeSettings, withIgnoredRule } from "../../src/lib/settings.js";

const page = (name) =>
  new JSDOM(readFileSync(new URL(`../../../fixtures/pages/${name}.html`, import.meta.url), "utf8")).window.document;

const f = (rule, severity, start, extra = {}) => ({ rule, severity, start, end: start == null ? null : start + 1, field: "body", polarity: "withdrawal", ...extra });

test("findings are grouped worst first; deposits apart; ignored rules hidden", () => {
  const report = {
    findings: [f("A1", "suggestion", 1), f("B1", "error", 9), f("C1", "warning", 2), f("D1", "info", null, { polarity: "deposit" }), f("E1", "error", 3, { field: "subject" })],
  };
  const g = groupFindings(report, ["C1"]);
  assert.deepEqual(g.withdrawals.map((x) => x.rule), ["E1", "B1", "A1"]);
  assert.deepEqual(g.deposits.map((x) => x.rule), ["D1"]);
  assert.equal(g.hidden, 1);
});

test("only safe suggestions with edits get a one-click apply", () => {
  assert.equal(canApply({ suggestion: { safe: true, edits: [{ start: 0, end: 1, replacement: "" }] } }), true);
  assert.equal(canApply({ suggestion: { safe: false, edits: [{ start: 0, end: 1, replacement: "x" }] } }), false);
  assert.equal(canApply({ suggestion: { safe: true, edits: [] } }), false);
  assert.equal(canApply({ suggestion: null }), false);
});

test("the pre-send hold follows the configured verdict", () => {
  assert.equal(shouldHold("rewrite", "rewrite"), true);
  assert.equal(shouldHold("review", "rewrite"), false);
  assert.equal(shouldHold("review", "review"), true);
  assert.equal(shouldHold("send", "review"), false);
  assert.equal(shouldHold("rewrite", "off"), false);
});

test("an unreachable service explains how to start it", () => {
  const e = describeError({ ok: false, unreachable: true }, "http://127.0.0.1:5000");
  assert.match(e.title, /not reachable/);
  assert.match(e.detail, /auditor serve/);
  assert.match(describeError({ ok: false, status: 401, error: { code: "token_required", message: "m" } }).detail, /token/);
});

test("settings are normalised; service URLs get a scheme and lose trailing slashes", () => {
  assert.equal(normalizeServiceUrl("127.0.0.1:5000/"), "http://127.0.0.1:5000");
  assert.equal(normalizeServiceUrl("https://audit.example.com/base/"), "https://audit.example.com/base");
  assert.equal(normalizeServiceUrl("javascript:alert(1)"), null);
  const s = normalizeSettings({ holdOn: "sometimes", debounceMs: 5, sites: { gmail: false } });
  assert.equal(s.holdOn, "rewrite");
  assert.equal(s.debounceMs, 100);
  assert.equal(s.sites.gmail, false);
  assert.equal(s.sites.outlook, true);
  assert.deepEqual(withIgnoredRule(s, "mail.example.com", "IN101"), { "mail.example.com": ["IN101"] });
});

test("Gmail: the body is an email with its subject and Send button", () => {
  const doc = page("gmail");
  const body = doc.querySelector("[role=textbox]");
  const d = describeField(body);
  assert.equal(d.site, "gmail");
  assert.equal(d.kind, "email");
  assert.equal(d.subjectEl, doc.querySelector("input[name=subjectbox]"));
  // Focusing the subject line means the same draft.
  assert.equal(describeField(doc.querySelector("input[name=subjectbox]")).host, body);
  const send = doc.querySelector("[role=button][data-tooltip^=Send]");
  assert.equal(sendButtonFor(d, [send, send.parentNode]), send);
  assert.equal(sendButtonFor(d, [doc.body]), null);
});

test("Outlook, LinkedIn, WordPress and TinyMCE are told apart by their DOM", () => {
  const outlook = page("outlook");
  assert.equal(describeField(outlook.querySelector("[role=textbox]")).site, "outlook");
  const li = page("linkedin");
  assert.deepEqual([describeField(li.querySelector(".ql-editor")).site, describeField(li.querySelector(".ql-editor")).kind], ["linkedin", "social"]);
  const wp = page("wordpress-block");
  const para = describeField(wp.querySelector("#block-1"));
  assert.equal(para.kind, "blog");
  assert.equal(para.root, wp.querySelector(".is-root-container"));
  assert.equal(para.subjectEl, wp.querySelector(".editor-post-title__input"));
  const tiny = new JSDOM('<body id="tinymce" class="mce-content-body" contenteditable="true"><p>x</p></body>').window.document;
  assert.equal(describeField(tiny.querySelector("p")).kind, "blog");
});

test("a plain textarea or contenteditable takes the default kind; other inputs are no draft", () => {
  const doc = new JSDOM('<textarea id="t"></textarea><div contenteditable="true"><p id="p">x</p></div><input id="i"><div id="plain">x</div>').window.document;
  assert.equal(describeField(doc.getElementById("t"), { defaultKind: "social" }).kind, "social");
  assert.equal(describeField(doc.getElementById("p")).host, doc.querySelector("[contenteditable]"));
  assert.equal(describeField(doc.getElementById("i")), null);
  assert.equal(describeField(doc.getElementById("plain")), null);
});

test("scores round half to even, like the service's own verdict reasons", async () => {
  const { roundScore, scoreLabel } = await import("../../src/lib/report.js");
  assert.deepEqual([48.5, 49.5, 47.4, 47.6, 0.5].map(roundScore), [48, 50, 47, 48, 0]);
  assert.equal(scoreLabel({ scores: { trust: 48.5 } }), "48");
  assert.equal(scoreLabel(null), "–");
});
