// Times write-good and alex on the texts bench/engine.py writes, in one process each, after warm-up.
// Usage: node bench/peers.mjs TEXTS.json  ->  prints {"write-good": {"label": [ms, ...]}, "alex": {...}}
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import writeGood from "write-good";
import { text as alexText } from "alex";

const sets = JSON.parse(readFileSync(process.argv[2], "utf8"));
const tools = { "write-good": (t) => writeGood(t), alex: (t) => alexText(t) };
const out = {};
for (const [name, fn] of Object.entries(tools)) {
  out[name] = {};
  for (const [label, texts] of Object.entries(sets)) {
    for (const t of texts.slice(0, 5)) fn(t); // warm-up
    out[name][label] = texts.map((t) => {
      const start = performance.now();
      fn(t);
      return performance.now() - start;
    });
  }
}
process.stdout.write(JSON.stringify(out));
