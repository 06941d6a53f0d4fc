/* Chart runtime: draws every .ig-chart from its queued Plotly spec.
 *
 * - Specs arrive through a queue (window.__igCharts), not <script type="application/json">,
 *   because Material's instant navigation re-creates content scripts from their text alone.
 * - A chart draws when it becomes visible (a <details> opens, a tab is chosen) and resizes then.
 * - Charts re-theme when the light/dark palette toggles, series colours included: a spec's
 *   layout.meta.ig_palettes pairs each light colour with its dark twin (engine/charts/theme.py).
 * - plotly.js comes from the site's own assets (or is already inlined, in the email file),
 *   fetched once the page is idle, so its evaluation never competes with the page's start-up.
 * - Charts draw one per task: a scroll, a print or an opened toggle that brings several
 *   into view never makes one long task of them all (Lighthouse's Total Blocking Time).
 * - The html element's ig-js class swaps each static image for its plot's box. The page's
 *   <head> sets it before the first paint (templates/overrides/main.html), this file again;
 *   it comes off where plotly.js cannot load (here) or the email file cannot unpack it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var plotlySrc = script && script.src ? script.src.replace(/js\/charts\.js(\?.*)?$/, "vendor/plotly.min.js") : null;
  var specs = {};
  var drawn = [];
  var plotlyWaiters = null;
  var queued = [], drawing = false;  // figures waiting for their turn to draw, one per task
  document.documentElement.classList.add("ig-js");

  function whenIdle(callback) {
    if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 2000 }); else setTimeout(callback, 0);
  }

  function withPlotly(callback) {
    if (window.Plotly) { callback(); return; }
    if (plotlyWaiters) { plotlyWaiters.push(callback); return; }
    plotlyWaiters = [callback];
    whenIdle(function () {
      var tag = document.createElement("script");
      tag.src = plotlySrc;
      tag.onload = function () { var w = plotlyWaiters; plotlyWaiters = null; w.forEach(function (f) { f(); }); };
      tag.onerror = function () { console.warn("charts: plotly.js could not be loaded; showing static images"); document.documentElement.classList.remove("ig-js"); };
      document.head.appendChild(tag);
    });
  }

  function dark() {
    return document.body && document.body.getAttribute("data-md-color-scheme") === "slate";
  }

  function themed() {
    var ink = dark() ? "#e2e4ea" : "#1f2328";
    var grid = dark() ? "rgba(226,228,234,0.16)" : "rgba(31,35,40,0.12)";
    return {
      "font.color": ink,
      "xaxis.gridcolor": grid, "yaxis.gridcolor": grid,
      "xaxis.zerolinecolor": grid, "yaxis.zerolinecolor": grid,
      "legend.font.color": ink
    };
  }

  // The spec as the current scheme shows it: every light palette colour swapped for its
  // dark twin (same index) in the data, layout and frames.
  function schemed(spec) {
    var palettes = spec.layout && spec.layout.meta && spec.layout.meta.ig_palettes;
    var figure = { data: spec.data, layout: spec.layout, frames: spec.frames };
    var json = JSON.stringify(figure);
    if (palettes && dark()) {
      var twin = {};
      palettes.light.forEach(function (c, i) { twin[c.toLowerCase()] = palettes.dark[i]; });
      json = json.replace(/"(#[0-9a-fA-F]{6})"/g, function (m, c) { return twin[c.toLowerCase()] ? '"' + twin[c.toLowerCase()] + '"' : m; });
    }
    figure = JSON.parse(json);
    if (palettes) figure.layout.meta.ig_palettes = palettes;
    return figure;
  }

  function applyTheme(layout) {
    var updates = themed();
    Object.keys(updates).forEach(function (path) {
      var parts = path.split("."), node = layout;
      for (var i = 0; i < parts.length - 1; i++) { node[parts[i]] = node[parts[i]] || {}; node = node[parts[i]]; }
      node[parts[parts.length - 1]] = updates[path];
    });
    return layout;
  }

  function addPngButton(figure, plot) {
    var slot = figure.querySelector(".ig-chart__png-slot");
    if (!slot || slot.firstChild) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ig-chart__png md-button";
    button.textContent = "Download PNG";
    button.addEventListener("click", function () {
      var title = figure.querySelector(".ig-chart__caption strong");
      window.Plotly.downloadImage(plot, { format: "png", scale: 3, filename: (title ? title.textContent : figure.id).replace(/[^\w-]+/g, "_") });
    });
    slot.appendChild(document.createTextNode(" · "));
    slot.appendChild(button);
  }

  // Plotly.newPlot for one figure; the promise settles once it is drawn.
  function plotFigure(figure) {
    var spec = specs[figure.id];
    var plot = figure.querySelector(".ig-chart__plot");
    var shown = schemed(spec);  // not "figure": that is the <figure> element, used below
    var plotted = window.Plotly.newPlot(plot, {
      data: shown.data, layout: applyTheme(shown.layout), frames: shown.frames,  // frames: Play and the slider
      config: { responsive: true, displaylogo: false, toImageButtonOptions: { format: "svg", filename: figure.id } }
    }).then(function () {
      drawn.push(plot);
      figure.setAttribute("data-ig-drawn", "true");
      addPngButton(figure, plot);
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (plot.offsetWidth) window.Plotly.Plots.resize(plot); }).observe(plot);
    }
    return plotted;
  }

  // The next queued figure still on the page, then a yield to the browser before the one after.
  function drawNext() {
    var figure = queued.shift();
    while (figure && !document.body.contains(figure)) figure = queued.shift();  // left by instant navigation
    if (!figure) { drawing = false; return; }
    var next = function () { setTimeout(drawNext, 0); };
    Promise.resolve(figure).then(plotFigure).then(next, function (error) { console.error(error); next(); });
  }

  function draw(figure) {
    var spec = specs[figure.id];
    var plot = figure.querySelector(".ig-chart__plot");
    if (!spec || !plot || figure.classList.contains("ig-chart--drawn")) return;
    figure.classList.add("ig-chart--drawn");
    queued.push(figure);
    if (!drawing) { drawing = true; withPlotly(drawNext); }
  }

  var visibility = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { visibility.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "200px" }) : null;

  function register(item) {
    specs[item[0]] = item[1];
    var figure = document.getElementById(item[0]);
    if (!figure) return;
    if (visibility) visibility.observe(figure); else draw(figure);
  }

  function drain() {
    var queue = window.__igCharts;
    if (queue && queue.length) queue.splice(0).forEach(register);
    window.__igCharts = { push: register, length: 0 };
  }

  function retheme() {
    drawn = drawn.filter(function (plot) { return document.body.contains(plot); });
    drawn.forEach(function (plot) {
      var holder = plot.closest(".ig-chart"), spec = holder && specs[holder.id];
      var palettes = spec && spec.layout.meta && spec.layout.meta.ig_palettes;
      if (!palettes) { window.Plotly.relayout(plot, themed()); return; }
      var figure = schemed(spec);
      var next = { data: figure.data, layout: applyTheme(figure.layout) };
      if (figure.frames) next.frames = figure.frames;
      window.Plotly.react(plot, next);
    });
  }

  drain();
  document.addEventListener("DOMContentLoaded", drain);
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(drain);
  if (window.MutationObserver) {
    var watchBody = function () {
      new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    };
    if (document.body) watchBody(); else document.addEventListener("DOMContentLoaded", watchBody);
  }
  window.addEventListener("beforeprint", function () { drawn.forEach(function (plot) { window.Plotly.Plots.resize(plot); }); });
})();
