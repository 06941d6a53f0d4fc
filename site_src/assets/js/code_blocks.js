/* Code blocks: every one takes keyboard focus until Material has looked at it.
 *
 * With content.lazy (mkdocs.yml) Material sets up a code block only as it comes into view:
 * its copy button, and a tabindex if it scrolls sideways (removed if it does not). Until
 * then each block is focusable here, so a block that scrolls is never out of the
 * keyboard's reach (axe: scrollable-region-focusable). Setting an attribute measures
 * nothing, so this adds no layout work to the page's start.
 */
(function () {
  "use strict";
  function focusable() {
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset pre > code:not([tabindex])"), function (code) {
      code.setAttribute("tabindex", "0");
    });
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(focusable);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusable);
  else focusable();
})();
