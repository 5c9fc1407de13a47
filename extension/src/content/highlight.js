// Underlines with the CSS Custom Highlight API: the editor's DOM is never touched. The
// `::highlight()` rules live in highlight.css, injected at document level by the manifest.
const NAMES = {
  error: "trust-auditor-error",
  warning: "trust-auditor-warning",
  suggestion: "trust-auditor-suggestion",
  info: "trust-auditor-suggestion",
};
export const FOCUS = "trust-auditor-focus";

const supported = () => typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";

export function clearHighlights() {
  if (!supported()) return;
  for (const name of new Set([...Object.values(NAMES), FOCUS])) CSS.highlights.delete(name);
}

/** items: [{severity, range}] */
export function showHighlights(items) {
  clearHighlights();
  if (!supported()) return false;
  const groups = new Map();
  for (const { severity, range } of items) {
    const name = NAMES[severity] || NAMES.suggestion;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(range);
  }
  for (const [name, ranges] of groups) CSS.highlights.set(name, new Highlight(...ranges));
  return true;
}

export function focusHighlight(range) {
  if (!supported()) return;
  if (range) CSS.highlights.set(FOCUS, new Highlight(range));
  else CSS.highlights.delete(FOCUS);
}
