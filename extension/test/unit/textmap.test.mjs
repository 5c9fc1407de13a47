// Offset maps and ranges over editor DOMs (ProseMirror, Gmail, Draft.js shapes) in jsdom.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { applyEditsToString, buildTextMap, fromDomPosition, reanchor, toRange } from "../../src/lib/textmap.js";

function root(html) {
  const dom = new JSDOM(`<!doctype html><body><div id="r" contenteditable="true">${html}</div></body>`);
  return dom.window.document.getElementById("r");
}

test("paragraphs become lines and an empty paragraph an empty line", () => {
  const r = root('<p>Hello there.</p><p><br class="ProseMirror-trailingBreak"></p><p>Bye</p>');
  assert.equal(buildTextMap(r).text, "Hello there.\n\nBye");
});

test("Gmail nested divs and a trailing <br> read like the lines a reader sees", () => {
  const r = root("Hi Sarah,<div><br></div><div>I read your post.<br></div><div>Bob</div>");
  assert.equal(buildTextMap(r).text, "Hi Sarah,\n\nI read your post.\nBob");
});

test("Draft.js blocks with spans read one line per block", () => {
  const block = (t) =>
    `<div data-block="true"><div class="public-DraftStyleDefault-block"><span><span data-text="true">${t}</span></span></div></div>`;
  const r = root(`<div data-contents="true">${block("One")}${block("Two")}</div>`);
  assert.equal(buildTextMap(r).text, "One\nTwo");
});

test("source-formatting whitespace between blocks is not text, NBSP is a space", () => {
  const r = root("\n  <p>a&nbsp;b</p>\n  <p>c</p>\n");
  assert.equal(buildTextMap(r).text, "a b\nc");
});

test("quoted replies, scripts and hidden nodes are left out", () => {
  const r = root('<div>Mine</div><div class="gmail_quote">On Monday Sarah wrote: old</div><script>x()</script><span hidden>no</span>');
  assert.equal(buildTextMap(r).text, "Mine");
});

test("a range over UTF-16 offsets covers exactly the text, across inline nodes", () => {
  const r = root("<p>I <b>know</b> how 😀 you feel</p><p>next</p>");
  const map = buildTextMap(r);
  const start = map.text.indexOf("know");
  const end = map.text.indexOf("feel") + 4; // an astral emoji counts 2 units, as in the browser
  assert.equal(map.text.slice(start, end), "know how 😀 you feel");
  assert.equal(toRange(map, start, end).toString(), "know how 😀 you feel");
});

test("a range may start right after a virtual newline", () => {
  const r = root("<p>one</p><p>two</p>");
  const map = buildTextMap(r);
  assert.equal(toRange(map, 4, 7).toString(), "two");
  assert.equal(toRange(map, 0, 7).toString(), "onetwo"); // Range.toString has no newline
});

test("DOM positions map back to the same offsets", () => {
  const r = root("<p>ab<i>cd</i></p><p>ef</p>");
  const map = buildTextMap(r);
  const i = r.querySelector("i").firstChild;
  assert.equal(fromDomPosition(map, i, 1), 3);
  assert.equal(fromDomPosition(map, r.querySelectorAll("p")[1], 0), 5);
});

test("edits apply right to left on a string", () => {
  const out = applyEditsToString("I know how you feel.", [
    { start: 0, end: 1, replacement: "We" },
    { start: 2, end: 6, replacement: "see" },
  ]);
  assert.equal(out, "We see how you feel.");
});

test("a finding re-anchors to the nearest copy of its text after the draft moved", () => {
  assert.deepEqual(reanchor("xx abc", 3, 6, "abc"), { start: 3, end: 6 });
  assert.deepEqual(reanchor("new words xx abc", 3, 6, "abc"), { start: 13, end: 16 });
  assert.deepEqual(reanchor("abc .. abc", 8, 11, "abc"), { start: 7, end: 10 });
  assert.equal(reanchor("gone", 0, 3, "abc"), null);
});
