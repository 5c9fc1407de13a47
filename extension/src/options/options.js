// Options: service URL, token, sites on/off, the pre-send threshold. Settings only.
import {
  DEFAULTS,
  needsExtraPermission,
  normalizeServiceUrl,
  normalizeSettings,
  permissionPattern,
} from "../lib/settings.js";

const ext = globalThis.browser?.runtime?.id ? globalThis.browser : globalThis.chrome;
const $ = (id) => document.getElementById(id);
const status = (text) => {
  $("status").textContent = text;
};

async function load() {
  const s = normalizeSettings(await ext.storage.local.get(null));
  $("serviceUrl").value = s.serviceUrl;
  $("token").value = s.token;
  for (const box of document.querySelectorAll("input[name=site]")) box.checked = s.sites[box.value] !== false;
  $("disabledHosts").value = s.disabledHosts.join("\n");
  $("holdOn").value = s.holdOn;
  $("defaultKind").value = s.defaultKind;
  $("debounceMs").value = s.debounceMs;
  const list = $("ignored");
  list.replaceChildren();
  for (const [host, codes] of Object.entries(s.ignored)) {
    const li = document.createElement("li");
    li.textContent = `${host}: ${codes.join(", ")}`;
    list.append(li);
  }
  if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: "none" }));
}

async function save(e) {
  e.preventDefault();
  const url = normalizeServiceUrl($("serviceUrl").value);
  if (!url) {
    status("The service URL must start with http:// or https://");
    return;
  }
  if (needsExtraPermission(url) && ext.permissions?.request) {
    const granted = await ext.permissions.request({ origins: [permissionPattern(url)] });
    if (!granted) {
      status(`Without access to ${new URL(url).host} the extension cannot reach the service.`);
      return;
    }
  }
  const sites = {};
  for (const box of document.querySelectorAll("input[name=site]")) sites[box.value] = box.checked;
  const next = normalizeSettings({
    serviceUrl: url,
    token: $("token").value,
    sites,
    disabledHosts: $("disabledHosts").value.split(/\s+/).filter(Boolean),
    holdOn: $("holdOn").value,
    defaultKind: $("defaultKind").value,
    debounceMs: $("debounceMs").value,
  });
  const { ignored, timing, ...rest } = next;
  await ext.storage.local.set(rest);
  status("Saved.");
  await load();
}

async function test() {
  status("Checking…");
  const answer = await ext.runtime.sendMessage({ type: "health" });
  status(answer.ok ? `The service at ${answer.serviceUrl} is up.` : `Not reachable at ${answer.serviceUrl}: ${answer.error.message}. Start it with “auditor serve”.`);
}

$("form").addEventListener("submit", save);
$("test").addEventListener("click", test);
$("clearIgnored").addEventListener("click", async () => {
  await ext.storage.local.set({ ignored: { ...DEFAULTS.ignored } });
  await load();
});
load();
