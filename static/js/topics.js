// Key-term tooltips on topic pages. CSS shows a term's definition on hover and on keyboard
// focus; this adds a tap to open and close it (phones) and Escape to hide it (WCAG 1.4.13).
(() => {
  "use strict";
  const OPEN = "is-open";
  const DISMISSED = "is-dismissed";

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".term-button");
    const current = button ? button.closest(".term") : null;
    for (const term of document.querySelectorAll(".term." + OPEN)) {
      if (term !== current) term.classList.remove(OPEN);
    }
    if (current) {
      current.classList.remove(DISMISSED);
      current.classList.toggle(OPEN);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const term of document.querySelectorAll(".term")) {
      if (term.matches(":hover, :focus-within, ." + OPEN)) {
        term.classList.remove(OPEN);
        term.classList.add(DISMISSED);
      }
    }
  });

  const undismiss = (event) => {
    if (event.target instanceof Element && event.target.matches(".term")) {
      event.target.classList.remove(DISMISSED);
    }
  };
  document.addEventListener("mouseleave", undismiss, true);
  document.addEventListener("focusout", (event) => {
    const term = event.target instanceof Element ? event.target.closest(".term") : null;
    if (term) term.classList.remove(DISMISSED, OPEN);
  });
})();
