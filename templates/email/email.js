/* What an email file does with JavaScript (inlined by exports/email_document.py).
 *
 * - Each chart's picture is in the file once, as its static image: the "Download" link,
 *   hidden without JavaScript, gets that image's data: URI.
 * - plotly.js, the chart runtime and each chart's figure sit in the file gzipped (base64
 *   in <script type="application/gzip">). They are unpacked with DecompressionStream and
 *   run in document order: the figures queue themselves, then the runtime draws them.
 *   Without DecompressionStream (or JavaScript) the charts stay static images: the ig-js
 *   class that the page's <head> sets (for the chart runtime) comes off again.
 */
(function () {
  "use strict";
  document.querySelectorAll("a[data-ig-save-image]").forEach(function (link) {
    var figure = link.closest("figure");
    var image = figure && figure.querySelector("img.ig-chart__static");
    if (!image) return;
    link.setAttribute("href", image.getAttribute("src"));
    link.setAttribute("download", link.getAttribute("data-ig-save-image"));
  });
  document.querySelectorAll("[data-ig-shown-with-js]").forEach(function (element) {
    element.removeAttribute("hidden");
  });

  function staticCharts() { document.documentElement.classList.remove("ig-js"); }

  var packed = Array.prototype.slice.call(document.querySelectorAll('script[type="application/gzip"]'));
  if (!packed.length || !window.DecompressionStream) { staticCharts(); return; }

  function unpack(block) {
    var binary = atob(block.textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  Promise.all(packed.map(unpack)).then(function (sources) {
    sources.forEach(function (source, i) {
      var script = document.createElement("script");
      script.textContent = source;
      packed[i].after(script);
    });
  }).catch(function (error) {
    console.warn("email: the interactive charts could not be unpacked; showing static images", error);
    staticCharts();
  });
})();
