// The sandbox's code editor: a real <textarea> (so typing, selection, undo, screen readers and
// the form all work as usual) laid over a highlighted copy of its text, with a line-number
// gutter. Keys: Tab inserts 4 spaces (or indents the selected lines), Shift+Tab dedents,
// Enter keeps the indentation and adds a level after a line ending in ":". Esc releases Tab,
// so the next Tab moves focus out of the editor, as keyboard users expect.
(function () {
  "use strict";

  var INDENT = "    ";
  var MIN_ROWS = 22;
  var KEYWORDS = new Set(("False None True and as assert async await break class continue def del " +
    "elif else except finally for from global if import in is lambda nonlocal not or pass raise " +
    "return try while with yield match case").split(" "));
  var BUILTINS = new Set(("print len range dict list set tuple str int float bool isinstance " +
    "enumerate zip sorted min max sum any all open repr type super object Exception ValueError " +
    "KeyError TypeError RuntimeError getattr setattr hasattr iter next abs round map filter " +
    "bytes format self").split(" "));
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                                  // 1 comment
    "((?:[rRbBuUfF]{0,2})(?:\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?))", // 2 string
    "(@[A-Za-z_][\\w.]*)",                                         // 3 decorator
    "\\b(\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\b",            // 4 number
    "([A-Za-z_]\\w*)"                                              // 5 name
  ].join("|"), "g");

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function span(cls, text) {
    return '<span class="' + cls + '">' + escapeHtml(text) + "</span>";
  }

  function highlight(source) {
    var out = "";
    var last = 0;
    var afterDef = false;
    TOKEN.lastIndex = 0;
    var match;
    while ((match = TOKEN.exec(source)) !== null) {
      if (match[0] === "") { TOKEN.lastIndex++; continue; }
      out += escapeHtml(source.slice(last, match.index));
      last = TOKEN.lastIndex;
      if (match[1]) { out += span("tok-com", match[1]); }
      else if (match[2]) { out += span("tok-str", match[2]); }
      else if (match[3]) { out += span("tok-deco", match[3]); }
      else if (match[4]) { out += span("tok-num", match[4]); }
      else if (match[5]) {
        var word = match[5];
        if (afterDef) { out += span("tok-def", word); afterDef = false; continue; }
        if (KEYWORDS.has(word)) {
          out += span("tok-kw", word);
          afterDef = word === "def" || word === "class";
          continue;
        }
        out += BUILTINS.has(word) ? span("tok-builtin", word) : escapeHtml(word);
      }
      afterDef = false;
    }
    return out + escapeHtml(source.slice(last)) + "\n";
  }

  function lineStart(text, index) {
    return text.lastIndexOf("\n", index - 1) + 1;
  }

  // Replace [start, end) with text through the browser's editing command where possible, so
  // the change lands on the undo stack; fall back to setRangeText.
  function replaceRange(area, start, end, text, selectStart, selectEnd) {
    area.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (error) { done = false; }
    if (!done || area.value.slice(start, start + text.length) !== text) {
      area.setRangeText(text, start, end, "end");
    }
    area.setSelectionRange(selectStart, selectEnd === undefined ? selectStart : selectEnd);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function indentLines(area, dedent) {
    var value = area.value;
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var first = lineStart(value, start);
    var blockEnd = end > start && value[end - 1] === "\n" ? end - 1 : end;
    var lines = value.slice(first, blockEnd).split("\n");
    var removedFirst = 0;
    var changed = lines.map(function (line, i) {
      if (!dedent) { return INDENT + line; }
      var strip = line.match(/^ {1,4}|^\t/);
      var n = strip ? strip[0].length : 0;
      if (i === 0) { removedFirst = n; }
      return line.slice(n);
    }).join("\n");
    var delta = changed.length - (blockEnd - first);
    var newStart = dedent ? Math.max(first, start - removedFirst) : start + INDENT.length;
    replaceRange(area, first, blockEnd, changed, newStart, end + delta);
  }

  function onKeyDown(event, area, state) {
    if (event.key === "Escape") { state.tabReleased = true; return; }
    if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (state.tabReleased) { state.tabReleased = false; return; }
      event.preventDefault();
      var start = area.selectionStart;
      var end = area.selectionEnd;
      var multiline = area.value.slice(start, end).indexOf("\n") !== -1;
      if (event.shiftKey || multiline) { indentLines(area, event.shiftKey); return; }
      var column = start - lineStart(area.value, start);
      var spaces = INDENT.slice(column % INDENT.length);
      replaceRange(area, start, end, spaces, start + spaces.length);
      return;
    }
    state.tabReleased = false;
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !event.isComposing) {
      event.preventDefault();
      var pos = area.selectionStart;
      var line = area.value.slice(lineStart(area.value, pos), pos);
      var indent = line.match(/^[ \t]*/)[0];
      if (/:\s*(#.*)?$/.test(line)) { indent += INDENT; }
      replaceRange(area, pos, area.selectionEnd, "\n" + indent, pos + 1 + indent.length);
      return;
    }
    if (event.key === "Backspace" && area.selectionStart === area.selectionEnd) {
      var at = area.selectionStart;
      var before = area.value.slice(lineStart(area.value, at), at);
      if (before.length && /^ +$/.test(before)) {
        event.preventDefault();
        var remove = before.length % INDENT.length || INDENT.length;
        replaceRange(area, at - remove, at, "", at - remove);
      }
    }
  }

  function enhance(container) {
    if (container.classList.contains("is-enhanced")) { return; }
    var area = container.querySelector("textarea");
    if (!area) { return; }
    var gutter = document.createElement("pre");
    gutter.className = "editor-gutter";
    gutter.setAttribute("aria-hidden", "true");
    var wrap = document.createElement("div");
    wrap.className = "editor-area";
    var layer = document.createElement("pre");
    layer.className = "editor-highlight";
    layer.setAttribute("aria-hidden", "true");
    var code = document.createElement("code");
    layer.appendChild(code);
    area.parentNode.insertBefore(gutter, area);
    area.parentNode.insertBefore(wrap, area);
    wrap.appendChild(layer);
    wrap.appendChild(area);
    container.classList.add("is-enhanced");
    area.setAttribute("aria-describedby", "code-help");
    var state = { tabReleased: false, lines: 0 };

    function render() {
      code.innerHTML = highlight(area.value);
      var count = area.value.split("\n").length;
      if (count !== state.lines) {
        // The textarea grows with its text, so the gutter and the highlighted copy stay in line.
        area.rows = Math.max(MIN_ROWS, count + 1);
        var numbers = [];
        for (var i = 1; i <= count; i++) { numbers.push(i); }
        gutter.textContent = numbers.join("\n") + "\n";
        state.lines = count;
      }
      sync();
    }

    function sync() {
      layer.scrollTop = area.scrollTop;
      layer.scrollLeft = area.scrollLeft;
      gutter.scrollTop = area.scrollTop;
    }

    area.addEventListener("input", render);
    area.addEventListener("scroll", sync);
    area.addEventListener("keydown", function (event) { onKeyDown(event, area, state); });
    if (window.ResizeObserver) { new ResizeObserver(sync).observe(area); }
    render();
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("[data-editor]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
  if (document.readyState !== "loading") { enhanceAll(document); }
})();
