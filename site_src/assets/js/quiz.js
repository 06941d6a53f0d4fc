/* Quiz runtime: makes every form.ig-quiz (templates/components/quiz.html) checkable.
 *
 * - Check: the chosen options' feedback goes into the quiz's role="status" line, and the
 *   answer key (the <details> a reader without JavaScript opens) becomes available.
 * - Answers are kept in localStorage, one entry per page (per page section in an email file,
 *   where several pages share one file), keyed by the question's text.
 * - A score summary closes each page that has quizzes.
 * - Material's instant navigation swaps the page content: forms are set up again on document$.
 */
(function () {
  "use strict";
  var PREFIX = "ig-quiz:";

  function scopeOf(form) {
    return form.closest("section.ig-email-page") || form.closest("article") || document.body;
  }

  function storageKey(scope) {
    var page = scope.getAttribute && scope.getAttribute("data-ig-page");
    return PREFIX + window.location.pathname + (page ? "#" + page : "");
  }

  function load(scope) {
    try { return JSON.parse(window.localStorage.getItem(storageKey(scope)) || "{}") || {}; } catch (e) { return {}; }
  }

  function save(scope, answers) {
    try { window.localStorage.setItem(storageKey(scope), JSON.stringify(answers)); } catch (e) { /* storage off: still works */ }
  }

  function questionKey(form) {
    var text = form.querySelector(".ig-quiz__question .ig-quiz__text");
    return (text ? text.textContent : form.id).replace(/\s+/g, " ").trim();
  }

  function inputs(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".ig-quiz__input"));
  }

  function keyItem(form, index) {
    return form.querySelector('.ig-quiz__key-item[data-ig-option="' + index + '"]');
  }

  function rightAnswers(form) {
    return Array.prototype.map.call(form.querySelectorAll(".ig-quiz__key-item--correct"), function (item) {
      return Number(item.getAttribute("data-ig-option"));
    });
  }

  function feedbackOf(form, index) {
    var item = keyItem(form, index);
    var feedback = item && item.querySelector(".ig-quiz__feedback");
    var text = item && item.querySelector(".ig-quiz__option-text");
    var p = document.createElement("p");
    p.className = "ig-quiz__status-feedback";
    var strong = document.createElement("strong");
    strong.innerHTML = text ? text.innerHTML : "";
    p.appendChild(strong);
    if (feedback) {
      p.appendChild(document.createTextNode(": "));
      var span = document.createElement("span");
      span.innerHTML = feedback.innerHTML;
      p.appendChild(span);
    }
    return p;
  }

  /* Marks the chosen options, writes the verdict and feedback; returns whether it was right. */
  function evaluate(form, chosen) {
    var right = rightAnswers(form);
    var status = form.querySelector(".ig-quiz__status");
    var hits = chosen.filter(function (i) { return right.indexOf(i) >= 0; }).length;
    var correct = hits === right.length && chosen.length === right.length;
    inputs(form).forEach(function (input) {
      var option = input.closest(".ig-quiz__option");
      var index = Number(input.value);
      option.classList.remove("ig-quiz__option--right", "ig-quiz__option--wrong");
      if (chosen.indexOf(index) >= 0) {
        option.classList.add(right.indexOf(index) >= 0 ? "ig-quiz__option--right" : "ig-quiz__option--wrong");
      }
    });
    status.textContent = "";
    var verdict = document.createElement("p");
    verdict.className = "ig-quiz__verdict-line ig-quiz__verdict-line--" + (correct ? "right" : "wrong");
    if (correct) {
      verdict.textContent = "Correct.";
    } else if (form.getAttribute("data-ig-quiz-kind") === "checkbox") {
      verdict.textContent = "Not quite: " + hits + " of " + right.length + " right answers chosen, " +
        (chosen.length - hits) + " wrong.";
    } else {
      verdict.textContent = "Not quite.";
    }
    status.appendChild(verdict);
    chosen.forEach(function (index) { status.appendChild(feedbackOf(form, index)); });
    form.classList.add("ig-quiz--checked");
    var answer = form.querySelector(".ig-quiz__answer");
    if (answer) answer.hidden = false;
    return correct;
  }

  function updateScore(scope) {
    var forms = Array.prototype.slice.call(scope.querySelectorAll("form.ig-quiz"));
    if (!forms.length) return;
    var answers = load(scope);
    var answered = 0, right = 0;
    forms.forEach(function (form) {
      var saved = answers[questionKey(form)];
      if (saved) { answered += 1; if (saved.correct) right += 1; }
    });
    var box = scope.querySelector(":scope > .ig-quiz-score");
    if (!box) {
      box = document.createElement("aside");
      box.className = "ig-quiz-score";
      box.setAttribute("aria-label", "Quiz score");
      box.innerHTML = '<p class="ig-quiz-score__line"><span class="ig-quiz-score__label">Quiz score</span> ' +
        '<span class="ig-quiz-score__text"></span> ' +
        '<button type="button" class="md-button ig-quiz-score__reset">Clear my answers</button></p>';
      box.querySelector(".ig-quiz-score__reset").addEventListener("click", function () { reset(scope); });
      scope.appendChild(box);
    }
    box.querySelector(".ig-quiz-score__text").textContent = right + " of " + forms.length + " correct" +
      (answered < forms.length ? " (" + answered + " of " + forms.length + " answered)." : ".");
    box.querySelector(".ig-quiz-score__reset").hidden = answered === 0;
  }

  function reset(scope) {
    try { window.localStorage.removeItem(storageKey(scope)); } catch (e) { /* nothing stored */ }
    Array.prototype.forEach.call(scope.querySelectorAll("form.ig-quiz"), function (form) {
      inputs(form).forEach(function (input) {
        input.checked = false;
        input.closest(".ig-quiz__option").classList.remove("ig-quiz__option--right", "ig-quiz__option--wrong");
      });
      form.querySelector(".ig-quiz__status").textContent = "";
      form.classList.remove("ig-quiz--checked");
      var answer = form.querySelector(".ig-quiz__answer");
      if (answer) { answer.open = false; answer.hidden = true; }
    });
    updateScore(scope);
  }

  function setUp(form) {
    if (form.getAttribute("data-ig-quiz-ready")) return;
    form.setAttribute("data-ig-quiz-ready", "true");
    form.classList.add("ig-quiz--live");
    var actions = form.querySelector(".ig-quiz__actions");
    if (actions) actions.hidden = false;
    var answer = form.querySelector(".ig-quiz__answer");
    if (answer) answer.hidden = true;
    var scope = scopeOf(form);
    var saved = load(scope)[questionKey(form)];
    if (saved && saved.chosen) {
      inputs(form).forEach(function (input) { input.checked = saved.chosen.indexOf(Number(input.value)) >= 0; });
      evaluate(form, saved.chosen);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = inputs(form).filter(function (i) { return i.checked; }).map(function (i) { return Number(i.value); });
      if (!chosen.length) {
        form.querySelector(".ig-quiz__status").textContent = "Choose an answer first.";
        return;
      }
      var answers = load(scope);
      answers[questionKey(form)] = { chosen: chosen, correct: evaluate(form, chosen) };
      save(scope, answers);
      updateScore(scope);
    });
  }

  function setUpAll() {
    var scopes = [];
    Array.prototype.forEach.call(document.querySelectorAll("form.ig-quiz"), function (form) {
      setUp(form);
      var scope = scopeOf(form);
      if (scopes.indexOf(scope) < 0) scopes.push(scope);
    });
    scopes.forEach(updateScore);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll); else setUpAll();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setUpAll);
})();
