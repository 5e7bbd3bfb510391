// Quiz pages: keyboard shortcuts and the exam countdown.
// The server keeps the deadline and refuses late answers; the countdown only shows the time left
// (with a warning at 15 and at 5 minutes, as the exam's own screen gives) and reloads the page
// when it reaches zero, so the server can submit the exam as it stands.
(function () {
  "use strict";

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function format(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return h + ":" + pad(m) + ":" + pad(seconds % 60);
  }

  const WARNINGS = [
    [300, "is-low", "Less than 5 minutes left: answer what is still open, then review."],
    [900, "is-warn", "Less than 15 minutes left."],
  ];

  function startCountdown(el) {
    const remaining = Number(el.dataset.remaining);
    if (!Number.isFinite(remaining)) return;
    // Count from the server's figure, not the device's clock, which may be wrong.
    const end = Date.now() + remaining * 1000;
    const warning = document.querySelector("[data-time-warning]");
    let reloading = false;
    let shown = null;
    function warn(left) {
      const level = WARNINGS.find(function (w) { return left <= w[0]; }) || null;
      WARNINGS.forEach(function (w) { el.classList.toggle(w[1], w === level); });
      if (!warning || level === shown) return;
      shown = level;
      warning.hidden = level === null;
      warning.textContent = level ? level[2] : "";
    }
    function tick() {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = format(left);
      warn(left);
      if (left === 0 && !reloading) {
        reloading = true;
        window.location.reload();
      }
    }
    tick();
    window.setInterval(tick, 1000);
  }

  document.querySelectorAll("[data-countdown]").forEach(startCountdown);

  function isTyping(target) {
    return Boolean(
      target.closest &&
        target.closest("input[type=text], input[type=number], textarea, select, [contenteditable]")
    );
  }

  function clickFirst(selector, event) {
    const el = document.querySelector(selector);
    if (!el) return false;
    event.preventDefault();
    el.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const form = document.querySelector("form[data-quiz-keys]");
    const key = event.key.toLowerCase();
    if (key === "n") return void clickFirst('[data-key="next"]', event);
    if (key === "p") return void clickFirst('[data-key="previous"]', event);
    if (key === "r") return void clickFirst('[data-key="review"]', event);
    if (key === "f" && clickFirst('[data-key="flag"]', event)) return;
    if (key === "enter") {
      if (event.target.closest && event.target.closest("a, button, summary")) return;
      if (form && !form.hasAttribute("data-exam")) {
        event.preventDefault();
        form.requestSubmit();
      } else {
        clickFirst('[data-key="next"]', event);
      }
      return;
    }
    if (!form) return;
    let index = -1;
    if (/^[1-6]$/.test(key)) index = Number(key) - 1;
    else if (/^[a-f]$/.test(key)) index = key.charCodeAt(0) - 97;
    const inputs = form.querySelectorAll('input[name="option"]');
    if (index < 0 || index >= inputs.length) return;
    event.preventDefault();
    const input = inputs[index];
    input.checked = input.type === "checkbox" ? !input.checked : true;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
