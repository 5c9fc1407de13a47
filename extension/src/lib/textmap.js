// Text extraction with an offset map over text nodes, so that the service's UTF-16 offsets
// point back at exact DOM positions. `innerText` offsets do not line up with the DOM, and
// editors (ProseMirror, Lexical, Draft.js, Gmail) nest blocks differently: blocks and <br>
// become a virtual "\n" that no text node holds.
// Pure DOM API only (no chrome.*, no layout), so it runs under jsdom in the unit tests.

const BLOCKS = new Set([
  "ADDRESS", "ARTICLE", "ASIDE", "BLOCKQUOTE", "DD", "DIV", "DL", "DT", "FIELDSET",
  "FIGCAPTION", "FIGURE", "FOOTER", "FORM", "H1", "H2", "H3", "H4", "H5", "H6", "HEADER",
  "HR", "LI", "MAIN", "NAV", "OL", "P", "PRE", "SECTION", "TABLE", "TR", "UL",
]);
const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT", "SVG", "svg"]);
// Quoted replies and forwarded history are not part of the draft being written.
const SKIP_SELECTOR = ".gmail_quote, blockquote[type=cite], #divRplyFwdMsg, #appendonsend, [data-trust-auditor-skip]";

export function isBlock(el) {
  return el.nodeType === 1 && BLOCKS.has(el.tagName.toUpperCase());
}

function skipElement(el) {
  if (SKIP.has(el.tagName) || SKIP.has(el.tagName.toUpperCase())) return true;
  if (el.hidden || el.getAttribute("aria-hidden") === "true") return true;
  return typeof el.matches === "function" && el.matches(SKIP_SELECTOR);
}

// Whitespace-only text with a line break between blocks is source formatting, not content.
function formattingWhitespace(node) {
  const v = node.nodeValue;
  if (!/^[ \t\r\n]*$/.test(v) || !/[\r\n]/.test(v)) return false;
  const prev = node.previousSibling;
  const next = node.nextSibling;
  return (!prev || isBlock(prev)) && (!next || isBlock(next));
}

function lastInBlock(br) {
  let n = br;
  while (n.parentNode && !isBlock(n.parentNode)) {
    if (n.nextSibling) return false;
    n = n.parentNode;
  }
  return !n.nextSibling;
}

/**
 * Walk `root` and return {text, segments}. Each segment is
 * {node, start, end} for a text node (text[start:end] === node's value, NBSP as space) or
 * {node: null, start, end: start+1, after, before} for a virtual newline.
 */
export function buildTextMap(root) {
  const segments = [];
  let text = "";
  let pendingBreak = false;
  let lastNode = null; // the last text node emitted, to anchor virtual newlines
  let content = 0; // characters taken from text nodes so far
  let blockContent = 0; // `content` when the innermost block began

  const newline = () => {
    segments.push({ node: null, start: text.length, end: text.length + 1, after: lastNode });
    text += "\n";
  };
  const flushBreak = () => {
    if (pendingBreak && text.length > 0 && !text.endsWith("\n")) newline();
    pendingBreak = false;
  };

  const visit = (node) => {
    if (node.nodeType === 3) {
      if (formattingWhitespace(node)) return;
      const value = node.nodeValue;
      if (!value) return;
      flushBreak();
      segments.push({ node, start: text.length, end: text.length + value.length });
      text += value.replace(/\u00a0/g, " ");
      content += value.length;
      lastNode = node;
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 11) return;
    if (node.nodeType === 1) {
      if (skipElement(node)) return;
      if (node.tagName.toUpperCase() === "BR") {
        // A <br> that ends a block with text in it only keeps the line open (ProseMirror,
        // Gmail, Draft.js); in an empty block it is the empty line itself.
        if (lastInBlock(node) && content > blockContent) return;
        flushBreak();
        newline();
        return;
      }
    }
    const block = node.nodeType === 1 && isBlock(node) && node !== root;
    const outer = blockContent;
    if (block) {
      pendingBreak = true;
      blockContent = content;
    }
    for (let c = node.firstChild; c; c = c.nextSibling) visit(c);
    if (block) {
      pendingBreak = true;
      blockContent = outer;
    }
  };
  visit(root);
  // Anchor each virtual newline to the text node that follows it, too.
  let next = null;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i].node) next = segments[i].node;
    else segments[i].before = next;
  }
  return { text, segments, root };
}

function findSegment(segments, offset) {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid];
    if (offset < s.start) hi = mid - 1;
    else if (offset >= s.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * Map a text offset to a DOM boundary {node, offset}. `bias` "end" prefers the end of the
 * previous text node at a boundary (for range ends), "start" the start of the next.
 */
export function toDomPosition(map, offset, bias = "start") {
  const { segments, root } = map;
  if (segments.length === 0) return { node: root, offset: 0 };
  if (bias === "end" && offset > 0) {
    const i = findSegment(segments, offset - 1);
    if (i >= 0 && segments[i].node) {
      return { node: segments[i].node, offset: offset - segments[i].start };
    }
  }
  const i = findSegment(segments, offset);
  if (i >= 0) {
    const s = segments[i];
    if (s.node) return { node: s.node, offset: offset - s.start };
    if (s.after) return { node: s.after, offset: s.after.nodeValue.length };
    if (s.before) return { node: s.before, offset: 0 };
    return { node: root, offset: 0 };
  }
  // Past the end: the end of the last text node.
  for (let j = segments.length - 1; j >= 0; j--) {
    if (segments[j].node) return { node: segments[j].node, offset: segments[j].node.nodeValue.length };
  }
  return { node: root, offset: root.childNodes.length };
}

/** A DOM Range over text[start:end]. */
export function toRange(map, start, end) {
  const doc = map.root.ownerDocument;
  const range = doc.createRange();
  const a = toDomPosition(map, start, "start");
  const b = start === end ? a : toDomPosition(map, end, "end");
  range.setStart(a.node, a.offset);
  range.setEnd(b.node, b.offset);
  return range;
}

/** A DOM boundary (node, offset) -> text offset, or -1 when it is outside the map. */
export function fromDomPosition(map, node, offset) {
  if (node.nodeType === 3) {
    const s = map.segments.find((seg) => seg.node === node);
    return s ? s.start + Math.min(offset, s.end - s.start) : -1;
  }
  // An element boundary: the text offset of the first text segment at or after it.
  const doc = map.root.ownerDocument;
  const probe = doc.createRange();
  probe.setStart(node, offset);
  for (const seg of map.segments) {
    if (!seg.node) continue;
    if (probe.comparePoint(seg.node, 0) >= 0) return seg.start;
  }
  return map.text.length;
}

/** Replace text[start:end] in a plain string: what the editor should hold after an edit. */
export function applyEditsToString(text, edits) {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.replacement + out.slice(e.end);
  }
  return out;
}

/**
 * Where a finding's span is now: its own offsets if the text there is unchanged, else the
 * nearest occurrence of its text (the draft may have moved since it was audited), else null.
 */
export function reanchor(text, start, end, spanText) {
  if (spanText == null) return { start, end };
  if (text.slice(start, end) === spanText) return { start, end };
  let best = null;
  for (let i = text.indexOf(spanText); i >= 0; i = text.indexOf(spanText, i + 1)) {
    if (best === null || Math.abs(i - start) < Math.abs(best - start)) best = i;
  }
  return best === null ? null : { start: best, end: best + spanText.length };
}
