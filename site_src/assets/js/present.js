/* Presentation mode: a lecture page (or a whole email file) shown as slides.
 *
 * - A "Present" button opens it on every lecture page and in every email file; so does key P.
 * - Slides come from the page as built: its title and what precedes the first <h2> make the
 *   title slide, then each <h2> section is one slide. In an email file each page (a
 *   section.ig-email-page) contributes its own title slide and sections, in order.
 * - Nothing is moved: the slide's elements are marked and everything else is hidden by CSS
 *   (classroom.css), so charts, toggles and quizzes keep their state.
 * - ← → PageUp PageDown Home End move, Esc leaves, N toggles the speaker notes: the
 *   instructor blocks (admonition class "instructor"), hidden on the slide itself. They only
 *   exist in the instructor edition (the student edition strips them from the HTML).
 * - Full screen where the browser allows; otherwise the slide fills the window.
 * - Material binds P and N to the previous and next page, so these keys are caught in the
 *   capture phase, before Material's handler sees them.
 */
(function () {
  "use strict";
  var SKIPPED = ".ig-edition-badge, .ig-present__open, .md-content__button, .ig-email-contents, .ig-email-colophon";
  var state = null;

  function article() {
    return document.querySelector("article.md-content__inner");
  }

  function emailPages(root) {
    return Array.prototype.slice.call(root.querySelectorAll(":scope > section.ig-email-page"));
  }

  /* A lecture page sits inside a nav section (a lecture folder); the home and Components pages do not. */
  function presentable() {
    var root = article();
    if (!root) return false;
    return emailPages(root).length > 0 ||
      !!document.querySelector(".md-nav--primary .md-nav__item--nested.md-nav__item--active");
  }

  function slidesOf(container, page) {
    var slides = [], current = { nodes: [], page: page };
    Array.prototype.forEach.call(container.children, function (node) {
      if (node.matches(SKIPPED) || node.tagName === "SCRIPT") return;
      if (node.tagName === "H2" && current.nodes.length) {
        slides.push(current);
        current = { nodes: [], page: page };
      }
      current.nodes.push(node);
    });
    if (current.nodes.length) slides.push(current);
    return slides;
  }

  function collect(root) {
    var pages = emailPages(root);
    if (!pages.length) return slidesOf(root, null);
    return pages.reduce(function (all, page) { return all.concat(slidesOf(page, page)); }, []);
  }

  function instructorEdition(root) {
    return !!(document.querySelector(".ig-edition-badge--instructor") || root.querySelector(".instructor"));
  }

  function button(label, className, onClick, title) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "md-button " + className;
    b.textContent = label;
    if (title) b.title = title;
    b.addEventListener("click", onClick);
    return b;
  }

  function buildBar(withNotes) {
    var bar = document.createElement("div");
    bar.className = "ig-present__bar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Presentation");
    var counter = document.createElement("span");
    counter.className = "ig-present__counter";
    counter.setAttribute("aria-live", "polite");
    bar.appendChild(button("← Previous", "ig-present__prev", function () { go(-1); }, "Previous slide (←, PageUp)"));
    bar.appendChild(counter);
    bar.appendChild(button("Next →", "ig-present__next", function () { go(1); }, "Next slide (→, PageDown)"));
    if (withNotes) bar.appendChild(button("Notes", "ig-present__notes-toggle", toggleNotes, "Speaker notes (N)"));
    bar.appendChild(button("Exit", "ig-present__exit", stop, "Leave the presentation (Esc)"));
    document.body.appendChild(bar);
    return bar;
  }

  function buildNotes() {
    var notes = document.createElement("aside");
    notes.className = "ig-present__notes md-typeset";
    notes.setAttribute("aria-label", "Speaker notes");
    notes.hidden = true;
    document.body.appendChild(notes);
    return notes;
  }

  function fillNotes(slide) {
    var notes = state.notes;
    if (!notes) return;
    notes.textContent = "";
    var heading = document.createElement("p");
    heading.className = "ig-present__notes-title";
    heading.textContent = "Speaker notes";
    notes.appendChild(heading);
    var blocks = [];
    slide.nodes.forEach(function (node) {
      if (node.matches(".instructor")) blocks.push(node);
      Array.prototype.push.apply(blocks, node.querySelectorAll(".instructor"));
    });
    if (!blocks.length) {
      var none = document.createElement("p");
      none.textContent = "No notes for this slide.";
      notes.appendChild(none);
    }
    blocks.forEach(function (block) {
      var copy = block.cloneNode(true);
      [copy].concat(Array.prototype.slice.call(copy.querySelectorAll("[id]"))).forEach(function (n) { n.removeAttribute("id"); });
      if (copy.tagName === "DETAILS") copy.open = true;
      notes.appendChild(copy);
    });
  }

  function resizeCharts(slide) {
    if (!window.Plotly) return;
    window.requestAnimationFrame(function () {
      slide.nodes.forEach(function (node) {
        Array.prototype.forEach.call(node.querySelectorAll(".js-plotly-plot"), function (plot) {
          if (plot.offsetWidth) window.Plotly.Plots.resize(plot);
        });
      });
    });
  }

  function show(index) {
    var slide = state.slides[index];
    state.index = index;
    state.shown.forEach(function (node) { node.classList.remove("ig-present--on"); });
    state.shown = slide.page ? slide.nodes.concat([slide.page]) : slide.nodes.slice();
    state.shown.forEach(function (node) { node.classList.add("ig-present--on"); });
    state.bar.querySelector(".ig-present__counter").textContent = (index + 1) + " / " + state.slides.length;
    state.bar.querySelector(".ig-present__prev").disabled = index === 0;
    state.bar.querySelector(".ig-present__next").disabled = index === state.slides.length - 1;
    state.root.scrollTop = 0;
    fillNotes(slide);
    resizeCharts(slide);
  }

  function go(step) {
    if (!state) return;
    var index = Math.max(0, Math.min(state.slides.length - 1, state.index + step));
    if (index !== state.index) show(index);
  }

  function toggleNotes() {
    if (!state || !state.notes) return;
    state.notes.hidden = !state.notes.hidden;
    document.documentElement.classList.toggle("ig-presenting--notes", !state.notes.hidden);
  }

  /* The slide the reader is looking at: the last one that starts above the upper third of the window. */
  function slideInView(slides) {
    var found = 0;
    slides.forEach(function (slide, i) {
      if (slide.nodes[0].getBoundingClientRect().top <= window.innerHeight / 3) found = i;
    });
    return found;
  }

  function start() {
    var root = article();
    if (state || !root) return;
    var slides = collect(root);
    if (!slides.length) return;
    var first = slideInView(slides);
    var withNotes = instructorEdition(root);
    state = { root: root, slides: slides, index: 0, shown: [], opener: document.activeElement };
    state.bar = buildBar(withNotes);
    state.notes = withNotes ? buildNotes() : null;
    document.documentElement.classList.add("ig-presenting");
    root.classList.add("ig-present-root");
    emailPages(root).forEach(function (page) { page.classList.add("ig-present-page"); });
    root.setAttribute("tabindex", "-1");
    show(first);
    root.focus({ preventScroll: true });
    var html = document.documentElement;
    if (html.requestFullscreen && document.fullscreenEnabled && !document.fullscreenElement) {
      html.requestFullscreen().then(function () { if (state) state.fullscreen = true; }, function () { /* not allowed: fill the window */ });
    }
  }

  function stop() {
    if (!state) return;
    var s = state;
    state = null;
    s.shown.forEach(function (node) { node.classList.remove("ig-present--on"); });
    document.documentElement.classList.remove("ig-presenting", "ig-presenting--notes");
    s.root.classList.remove("ig-present-root");
    s.root.removeAttribute("tabindex");
    emailPages(s.root).forEach(function (page) { page.classList.remove("ig-present-page"); });
    s.bar.remove();
    if (s.notes) s.notes.remove();
    if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () { /* already left */ });
    var where = s.slides[s.index].nodes[0];
    if (document.body.contains(where)) where.scrollIntoView();
    if (s.opener && s.opener.focus && document.body.contains(s.opener)) s.opener.focus({ preventScroll: true });
    resizeCharts({ nodes: [s.root] });
  }

  function typing(target) {
    return target && target.closest && !!target.closest("input, textarea, select, [contenteditable]");
  }

  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (!state) {
      if ((key === "p" || key === "P") && !typing(event.target) && presentable()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        start();
      }
      return;
    }
    if (key === "Escape") { stop(); }
    else if (typing(event.target)) { return; }
    else if (key === "ArrowRight" || key === "PageDown") { go(1); }
    else if (key === "ArrowLeft" || key === "PageUp") { go(-1); }
    else if (key === "Home") { show(0); }
    else if (key === "End") { show(state.slides.length - 1); }
    else if (key === "n" || key === "N") { toggleNotes(); }
    else if (key === "p" || key === "P") { /* already presenting: keep Material from leaving the page */ }
    else { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  /* A link to another part of the page goes to the slide that holds it. */
  document.addEventListener("click", function (event) {
    if (!state) return;
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link || !state.root.contains(link)) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) return;
    for (var i = 0; i < state.slides.length; i++) {
      if (state.slides[i].nodes.some(function (node) { return node.contains(target); })) {
        event.preventDefault();
        event.stopImmediatePropagation();
        show(i);
        return;
      }
    }
  }, true);

  /* Leaving full screen (the browser takes Esc for that) leaves the presentation too. */
  document.addEventListener("fullscreenchange", function () {
    if (state && state.fullscreen && !document.fullscreenElement) stop();
  });

  function addButton() {
    if (state && !document.body.contains(state.root)) stop();
    var root = article();
    if (!root || root.querySelector(":scope > .ig-present__open") || !presentable()) return;
    var open = button("Present", "ig-present__open", start, "Show this page as slides (P)");
    open.setAttribute("aria-keyshortcuts", "P");
    var badge = root.querySelector(":scope > .ig-edition-badge");
    root.insertBefore(open, badge ? badge.nextSibling : root.firstChild);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addButton); else addButton();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(addButton);
})();
