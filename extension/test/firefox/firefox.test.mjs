// Firefox ESR tier (puppeteer-core over WebDriver BiDi): the same built extension, the real
// service and the fixture pages, started by tests/test_extension_e2e.py, which passes
// SERVICE_URL, PAGES_URL, FIREFOX and FIREFOX_UUID. Run alone: start both, then
//   SERVICE_URL=... PAGES_URL=... node --test test/firefox/
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const { SERVICE_URL, PAGES_URL } = process.env;
const FIREFOX = process.env.FIREFOX || "/usr/bin/firefox-esr";
const UUID = process.env.FIREFOX_UUID || "6f1c2b1e-4a51-4d1f-9f63-7d1b7c0a5e11";
const EXT = fileURLToPath(new URL("../../dist/firefox", import.meta.url));
const GECKO_ID = "trust-auditor@trust-auditor.local";
const DRAFT = "Hi Sarah. I know how you feel about vendors. How about if you take a look at the specs and challenge me to defend it.";
const skip = !SERVICE_URL || !PAGES_URL ? "needs SERVICE_URL and PAGES_URL (run from pytest)" : false;

let browser;
let profile;

before(async () => {
  if (skip) return;
  profile = mkdtempSync(join(tmpdir(), "ta-firefox-"));
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    // Pin the moz-extension:// origin so the service can allow it (ids are per install).
    extraPrefsFirefox: { "extensions.webextensions.uuids": JSON.stringify({ [GECKO_ID]: UUID }) },
  });
  // WebDriver may not open moz-extension:// pages, so a copy of the built extension seeds
  // its settings from the worker on start-up; the shipped files are not changed.
  const ext = join(profile, "extension");
  cpSync(EXT, ext, { recursive: true });
  const seed = JSON.stringify({ serviceUrl: SERVICE_URL, debounceMs: 300 });
  appendFileSync(join(ext, "background.js"), `\nbrowser.storage.local.set(${seed});\n`);
  await browser.installExtension(ext);
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function openAndType(name, subject) {
  const page = await browser.newPage();
  await page.goto(`${PAGES_URL}/${name}.html`);
  await page.waitForFunction(() => window.fixture?.field);
  if (subject) {
    await page.click(await page.evaluate(() => window.fixture.subject));
    await page.keyboard.type(subject);
  }
  await page.click(await page.evaluate(() => window.fixture.field));
  await page.keyboard.type(DRAFT);
  await inPanel(page, ".panel[data-status=ok] li.finding");
  return page;
}

// waitForSelector watches the document for mutations, which do not see into shadow roots:
// poll the panel's shadow root instead.
async function inPanel(page, selector, timeout = 10000) {
  await page.waitForFunction(
    (sel) => document.querySelector("trust-auditor-ui")?.shadowRoot?.querySelector(sel),
    { polling: 100, timeout },
    selector,
  );
  return page.$(`trust-auditor-ui >>> ${selector}`);
}

async function panelRules(page) {
  return page.$$eval("trust-auditor-ui >>> ul.findings > li.finding", (els) => els.map((e) => e.dataset.rule));
}

async function serviceReport(text, subject) {
  const res = await fetch(`${SERVICE_URL}/api/v1/audit`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text, kind: "email", subject, offset_encoding: "utf-16" }),
  });
  return res.json();
}

for (const name of ["textarea", "contenteditable", "gmail"]) {
  test(`${name}: the panel shows the service's findings and one click applies an edit`, { skip }, async () => {
    const subject = name === "gmail" ? "Quick question" : undefined;
    const page = await openAndType(name, subject);
    try {
      const text = await page.evaluate(() => window.fixture.modelText());
      const report = await serviceReport(text, subject);
      const expected = report.findings.filter((f) => f.polarity === "withdrawal");
      assert.deepEqual((await panelRules(page)).sort(), expected.map((f) => f.rule).sort());
      const fix = expected.find((f) => f.suggestion?.safe);
      const replacement = fix.suggestion.edits[0].replacement;
      const apply = await inPanel(page, `button.apply[data-rule=${fix.rule}]`);
      await apply.click();
      await page.waitForFunction(
        (r, old) => {
          const t = window.fixture.modelText();
          return t.includes(r) && !t.includes(old);
        },
        { timeout: 5000 },
        replacement,
        fix.text,
      );
    } finally {
      await page.close();
    }
  });
}

test("gmail: Send on a rewrite draft is held until “send anyway”", { skip }, async () => {
  const page = await openAndType("gmail", "Quick question");
  try {
    const verdict = await page.$eval("trust-auditor-ui >>> .panel", (p) => p.dataset.verdict);
    assert.equal(verdict, "rewrite");
    const body = await page.evaluate(() => window.fixture.modelText());
    await page.click(await page.evaluate(() => window.fixture.sendButton));
    await inPanel(page, ".hold", 3000);
    assert.equal(await page.evaluate(() => window.fixture.sent.length), 0);
    await (await page.$("trust-auditor-ui >>> .hold button.send-anyway")).click();
    await page.waitForFunction(() => window.fixture.sent.length === 1, { timeout: 3000 });
    assert.deepEqual(await page.evaluate(() => window.fixture.sent[0]), { subject: "Quick question", body });
  } finally {
    await page.close();
  }
});
