// The sandbox's code editor: CodeMirror 6 (static/vendor/codemirror/codemirror.js) in place of
// the form's <textarea>, which stays in the page, hidden, and receives every change, so the form
// and htmx post the code as before and the page still works without JavaScript.
//
// Python or JavaScript highlighting follows the container's data-language; indentation, bracket
// matching and closing, search (Ctrl/Cmd+F), undo history and folding come with it. Tab indents;
// Esc then Tab moves focus out of the editor, as keyboard users expect.
(function () {
  "use strict";

  var CM = window.StudyCodeMirror;

  function languageFor(name) {
    if (name === "javascript") return CM.javascript();
    return CM.python();
  }

  function labelOf(area) {
    var label = area.id && document.querySelector('label[for="' + area.id + '"]');
    return label ? label.textContent.trim() : "Code";
  }

  function enhance(container) {
    var area = container.querySelector("textarea");
    if (!area || container.classList.contains("is-enhanced")) return;
    var nonce = container.getAttribute("data-csp-nonce") || "";
    var extensions = [
      CM.lineNumbers(),
      CM.highlightActiveLineGutter(),
      CM.highlightSpecialChars(),
      CM.history(),
      CM.foldGutter(),
      CM.drawSelection(),
      CM.dropCursor(),
      CM.EditorState.allowMultipleSelections.of(true),
      CM.indentOnInput(),
      CM.indentUnit.of("    "),
      CM.syntaxHighlighting(CM.classHighlighter),  // tok-* classes, coloured in sandbox.css
      CM.bracketMatching(),
      CM.closeBrackets(),
      CM.rectangularSelection(),
      CM.crosshairCursor(),
      CM.highlightActiveLine(),
      CM.highlightSelectionMatches(),
      CM.search({ top: true }),
      CM.keymap.of([].concat(
        CM.closeBracketsKeymap, CM.defaultKeymap, CM.searchKeymap, CM.historyKeymap,
        CM.foldKeymap, [CM.indentWithTab]
      )),
      languageFor(container.getAttribute("data-language")),
      CM.EditorView.lineWrapping,
      CM.EditorView.contentAttributes.of({
        "aria-label": labelOf(area),
        "aria-describedby": area.getAttribute("aria-describedby") || "",
        "data-testid": "code-editor"
      }),
      CM.EditorView.updateListener.of(function (update) {
        if (update.docChanged) {
          area.value = update.state.doc.toString();
          area.dispatchEvent(new Event("input", { bubbles: true }));
        }
      })
    ];
    if (nonce) extensions.push(CM.EditorView.cspNonce.of(nonce));
    var view = new CM.EditorView({
      state: CM.EditorState.create({ doc: area.value, extensions: extensions }),
      parent: container
    });
    area.hidden = true;
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    container.classList.add("is-enhanced");
    container.editorView = view;
    // A label click focuses the editor, as it focused the textarea.
    var label = area.id && document.querySelector('label[for="' + area.id + '"]');
    if (label) label.addEventListener("click", function () { view.focus(); });
  }

  function enhanceAll(root) {
    if (!CM) return;  // the bundle did not load: the plain textarea still works
    root.querySelectorAll("[data-editor]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
