// The Forward process page: one image, one noise path, t on a slider, the schedule beside it.
"use strict";

const $ = (id) => document.getElementById(id);
let schedule = null;     // {T, alphaBar, logSNR}
let pending = false, wanted = null;

function base() {
  const p = new URLSearchParams({ source: $("source").value, index: $("index").value || "0", seed: $("seed").value || "0" });
  const choice = $("schedule").value;
  if (choice.startsWith("model:")) p.set("model", choice.slice(6));
  else { p.set("schedule", choice); p.set("T", $("T").value || "1000"); }
  return p;
}

async function loadSchedules() {
  const names = ["linear", "scaled_linear", "cosine", "sigmoid"];
  let models = [];
  try { models = (await Studio.json("/api/models")).models; } catch (_) { /* the named schedules still work */ }
  $("schedule").innerHTML = names.map((n) => `<option value="${n}">${n}</option>`).join("") +
    models.map((m) => `<option value="model:${m}">model: ${m || "(the root)"}</option>`).join("");
}

async function loadSchedule() {
  $("error").textContent = "";
  $("T").disabled = $("schedule").value.startsWith("model:");
  try {
    schedule = await Studio.json("/api/schedule?" + base());
  } catch (error) {
    $("error").textContent = error.message;
    return;
  }
  $("t").max = schedule.T - 1;
  if (Number($("t").value) > schedule.T - 1) $("t").value = schedule.T - 1;
  show();
}

function plotSchedule(t) {
  const every = Math.max(1, Math.floor(schedule.T / 400));
  const pick = (values) => values.map((v, i) => [i, v]).filter((_, i) => i % every === 0 || i === values.length - 1);
  const alpha = [{ points: pick(schedule.alphaBar), color: "var(--q1)", label: "ᾱ_t" },
    { points: pick(schedule.alphaBar.map((a) => Math.sqrt(a))), color: "var(--q2)", label: "√ᾱ_t (signal scale)" }];
  Studio.plot($("alpha-plot"), alpha, { marker: t, yRange: [0, 1] });
  Studio.legend($("alpha-legend"), alpha);
  const snr = [{ points: pick(schedule.logSNR), color: "var(--q3)", label: "log₁₀ SNR(t)" }];
  Studio.plot($("snr-plot"), snr, { marker: t });
  Studio.legend($("snr-legend"), snr);
}

/** Shows t: the facts at once, the image when the last request is back (latest wins). */
function show() {
  if (!schedule) return;
  const t = Number($("t").value);
  const a = schedule.alphaBar[t];
  $("f-t").textContent = t;
  $("t-label").textContent = `t = ${t} of ${schedule.T}`;
  $("f-abar").textContent = Studio.format(a, 4);
  $("f-signal").textContent = Studio.format(Math.sqrt(a), 4);
  $("f-noise").textContent = Studio.format(Math.sqrt(1 - a), 4);
  $("f-snr").textContent = Studio.format(a / (1 - a), 3);
  plotSchedule(t);
  wanted = "/api/forward.png?" + base() + "&t=" + t;
  fetchImage();
}

async function fetchImage() {
  if (pending || wanted === null) return;
  const url = wanted;
  wanted = null;
  pending = true;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || response.statusText);
    const blob = await response.blob();
    const old = $("xt").src;
    $("xt").src = URL.createObjectURL(blob);
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    document.body.dataset.shown = url;
  } catch (error) {
    $("error").textContent = error.message;
  } finally {
    pending = false;
    fetchImage();
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  await loadSchedules();
  for (const id of ["source", "index", "seed", "schedule", "T"]) $(id).addEventListener("change", loadSchedule);
  $("t").addEventListener("input", show);
  $("another").addEventListener("click", () => {
    $("index").value = Number($("index").value || 0) + 1;
    loadSchedule();
  });
  $("t").value = 250;
  loadSchedule();
});
