// The Sample page: choose a model folder and a sampler, stream the steps (server-sent events over fetch).
"use strict";

const $ = (id) => document.getElementById(id);
let model = null;        // the chosen folder's summary
let running = null;      // {controller, job}

async function loadModels() {
  const { models } = await Studio.json("/api/models");
  const wanted = new URLSearchParams(location.search).get("model");
  $("model").innerHTML = models.length
    ? models.map((m) => `<option value="${m}">${m || "(the root)"}</option>`).join("")
    : `<option value="">no model folders under the root</option>`;
  if (wanted !== null && models.includes(wanted)) $("model").value = wanted;
  $("draw").disabled = models.length === 0;
  if (models.length) await chooseModel();
}

async function chooseModel() {
  $("error").textContent = "";
  try {
    model = await Studio.json("/api/model?path=" + encodeURIComponent($("model").value));
  } catch (error) {
    model = null;
    $("error").textContent = error.message;
    return;
  }
  const current = $("sampler").value || "dpm++";
  $("sampler").innerHTML = model.samplers.map((s) => `<option>${s}</option>`).join("");
  $("sampler").value = model.samplers.includes(current) ? current : "dpm++";
  $("steps").max = Math.min(model.T, model.limits.steps);
  $("steps").value = model.defaultSteps[$("sampler").value];
  captionState();
  $("class-field").hidden = model.classCount === null;
  $("guidance-field").hidden = !model.guidable;
  if (model.classCount !== null) {
    const none = model.guidable ? `<option value="">none (null class)</option>` : "";
    $("class").innerHTML = none + `<option value="all">every class (a row each)</option>` +
      model.classNames.map((name, i) => `<option value="${i}">${i}: ${name}</option>`).join("");
  }
  const shape = model.shape.join("×");
  $("about").textContent = `${shape} · T = ${model.T} · ${model.betaSchedule} schedule · predicts ${model.prediction}` +
    (model.classCount !== null ? ` · ${model.classCount} classes` : "") + (model.drawsImages ? "" : " · draws no images");
}

/** The x_t panel's caption: the σ-space samplers carry x_σ = x_t/√ᾱ_t, shown clamped like x_t. */
function captionState() {
  const sigmaSpace = ["euler", "euler-a", "heun"].includes($("sampler").value);
  $("xt-label").textContent = sigmaSpace
    ? "the state x_σ = x_t/√ᾱ_t of this σ-space sampler, clamped to [−1, 1]"
    : "the sample after this step, clamped to [−1, 1]";
}

function parameters() {
  const p = new URLSearchParams({
    model: $("model").value, sampler: $("sampler").value, steps: $("steps").value,
    seed: $("seed").value || "0", n: $("n").value,
  });
  if (model && model.classCount !== null && $("class").value !== "") {
    p.set("class", $("class").value);
    if (model.guidable) p.set("guidance", $("guidance").value);
  }
  return p;
}

/** Reads server-sent events from a fetch response body and calls handle(name, data) for each. */
async function readEvents(response, handle) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      handle(name, JSON.parse(data));
    }
  }
}

async function draw() {
  $("error").textContent = "";
  $("result").hidden = true;
  $("bar").style.width = "0";
  $("status").textContent = "starting…";
  const controller = new AbortController();
  running = { controller, job: null };
  $("draw").disabled = true;
  $("cancel").disabled = false;
  document.body.dataset.state = "running";
  try {
    const response = await fetch("/api/sample?" + parameters(), { signal: controller.signal });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error || `${response.status} ${response.statusText}`);
    }
    running.job = response.headers.get("X-Job");
    let total = 0;
    await readEvents(response, (name, data) => {
      if (name === "start") {
        total = data.steps;
        $("status").textContent = `${data.count} samples, ${total} steps`;
      } else if (name === "step") {
        $("xt").src = data.xt;
        $("x0").src = data.x0;
        $("bar").style.width = `${(100 * data.step) / data.total}%`;
        $("status").textContent = `step ${data.step} / ${data.total} · timestep t = ${data.timestep}`;
        document.body.dataset.step = data.step;
      } else if (name === "done") {
        $("grid-link").href = data.grid;
        $("npy-link").href = data.npy;
        $("result-note").textContent = `in ${Studio.format(data.seconds, 3)} s`;
        $("result").hidden = false;
        $("grid").src = data.grid;
        document.body.dataset.state = "done";
      } else if (name === "error") {
        throw new Error(data.error);
      }
    });
    if (document.body.dataset.state !== "done") throw new Error("the stream ended before the last step");
  } catch (error) {
    if (error.name === "AbortError") {
      $("status").textContent = "cancelled";
      document.body.dataset.state = "cancelled";
    } else {
      $("error").textContent = error.message;
      $("status").textContent = "";
      document.body.dataset.state = "failed";
    }
  } finally {
    running = null;
    $("draw").disabled = false;
    $("cancel").disabled = true;
  }
}

async function cancel() {
  if (!running) return;
  const { controller, job } = running;
  if (job) await fetch(`/api/jobs/${job}/cancel`, { method: "POST" }).catch(() => {});
  controller.abort();
}

document.addEventListener("DOMContentLoaded", () => {
  $("model").addEventListener("change", chooseModel);
  $("sampler").addEventListener("change", () => {
    if (model) $("steps").value = model.defaultSteps[$("sampler").value];
    captionState();
  });
  $("draw").addEventListener("click", draw);
  $("cancel").addEventListener("click", cancel);
  loadModels().catch((error) => { $("error").textContent = error.message; });
});
