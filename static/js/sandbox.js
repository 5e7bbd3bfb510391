// The function page: after Run, the result panel comes into view and takes the focus, so a
// keyboard or screen-reader user lands on it and a sighted one sees it without scrolling.
// Only the answer to Run carries data-show; the panel's polling updates never move the page
// (they keep the focus on the heading when it had it).
(function () {
  "use strict";

  function show() {
    var panel = document.querySelector("#result[data-show]");
    if (!panel) return;
    panel.removeAttribute("data-show");
    var heading = panel.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    panel.scrollIntoView({ block: "start" });
  }

  // A run is followed by polling, which swaps the whole panel: the heading that had the focus
  // is replaced, so its successor takes the focus back (without scrolling the page).
  var headingHadFocus = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var focused = document.activeElement;
    headingHadFocus = !!(focused && focused.id === "result-heading" &&
      event.detail.target && event.detail.target.id === "result");
  });

  function keepFocus() {
    if (!headingHadFocus) return;
    headingHadFocus = false;
    var heading = document.getElementById("result-heading");
    if (heading && document.activeElement !== heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:afterSettle", function () {
    keepFocus();
    show();
  });
  document.addEventListener("DOMContentLoaded", show);
})();
