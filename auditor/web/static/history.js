"use strict";
// The history page: the caller's audits over time (a uPlot chart and a table).
const SERIES = [
  ["trust", "Trust", "#1b7f3b"],
  ["self_orientation", "Self-orientation", "#b3261e"],
  ["value_add", "Value-add", "#1f5fbf"],
  ["lemming", "Lemming", "#8a5a00"],
  ["clickbait", "Clickbait", "#7b3fa0"],
];
const filter = document.getElementById("kind-filter");
const status = document.getElementById("status");
let chart = null;

async function load() {
  status.textContent = "Loading…";
  status.className = "";
  const q = new URLSearchParams({ limit: "500" });
  if (filter.value) q.set("kind", filter.value);
  try {
    const data = await api("GET", "/api/v1/history?" + q);
    const items = data.items.slice().reverse(); // oldest first
    draw(items);
    table(data.items);
    status.textContent = data.items.length + " audits";
  } catch (err) {
    status.textContent = err.message + (err.code ? " (" + err.code + ")" : "");
    status.className = "error";
  }
}

function draw(items) {
  const box = document.getElementById("chart");
  document.getElementById("empty").hidden = items.length > 0;
  if (chart) {
    chart.destroy();
    chart = null;
  }
  if (!items.length) return;
  const xs = items.map((it) => Date.parse(it.created_at) / 1000);
  const data = [xs, ...SERIES.map(([k]) => items.map((it) => it.scores[k]))];
  chart = new uPlot(
    {
      width: Math.max(320, box.clientWidth || 800),
      height: 300,
      scales: { y: { range: [0, 100] } },
      series: [{}, ...SERIES.map(([, label, color]) => ({ label, stroke: color, width: 2, points: { show: true } }))],
    },
    data,
    box,
  );
}

function table(items) {
  const body = document.querySelector("#history-table tbody");
  body.replaceChildren(
    ...items.map((it) =>
      el(
        "tr",
        { dataset: { id: it.id } },
        el("td", {}, new Date(it.created_at).toLocaleString()),
        el("td", {}, it.kind),
        el("td", {}, el("span", { class: "verdict " + it.verdict }, it.verdict)),
        ...SERIES.map(([k]) => el("td", { class: "num" }, it.scores[k].toFixed(0))),
        el("td", {}, it.rules.join(", ")),
      ),
    ),
  );
}

document.getElementById("delete-history").addEventListener("click", async () => {
  if (!confirm("Delete every stored audit of yours? This cannot be undone.")) return;
  try {
    const r = await api("DELETE", "/api/v1/history");
    status.textContent = "Deleted " + r.deleted + " audits.";
    draw([]);
    table([]);
  } catch (err) {
    status.textContent = err.message;
    status.className = "error";
  }
});
filter.addEventListener("change", load);
load();
