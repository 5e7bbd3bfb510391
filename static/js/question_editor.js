// The question editor's helpers; the form works without them (progressive enhancement).
//
// - The error summary of a refused save takes the focus, and each of its links focuses its field.
// - "Find a topic" filters the topic checkboxes as one types; Enter ticks the first one shown.
// - A draft autosaves in this browser (localStorage, one per question, "new" for a new one) as
//   the author types; opening the editor again offers "Restore draft / Discard". A successful
//   save clears it. Nothing unsaved is ever sent to the server.
(function () {
  "use strict";

  var form = document.getElementById("question-form");
  if (!form) return;

  // -- the error summary ------------------------------------------------------------------------

  function fieldFocus(target) {
    if (!target.matches("input, textarea, select, button")) {
      target = target.querySelector("input:not([type=hidden]), textarea, select") || target;
    }
    var place = target.closest(".field, fieldset, .option-row") || target;
    target.focus({ preventScroll: true });
    place.scrollIntoView({ block: "start" });
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      fieldFocus(target);
    });
  }

  // -- the topic finder -------------------------------------------------------------------------

  var finder = form.querySelector("[data-topic-filter]");
  var choices = document.getElementById("topic-choices");
  if (finder && choices) {
    var search = finder.querySelector("input[type=search]");
    var count = finder.querySelector("[data-topic-count]");
    var items = Array.prototype.slice.call(choices.querySelectorAll("li"));
    finder.hidden = false;

    var shown = function () {
      return items.filter(function (item) { return !item.hidden; });
    };
    var filter = function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        var box = item.querySelector("input");
        item.hidden = !box.checked && !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
      var visible = shown().length;
      count.textContent = search.value ? visible + " of " + items.length + " topics shown." : "";
    };
    search.addEventListener("input", function (event) {
      event.stopPropagation();  // a search is no change to the question (no preview, no draft)
      filter();
    });
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();  // Enter here never submits the question
      var first = shown().map(function (item) { return item.querySelector("input"); })
        .filter(function (box) { return !box.checked; })[0];
      if (!first || !search.value) return;
      first.checked = true;
      first.dispatchEvent(new Event("change", { bubbles: true }));
      search.value = "";
      filter();
      count.textContent = "Chosen: " + first.labels[0].textContent + ".";
    });
  }

  // -- the draft --------------------------------------------------------------------------------

  var key = form.getAttribute("data-draft-key");
  var SUBMITTED = "question-draft-submitted";
  var SKIPPED = ["csrfmiddlewaretoken", "question_id", "action"];
  var notice = document.getElementById("draft-notice");

  function fields() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (SKIPPED.indexOf(name) === -1 && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function draftRead() {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function draftWrite() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: fields() }));
    } catch (error) { /* storage full or refused: the editor works without drafts */ }
  }

  function draftForget(name) {
    try {
      window.localStorage.removeItem(name || key);
    } catch (error) { /* nothing kept */ }
  }

  // Give the page as many option rows as the draft has (copies of the last row, renumbered).
  function optionRowsSet(wanted) {
    var list = document.getElementById("options");
    var rows = list.querySelectorAll(".option-row");
    if (!rows.length) return;
    for (var index = rows.length; index < wanted; index++) {
      var letter = String.fromCharCode(65 + index);
      var html = rows[rows.length - 1].outerHTML
        .replace(/option-\d+-/g, "option-" + index + "-")
        .replace(/value="(up|down|remove)-\d+"/g, 'value="$1-' + index + '"')
        .replace(/([Oo]ption )[A-L]\b/g, "$1" + letter);
      rows[rows.length - 1].insertAdjacentHTML("afterend", html);
      rows = list.querySelectorAll(".option-row");
      var row = rows[rows.length - 1];
      row.classList.remove("field-invalid");
      row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    }
    for (var extra = rows.length - 1; extra >= wanted; extra--) rows[extra].remove();
    rows = list.querySelectorAll(".option-row");
    rows.forEach(function (row, position) {
      row.querySelector("button[value^='up-']").disabled = position === 0;
      row.querySelector("button[value^='down-']").disabled = position === rows.length - 1;
    });
    form.querySelector("input[name=option_count]").value = rows.length;
  }

  function draftApply(pairs) {
    var values = {};
    pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    optionRowsSet(parseInt((values.option_count || ["0"])[0], 10) || 0);
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || SKIPPED.indexOf(name) !== -1 || name === "option_count") return;
      var given = values[name] || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = given.indexOf(element.value) !== -1;
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = given.indexOf(option.value) !== -1;
        });
      } else if (element.tagName !== "BUTTON") {
        element.value = given.length ? given[0] : "";
      }
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // the preview follows
  }

  var submitted = null;
  try {
    submitted = JSON.parse(window.sessionStorage.getItem(SUBMITTED) || "null");
    window.sessionStorage.removeItem(SUBMITTED);
  } catch (error) { /* no session storage: nothing to follow up */ }

  if (submitted && submitted.action === "save" && !summary) {
    draftForget(submitted.key);  // saved: the draft is the question now
  } else if (submitted && submitted.key === key) {
    draftWrite();  // the page shows what was sent (refused, or an option added): that is the draft
  } else {
    var draft = draftRead();
    if (draft && notice && JSON.stringify(draft.fields) !== JSON.stringify(fields())) {
      var when = notice.querySelector("[data-draft-time]");
      when.textContent = " (" + new Date(draft.savedAt).toLocaleString() + ")";
      notice.hidden = false;
      notice.querySelector("[data-draft-restore]").addEventListener("click", function () {
        draftApply(draft.fields);
        notice.hidden = true;
        form.querySelector("textarea, input:not([type=hidden])").focus();
      });
      notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
        draftForget();
        notice.hidden = true;
        form.querySelector("textarea, input:not([type=hidden])").focus();
      });
    }
  }

  form.addEventListener("input", draftWrite);
  form.addEventListener("change", draftWrite);
  form.addEventListener("submit", function (event) {
    var action = event.submitter && event.submitter.name === "action" ? event.submitter.value : "save";
    draftWrite();
    try {
      window.sessionStorage.setItem(SUBMITTED, JSON.stringify({ key: key, action: action }));
    } catch (error) { /* the draft stays until discarded */ }
  });
})();
