// The Training runs page: the run list, and one run's curves read as its log grows (polled).
"use strict";

const $ = (id) => document.getElementById(id);
let chosen = null;        // path of the run shown
let entries = [];         // its log so far
let lastSample = null;

function row(run) {
  const step = run.totalSteps === null ? `${run.step}` : `${run.step} / ${run.totalSteps}`;
  const state = run.finished
    ? (run.hasModel ? `<a href="/?model=${encodeURIComponent(run.path)}" class="tag done">finished · sample it</a>` : `<span class="tag done">finished</span>`)
    : `<span class="tag">training</span>`;
  return `<tr class="run${run.path === chosen ? " chosen" : ""}" data-path="${run.path}">
    <td>${run.path || "(the root)"}</td><td class="num">${step}</td><td class="num">${Studio.format(run.loss)}</td>
    <td class="num">${Studio.format(run.lr, 3)}</td><td class="num">${Studio.format(run.stepsPerSecond, 3)}</td>
    <td class="num">${run.finished ? "–" : Studio.duration(run.secondsRemaining)}</td><td>${state}</td></tr>`;
}

async function loadRuns() {
  try {
    const { runs } = await Studio.json("/api/runs");
    $("runs").innerHTML = runs.length ? runs.map(row).join("") : `<tr><td colspan="7">no training runs under the root</td></tr>`;
    for (const tr of document.querySelectorAll("tr.run")) {
      tr.addEventListener("click", (event) => { if (event.target.tagName !== "A") choose(tr.dataset.path); });
    }
    if (chosen === null && runs.length) choose(runs[0].path);
    $("error").textContent = "";
  } catch (error) {
    $("error").textContent = error.message;
  }
}

function choose(path) {
  chosen = path;
  entries = [];
  lastSample = null;
  for (const tr of document.querySelectorAll("tr.run")) tr.classList.toggle("chosen", tr.dataset.path === path);
  $("detail").hidden = false;
  $("run-title").textContent = path || "(the root)";
  loadRun();
}

async function loadRun() {
  if (chosen === null) return;
  const path = chosen;
  const after = entries.length ? entries[entries.length - 1].step : 0;
  let run;
  try {
    run = await Studio.json(`/api/run?path=${encodeURIComponent(path)}&after=${after}`);
  } catch (error) {
    $("error").textContent = error.message;
    return;
  }
  if (path !== chosen) return;
  if (run.entries.length && run.entries[0].step <= after) entries = [];   // the run was restarted
  entries = entries.concat(run.entries);
  document.body.dataset.logged = entries.length;
  draw(run);
}

function draw(run) {
  const every = Math.max(1, Math.floor(entries.length / 600));
  const thin = entries.filter((_, i) => i % every === 0 || i === entries.length - 1);
  const series = [{ points: thin.map((e) => [e.step, e.loss]), color: "var(--ink)", label: "loss (all t)", width: 2 }];
  if ($("quarters").checked) {
    const colors = ["var(--q1)", "var(--q2)", "var(--q3)", "var(--q4)"];
    const names = ["t in the 1st quarter (least noise)", "2nd quarter", "3rd quarter", "4th quarter (most noise)"];
    for (let q = 0; q < 4; q++) {
      series.push({ points: thin.map((e) => [e.step, e.quarters[q] === null ? NaN : e.quarters[q]]), color: colors[q], label: names[q], width: 1, opacity: 0.75 });
    }
  }
  Studio.plot($("loss-plot"), series, { logY: true });
  Studio.legend($("loss-legend"), series);
  const lr = [{ points: thin.map((e) => [e.step, e.lr]), color: "var(--q3)", label: "learning rate" }];
  Studio.plot($("lr-plot"), lr);
  Studio.legend($("lr-legend"), lr);
  const fids = entries.filter((e) => e.fid !== undefined).map((e) => [e.step, e.fid]);
  $("fid-box").hidden = fids.length === 0;
  if (fids.length) Studio.plot($("fid-plot"), [{ points: fids, color: "var(--q4)", label: "FID", dots: true }]);
  const newest = run.samples.length ? run.samples[run.samples.length - 1] : null;
  $("no-sample").hidden = newest !== null;
  $("sample").hidden = newest === null;
  if (newest !== null && newest !== lastSample) {
    lastSample = newest;
    $("sample").src = `/api/run/sample.png?path=${encodeURIComponent(chosen)}&name=${encodeURIComponent(newest)}`;
    $("sample-name").textContent = newest.replace(/^step-0*/, "step ").replace(/\.png$/, "");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("quarters").addEventListener("change", () => loadRun());
  loadRuns();
  setInterval(loadRuns, 5000);
  setInterval(loadRun, 2000);
});
