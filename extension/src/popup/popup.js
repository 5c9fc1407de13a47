// Popup: is the service up, and how does the focused draft on this tab score?
import { roundScore } from "../lib/report.js";

const ext = globalThis.browser?.runtime?.id ? globalThis.browser : globalThis.chrome;
const $ = (id) => document.getElementById(id);

async function service() {
  const answer = await ext.runtime.sendMessage({ type: "health" });
  $("service").textContent = answer.ok
    ? `Service up at ${answer.serviceUrl}`
    : `Service not reachable at ${answer.serviceUrl}. Start it with “auditor serve”.`;
  $("service").className = answer.ok ? "ok" : "down";
}

async function draft() {
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  if (!tab?.id) return;
  let state = null;
  try {
    state = await ext.tabs.sendMessage(tab.id, { type: "state" });
  } catch {
    state = null; // no content script on this page (browser pages, the store)
  }
  if (!state) return;
  if (state.trust == null) {
    $("draft").textContent = state.error ? state.error.title : `Checking the ${state.kind} draft…`;
    return;
  }
  $("draft").textContent = `Focused ${state.kind} draft: trust ${roundScore(state.trust)}, verdict ${state.verdict}, ${state.withdrawals} finding(s).`;
}

$("options").addEventListener("click", (e) => {
  e.preventDefault();
  ext.runtime.openOptionsPage();
});
service();
draft();
