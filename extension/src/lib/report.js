// Pure helpers over the service's report (`Report.to_dict(offset_encoding="utf-16")`).
// The extension never rates anything: these only sort, filter and label what the service said.

export const SEVERITY_ORDER = ["error", "warning", "suggestion", "info"];
export const VERDICTS = ["send", "review", "rewrite"];

export function severityRank(sev) {
  const i = SEVERITY_ORDER.indexOf(sev);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** Withdrawals by severity then position; deposits (trust-building signals) separately. */
export function groupFindings(report, ignored = []) {
  const skip = new Set(ignored);
  const all = (report?.findings || []).filter((f) => !skip.has(f.rule));
  const byPos = (a, b) =>
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.field === b.field ? 0 : a.field === "subject" ? -1 : 1) ||
    (a.start ?? -1) - (b.start ?? -1);
  const withdrawals = all.filter((f) => f.polarity !== "deposit").sort(byPos);
  const deposits = all.filter((f) => f.polarity === "deposit").sort(byPos);
  return { withdrawals, deposits, hidden: (report?.findings || []).length - all.length };
}

/** A finding the panel can apply with one click: a safe suggestion with concrete edits. */
export function canApply(finding) {
  const s = finding?.suggestion;
  return Boolean(s && s.safe && Array.isArray(s.edits) && s.edits.length > 0);
}

/** Whether the pre-send check should hold Send. `holdOn`: "rewrite" | "review" | "off". */
export function shouldHold(verdict, holdOn) {
  if (holdOn === "off" || !verdict) return false;
  const at = VERDICTS.indexOf(holdOn === "review" ? "review" : "rewrite");
  return VERDICTS.indexOf(verdict) >= at;
}

/** Round half to even, as the service does when it writes "trust 48 is below 50". */
export function roundScore(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function scoreLabel(report) {
  const t = report?.scores?.trust;
  return typeof t === "number" ? String(roundScore(t)) : "–";
}

/** Colour class for the badge: the service's verdict, not a number the extension invents. */
export function verdictClass(report) {
  return VERDICTS.includes(report?.verdict) ? report.verdict : "unknown";
}

/** Human text for an error answer from the worker. */
export function describeError(answer, serviceUrl) {
  if (answer?.unreachable) {
    return {
      title: "Trust Auditor service not reachable",
      detail: `Nothing answered at ${serviceUrl}. Start it with “auditor serve” (default http://127.0.0.1:5000), or set its address in the extension's options.`,
    };
  }
  const code = answer?.error?.code || "error";
  const message = answer?.error?.message || "The service returned an error.";
  if (code === "unauthorized" || code === "forbidden" || answer?.status === 401 || answer?.status === 403) {
    return {
      title: "The service refused this extension",
      detail: `${message} Set the service's API token in the extension's options.`,
    };
  }
  return { title: `The service could not audit this draft (${code})`, detail: message };
}
