// Build the extension for each browser from one source, and the fixture pages' editor bundles.
//   node build.mjs            -> dist/chromium, dist/firefox, ../fixtures/pages/build
// Reproducible: no timestamps, no minification, the same input gives the same files.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
// The public half of the key that pins the Chromium extension id (extension-id.txt); the
// service allows exactly `chrome-extension://<id>` (auditor/web/config.py).
const KEY = readFileSync(join(here, "manifest-key.txt"), "utf8").trim();

const ICON_SIZES = [16, 32, 48, 128];

function manifest(browser) {
  const icons = Object.fromEntries(ICON_SIZES.map((n) => [String(n), `icons/icon-${n}.png`]));
  const m = {
    manifest_version: 3,
    name: "Trust Auditor",
    version: pkg.version,
    description: "Catches trust withdrawals in what you write (email, posts, pages) before you send it. Uses your own Trust Auditor service.",
    icons,
    permissions: ["storage"],
    host_permissions: ["http://127.0.0.1/*", "http://localhost/*"],
    optional_host_permissions: ["https://*/*", "http://*/*"],
    background: browser === "firefox" ? { scripts: ["background.js"] } : { service_worker: "background.js" },
    content_scripts: [
      {
        matches: ["http://*/*", "https://*/*"],
        js: ["content.js"],
        css: ["highlight.css"],
        all_frames: true,
        match_about_blank: true,
        run_at: "document_idle",
      },
    ],
    action: { default_title: "Trust Auditor", default_popup: "popup/popup.html", default_icon: icons },
    options_ui: { page: "options/options.html", open_in_tab: true },
  };
  if (browser === "chromium") {
    m.key = KEY;
    m.minimum_chrome_version = "120";
  } else {
    m.browser_specific_settings = {
      gecko: {
        id: "trust-auditor@trust-auditor.local",
        strict_min_version: "142.0",
        data_collection_permissions: { required: ["websiteContent"] },
      },
    };
  }
  return m;
}

// A round PNG icon: no binary assets in git.
function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function icon(size) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const r = size / 2;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - r, y + 0.5 - r);
      const i = y * (size * 4 + 1) + 1 + x * 4;
      const inside = d <= r - 0.5;
      const ring = d <= r * 0.45 && d >= r * 0.25;
      raw.set(inside ? (ring ? [255, 255, 255, 255] : [24, 128, 56, 255]) : [0, 0, 0, 0], i);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

async function buildExtension(browser) {
  const out = join(here, "dist", browser);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "icons"), { recursive: true });
  await esbuild.build({
    entryPoints: {
      content: join(src, "content/main.js"),
      background: join(src, "background.js"),
      "options/options": join(src, "options/options.js"),
      "popup/popup": join(src, "popup/popup.js"),
    },
    outdir: out,
    bundle: true,
    format: "iife",
    target: browser === "firefox" ? "firefox128" : "chrome120",
    legalComments: "none",
    logLevel: "warning",
  });
  for (const f of ["options/options.html", "popup/popup.html", "page.css"]) cpSync(join(src, f), join(out, f));
  cpSync(join(src, "content/highlight.css"), join(out, "highlight.css"));
  for (const n of ICON_SIZES) writeFileSync(join(out, `icons/icon-${n}.png`), icon(n));
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest(browser), null, 2)}\n`);
  return out;
}

// The fixture pages' real editors (ProseMirror, Tiptap, Lexical, Draft.js + React) from npm.
async function buildFixtures() {
  const pages = join(here, "..", "fixtures", "pages");
  const out = join(pages, "build");
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: ["prosemirror", "tiptap", "lexical", "draftjs"].map((n) => join(pages, "src", `${n}.js`)),
    outdir: out,
    bundle: true,
    format: "iife",
    target: "es2020",
    jsx: "automatic",
    loader: { ".js": "jsx" },
    nodePaths: [join(here, "node_modules")],
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
}

const only = process.argv[2];
if (!only || only === "extension") {
  for (const b of ["chromium", "firefox"]) console.log(`built ${await buildExtension(b)}`);
}
if (!only || only === "fixtures") {
  await buildFixtures();
  console.log("built fixtures/pages/build");
}
