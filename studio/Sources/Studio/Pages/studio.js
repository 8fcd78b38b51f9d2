// ddpm-studio: what the three pages share: JSON requests with readable errors, and a small SVG line plot.
"use strict";

const Studio = {
  /** GET a JSON route; throws an Error carrying the server's message on a non-2xx answer. */
  async json(url, options) {
    const response = await fetch(url, options);
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch (_) { /* not JSON */ }
    if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
    return body;
  },

  /** Marks the page's own link in the navigation. */
  markNavigation() {
    for (const link of document.querySelectorAll("header nav a")) {
      if (link.getAttribute("href") === location.pathname) link.classList.add("here");
    }
  },

  /** A number with a few significant digits. */
  format(value, digits = 4) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
    if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(digits - 1);
    return Number(value.toPrecision(digits)).toString();
  },

  /** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
  duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.round(seconds);
    if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
    if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    return `${s} s`;
  },

  /**
   * Draws lines into an <svg>: series = [{points: [[x, y]…], color, label, dots}], options = {logY, marker, yLabel}.
   */
  plot(svg, series, options = {}) {
    const width = 640, height = 260, left = 52, right = 12, top = 10, bottom = 28;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const ty = (y) => (options.logY ? Math.log10(Math.max(y, 1e-12)) : y);
    const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]) && (!options.logY || p[1] > 0));
    if (all.length === 0) { svg.innerHTML = `<text x="${left}" y="${height / 2}">no data yet</text>`; return; }
    let x0 = Math.min(...all.map((p) => p[0])), x1 = Math.max(...all.map((p) => p[0]));
    let y0 = Math.min(...all.map((p) => ty(p[1]))), y1 = Math.max(...all.map((p) => ty(p[1])));
    if (options.yRange) { [y0, y1] = options.yRange; }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { const pad = Math.abs(y0) * 0.1 || 0.5; y0 -= pad; y1 += pad; }
    const sx = (x) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
    const sy = (y) => top + (1 - (ty(y) - y0) / (y1 - y0)) * (height - top - bottom);
    const parts = [];
    parts.push(`<line class="axis" x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}"/>`);
    parts.push(`<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = y0 + ((y1 - y0) * k) / 4;
      const y = top + (1 - k / 4) * (height - top - bottom);
      const label = options.logY ? Studio.format(10 ** v, 2) : Studio.format(v, 3);
      parts.push(`<line class="axis" x1="${left}" y1="${y}" x2="${width - right}" y2="${y}" stroke-dasharray="2 4"/>`);
      parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${label}</text>`);
    }
    for (let k = 0; k <= 4; k++) {
      const v = x0 + ((x1 - x0) * k) / 4;
      parts.push(`<text x="${sx(v)}" y="${height - 9}" text-anchor="middle">${Math.round(v)}</text>`);
    }
    for (const s of series) {
      const points = s.points.filter((p) => Number.isFinite(p[1]) && (!options.logY || p[1] > 0));
      if (points.length === 0) continue;
      if (s.dots) {
        for (const p of points) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
      } else {
        const d = points.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
        parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width || 1.6}" opacity="${s.opacity || 1}"/>`);
      }
    }
    if (options.marker !== undefined) {
      parts.push(`<line x1="${sx(options.marker)}" y1="${top}" x2="${sx(options.marker)}" y2="${height - bottom}" stroke="#1d232b" stroke-width="1.2"/>`);
    }
    svg.innerHTML = parts.join("");
  },

  /** A legend under a plot. */
  legend(element, series) {
    element.innerHTML = series.map((s) => `<span><i style="background:${s.color}"></i>${s.label}</span>`).join("");
  },
};

document.addEventListener("DOMContentLoaded", () => Studio.markNavigation());
