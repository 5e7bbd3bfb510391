// The review session by keyboard: Space shows the answer, 1-4 answer, U undoes.
// It also measures the time from showing the answer to answering, sent as duration_ms.
(function () {
  "use strict";

  var revealedAt = null;
  var pending = null; // a key pressed while new content was still settling

  // htmx marks swapped-in content "htmx-added" until it has wired it up (about 20 ms later);
  // a key pressed in between waits for that instead of clicking a button that does nothing yet.
  function settling() {
    return document.querySelector(
      "#review-session.htmx-added, #review-session .htmx-added, #review-session.htmx-settling"
    );
  }

  function act(action) {
    if (settling()) {
      pending = action;
    } else {
      action();
    }
  }

  function inSession(selector) {
    return document.querySelector("#review-session " + selector);
  }

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("review-session")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      // A focused button or link answers Space itself.
      if (event.target.closest && event.target.closest("button, a, summary")) return;
      event.preventDefault();
      act(function () {
        var reveal = inSession(".review-reveal");
        if (reveal) reveal.click();
      });
    } else if (key === "1" || key === "2" || key === "3" || key === "4") {
      event.preventDefault();
      act(function () {
        var rating = inSession('.review-ratings button[value="' + key + '"]');
        if (rating) rating.click();
      });
    } else if (key === "u" || key === "U") {
      event.preventDefault();
      act(function () {
        var undo = inSession(".review-undo button");
        if (undo) undo.click();
      });
    }
  });

  // Runs before htmx's own submit handler (capture phase on the document).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.matches || !form.matches(".review-ratings")) return;
      var field = form.querySelector('input[name="duration_ms"]');
      if (field && revealedAt !== null) {
        field.value = String(Math.round(performance.now() - revealedAt));
      }
    },
    true
  );

  function settled(element) {
    if (!element || !element.id) return;
    if (element.id === "review-answer" && element.dataset.revealed) {
      revealedAt = performance.now();
      var first = element.querySelector(".review-ratings button");
      if (first && document.activeElement === document.body) {
        // Keep keyboard users in place: focus stays in the card, not lost to the page.
        document.getElementById("review-card").focus({ preventScroll: true });
      }
    } else if (element.id === "review-session") {
      revealedAt = null;
      var card = document.getElementById("review-card") || document.getElementById("review-summary");
      if (card) card.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:load", function (event) {
    settled(event.detail.elt);
    if (pending && !settling()) {
      var action = pending;
      pending = null;
      action();
    }
  });

  // A page opened on a revealed card (without htmx) starts timing at once.
  document.addEventListener("DOMContentLoaded", function () {
    var answer = document.querySelector("#review-answer[data-revealed]");
    if (answer) revealedAt = performance.now();
  });
})();
