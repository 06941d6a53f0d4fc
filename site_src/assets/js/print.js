/* Print: every toggle prints open.
 *
 * Chromium does not lay out the content of a closed <details>, whatever the CSS says (only
 * ::details-content, in recent versions, can change that; ig.css uses it for readers
 * without JavaScript). So the closed toggles are opened just before printing and closed
 * again afterwards, leaving the page as the reader had it.
 */
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (toggle) {
      toggle.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (toggle) { toggle.open = false; });
    opened = [];
  });
})();
