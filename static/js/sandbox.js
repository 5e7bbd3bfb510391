// The function page: after Run, the result panel comes into view and takes the focus, so a
// keyboard or screen-reader user lands on it and a sighted one sees it without scrolling.
// Only the answer to Run carries data-show; the panel's polling updates never move the page.
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

  document.addEventListener("htmx:afterSettle", show);
  document.addEventListener("DOMContentLoaded", show);
})();
