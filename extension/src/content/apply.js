// Apply one suggested edit so that the editor's own state stays consistent: its undo works
// and its model holds the new text. Order of attempts (verified after each):
//   execCommand("insertText")  -> goes through the browser's editing pipeline (undo, input)
//   a synthetic paste          -> model-driven editors (Lexical, Draft.js, Slate) take it
//   setRangeText / DOM + input -> last resort
// Model-driven editors try the paste first: they may accept an execCommand DOM change
// without updating their model.
import { applyEditsToString, buildTextMap, toRange } from "../lib/textmap.js";
import { modelDriven } from "../lib/editors.js";

const frame = () => new Promise((r) => setTimeout(r, 16));

async function settle(check, tries = 6) {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await frame();
  }
  return check();
}

function selectInField(field, start, end) {
  field.focus({ preventScroll: true });
  field.setSelectionRange(start, end);
}

function insertViaExecCommand(doc, replacement) {
  try {
    if (replacement === "") return doc.execCommand("delete", false);
    return doc.execCommand("insertText", false, replacement);
  } catch {
    return false;
  }
}

function insertViaPaste(target, replacement) {
  const win = target.ownerDocument.defaultView;
  let data;
  try {
    data = new win.DataTransfer();
    data.setData("text/plain", replacement);
  } catch {
    return false;
  }
  const ev = new win.ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true, composed: true });
  target.dispatchEvent(ev);
  return ev.defaultPrevented; // the editor handled it
}

/** Replace value[start:end] of a textarea or input. Returns the method that worked. */
export async function applyToTextField(field, start, end, replacement) {
  const expected = field.value.slice(0, start) + replacement + field.value.slice(end);
  selectInField(field, start, end);
  insertViaExecCommand(field.ownerDocument, replacement);
  if (field.value === expected) return "execCommand";
  field.setRangeText(replacement, start, end, "end");
  field.dispatchEvent(new field.ownerDocument.defaultView.InputEvent("input", { bubbles: true, inputType: "insertReplacementText", data: replacement }));
  return field.value === expected ? "setRangeText" : null;
}

/**
 * Replace text[start:end] (offsets in the text read from `root`) inside a contenteditable.
 * `host` is the editing host that holds the span (WordPress has one per block).
 */
export async function applyToEditable(root, start, end, replacement) {
  const doc = root.ownerDocument;
  const before = buildTextMap(root);
  const expected = applyEditsToString(before.text, [{ start, end, replacement }]);
  const range = toRange(before, start, end);
  const anchor = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
  const host = anchor.closest('[contenteditable]:not([contenteditable="false"])') || root;
  const sel = doc.getSelection();
  const select = () => {
    host.focus({ preventScroll: true });
    const r = toRange(buildTextMap(root), start, end);
    sel.removeAllRanges();
    sel.addRange(r);
  };
  const done = () => buildTextMap(root).text === expected;
  const attempts = modelDriven(host) ? ["paste", "execCommand"] : ["execCommand", "paste"];
  for (const how of attempts) {
    select();
    // Editors sync their selection from `selectionchange`, which fires asynchronously.
    await frame();
    if (how === "execCommand") insertViaExecCommand(doc, replacement);
    else insertViaPaste(sel.anchorNode?.parentElement || host, replacement);
    if (await settle(done)) return how;
    if (buildTextMap(root).text !== before.text) return null; // changed, but not as meant: stop
  }
  // Last resort: write the DOM and tell the page.
  select();
  const r = sel.getRangeAt(0);
  r.deleteContents();
  if (replacement) r.insertNode(doc.createTextNode(replacement));
  host.dispatchEvent(new doc.defaultView.InputEvent("input", { bubbles: true, inputType: "insertReplacementText", data: replacement }));
  return done() ? "dom" : null;
}
