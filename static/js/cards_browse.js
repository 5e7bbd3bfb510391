// The card browser: "Select all on this page" ticks or clears every row's box (the row boxes
// belong to the form of the bulk actions). Without JavaScript the box stays hidden.
(function () {
  "use strict";

  function rowBoxes() {
    return document.querySelectorAll('input[type="checkbox"][name="card"][form="card-bulk"]');
  }

  function reveal() {
    document.querySelectorAll("[data-select-all-label]").forEach(function (label) {
      label.hidden = false;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      rowBoxes().forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
