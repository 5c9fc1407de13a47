// Debounce, unchanged text not re-sent, stale answers dropped: with fake timers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAuditScheduler, debounce } from "../../src/lib/schedule.js";

function fakeTimers() {
  let now = 0;
  let id = 0;
  const pending = new Map();
  return {
    setTimeout(fn, ms) {
      pending.set(++id, { fn, at: now + ms });
      return id;
    },
    clearTimeout(h) {
      pending.delete(h);
    },
    advance(ms) {
      now += ms;
      for (const [h, t] of [...pending]) {
        if (t.at <= now) {
          pending.delete(h);
          t.fn();
        }
      }
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test("debounce fires once after the last call", () => {
  const timers = fakeTimers();
  let calls = 0;
  const d = debounce(() => calls++, 400, timers);
  for (let i = 0; i < 10; i++) {
    d();
    timers.advance(100);
  }
  assert.equal(calls, 0);
  timers.advance(400);
  assert.equal(calls, 1);
});

function harness() {
  const timers = fakeTimers();
  const state = { text: "hello", sent: [], results: [], resolvers: [] };
  const s = createAuditScheduler({
    read: () => ({ text: state.text, kind: "email" }),
    send: (req) => {
      state.sent.push(req.text);
      return new Promise((resolve) => state.resolvers.push((v) => resolve(v)));
    },
    onResult: (answer, req) => state.results.push([answer, req.text]),
    delay: 400,
    timers,
  });
  return { s, timers, state };
}

test("typing bursts send one request, after the debounce", async () => {
  const { s, timers, state } = harness();
  for (const t of ["h", "he", "hel", "hello"]) {
    state.text = t;
    s.schedule();
    timers.advance(50);
  }
  assert.deepEqual(state.sent, []);
  timers.advance(400);
  await flush();
  assert.deepEqual(state.sent, ["hello"]);
});

test("unchanged text is not sent again", async () => {
  const { s, timers, state } = harness();
  s.schedule();
  timers.advance(400);
  await flush();
  state.resolvers[0]({ ok: true, report: { n: 1 } });
  await flush();
  s.schedule();
  timers.advance(400);
  await flush();
  assert.deepEqual(state.sent, ["hello"]);
  assert.equal(state.results.length, 1);
});

test("an answer that arrives after a newer request is dropped", async () => {
  const { s, timers, state } = harness();
  s.schedule();
  timers.advance(400);
  await flush();
  state.text = "hello world";
  s.schedule();
  timers.advance(400);
  await flush();
  assert.deepEqual(state.sent, ["hello", "hello world"]);
  state.resolvers[1]({ ok: true, report: { n: "new" } });
  await flush();
  state.resolvers[0]({ ok: true, report: { n: "old" } });
  await flush();
  assert.deepEqual(
    state.results.map(([a, t]) => [a.report.n, t]),
    [["new", "hello world"]],
  );
  assert.equal(s.stats().dropped, 1);
});

test("a failed request is retried for the same text; emptied text cancels", async () => {
  const { s, timers, state } = harness();
  s.schedule();
  timers.advance(400);
  await flush();
  state.resolvers[0]({ ok: false, unreachable: true });
  await flush();
  s.schedule();
  timers.advance(400);
  await flush();
  assert.deepEqual(state.sent, ["hello", "hello"]);
  state.text = "   ";
  s.schedule();
  timers.advance(400);
  await flush();
  state.resolvers[1]({ ok: true, report: {} });
  await flush();
  assert.equal(state.results.length, 1); // only the failure; the late answer was for older text
});

test("now() skips the debounce and pending() reports work in flight", async () => {
  const { s, state } = harness();
  s.schedule();
  assert.equal(s.pending(), true);
  const p = s.now();
  await flush();
  assert.deepEqual(state.sent, ["hello"]);
  state.resolvers[0]({ ok: true, report: {} });
  await p;
  assert.equal(s.pending(), false);
});
