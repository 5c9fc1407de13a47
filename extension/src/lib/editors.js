// Which field is being written, on which kind of site, and what belongs to it (subject line,
// Send button). Recognised by DOM shape, not by hostname, so a self-hosted CMS or a fixture
// page on 127.0.0.1 is handled like the real thing.
// Pure DOM (works in jsdom, which lacks isContentEditable: we read the attribute chain).

const SUBJECT_SELECTOR = [
  "input[name=subjectbox]", // Gmail
  'input[aria-label="Add a subject"]', // Outlook on the web
  'input[placeholder="Add a subject"]',
].join(", ");
const SEND_SELECTOR = [
  '[role=button][data-tooltip^="Send"]', // Gmail
  '[role=button][aria-label^="Send"]',
  'button[aria-label="Send"]', // Outlook
  'button[title^="Send"]',
].join(", ");
const WP_CONTENT = ".is-root-container, .block-editor-block-list__layout";
const WP_TITLE = ".editor-post-title__input, .wp-block-post-title[contenteditable]";

function editableAttr(el) {
  const v = el.getAttribute && el.getAttribute("contenteditable");
  if (v === null || v === undefined) return null;
  return v === "" || v.toLowerCase() === "true" || v.toLowerCase() === "plaintext-only";
}

export function isContentEditable(el) {
  if (!el || el.nodeType !== 1) return false;
  if (typeof el.isContentEditable === "boolean") return el.isContentEditable;
  for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
    const v = editableAttr(n);
    if (v !== null) return v;
  }
  return el.ownerDocument?.designMode === "on";
}

export function isTextField(el) {
  return el?.nodeType === 1 && el.tagName === "TEXTAREA" && !el.readOnly && !el.disabled;
}

function isSubjectInput(el) {
  return el?.nodeType === 1 && el.tagName === "INPUT" && el.matches(SUBJECT_SELECTOR);
}

/** The outermost editing host that contains `node`, or the textarea itself. */
export function editingHost(node) {
  let el = node?.nodeType === 1 ? node : node?.parentNode;
  if (!el || el.nodeType !== 1) return null;
  if (isTextField(el)) return el;
  if (!isContentEditable(el)) return null;
  while (el.parentNode && el.parentNode.nodeType === 1 && isContentEditable(el.parentNode)) {
    el = el.parentNode;
  }
  return el;
}

function closestComposing(host) {
  // Walk up until an ancestor holds a subject field: that is the compose window.
  let n = host.parentElement;
  for (let depth = 0; n && depth < 25; depth++, n = n.parentElement) {
    const subject = n.querySelector(SUBJECT_SELECTOR);
    if (subject) return { compose: n, subject };
  }
  return null;
}

/**
 * What `node` (an event's composedPath()[0]) is part of, or null when it is no draft:
 * {host, root, site, kind, subjectEl, compose, send}. `root` is what the text is read from
 * (the WordPress post holds one editable per block); `host` the field that was focused.
 */
export function describeField(node, { defaultKind = "email" } = {}) {
  let el = node?.nodeType === 1 ? node : node?.parentNode;
  if (!el || el.nodeType !== 1) return null;
  const doc = el.ownerDocument;

  if (isSubjectInput(el)) {
    // The subject belongs to the compose window's body.
    let n = el.parentElement;
    for (let depth = 0; n && depth < 25; depth++, n = n.parentElement) {
      const body = n.querySelector('[role=textbox][contenteditable], [contenteditable="true"][aria-label]');
      if (body) return describeField(body, { defaultKind });
    }
    return null;
  }

  // WordPress block editor: the title or any block belongs to the whole post.
  if (el.closest(WP_TITLE) || el.closest(".block-editor-rich-text__editable")) {
    const content = doc.querySelector(WP_CONTENT);
    if (content) {
      const host = editingHost(el) || content;
      return {
        host,
        root: content,
        site: "wordpress",
        kind: "blog",
        subjectEl: doc.querySelector(WP_TITLE),
        compose: content,
        send: null,
      };
    }
  }

  const host = editingHost(el);
  if (!host) return null;
  if (host.tagName === "TEXTAREA") {
    return { host, root: host, site: "other", kind: defaultKind, subjectEl: null, compose: null, send: null };
  }

  const composing = closestComposing(host);
  if (composing) {
    const outlook = composing.subject.matches('input[aria-label="Add a subject"], input[placeholder="Add a subject"]');
    return {
      host,
      root: host,
      site: outlook ? "outlook" : "gmail",
      kind: "email",
      subjectEl: composing.subject,
      compose: composing.compose,
      send: SEND_SELECTOR,
    };
  }
  if (host.matches(".ql-editor") && (/linkedin\./.test(doc.location?.hostname || "") || host.closest(".share-box, .share-creation-state, [data-test-share-box]"))) {
    return { host, root: host, site: "linkedin", kind: "social", subjectEl: null, compose: null, send: null };
  }
  if (host.tagName === "BODY" && (host.id === "tinymce" || host.classList.contains("mce-content-body"))) {
    return { host, root: host, site: "wordpress", kind: "blog", subjectEl: null, compose: null, send: null };
  }
  return { host, root: host, site: "other", kind: defaultKind, subjectEl: null, compose: null, send: null };
}

/** The Send button `node` is inside (for the pre-send check), or null. */
export function sendButtonFor(field, path) {
  if (!field?.send || !field.compose) return null;
  for (const n of path) {
    if (n?.nodeType !== 1) continue;
    if (n === field.compose) return null;
    if (n.matches(field.send) && field.compose.contains(n)) return n;
  }
  return null;
}

/** Editors that keep their own model and ignore execCommand-driven DOM edits unreliably. */
export function modelDriven(host) {
  if (!host || host.nodeType !== 1) return false;
  return Boolean(
    host.closest("[data-lexical-editor], .public-DraftEditor-content, [data-slate-editor]") ||
      host.querySelector?.(".public-DraftEditor-content, [data-lexical-editor], [data-slate-editor]"),
  );
}
