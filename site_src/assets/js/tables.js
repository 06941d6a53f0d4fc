/* Data tables: a text filter over the rows. Without JavaScript the full table shows. */
(function () {
  "use strict";
  function setup(root) {
    if (root.getAttribute("data-ig-ready")) return;
    root.setAttribute("data-ig-ready", "true");
    var filter = root.querySelector(".ig-data-table__filter");
    var input = root.querySelector(".ig-data-table__input");
    var count = root.querySelector(".ig-data-table__count");
    var rows = Array.prototype.slice.call(root.querySelectorAll("tbody tr"));
    if (!filter || !input) return;
    filter.hidden = false;
    function update() {
      var needle = input.value.trim().toLowerCase(), shown = 0;
      rows.forEach(function (row) {
        var match = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
        row.hidden = !match;
        if (match) shown++;
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", update);
    update();
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll(".ig-data-table"), setup); }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(all);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
