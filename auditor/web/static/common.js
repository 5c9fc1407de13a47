"use strict";
// Shared by the pages: the API call (same origin, optional bearer token) and tiny DOM helpers.
const TOKEN_KEY = "trust-auditor-token";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const resp = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data;
  try {
    data = await resp.json();
  } catch {
    data = { error: { code: "bad_response", message: "the service answered " + resp.status } };
  }
  if (!resp.ok) {
    const err = new Error((data.error && data.error.message) || String(resp.status));
    err.code = data.error && data.error.code;
    err.status = resp.status;
    throw err;
  }
  return data;
}

(function tokenField() {
  const input = document.getElementById("token");
  if (!input) return;
  input.value = localStorage.getItem(TOKEN_KEY) || "";
  input.addEventListener("change", () => {
    const v = input.value.trim();
    if (v) localStorage.setItem(TOKEN_KEY, v);
    else localStorage.removeItem(TOKEN_KEY);
  });
})();
