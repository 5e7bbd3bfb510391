// The sandbox's code editor: CodeMirror 6 (static/vendor/codemirror/codemirror.js) in place of
// the form's <textarea>, which stays in the page, hidden, and receives every change, so the form
// and htmx post the code as before and the page still works without JavaScript.
//
// Python or JavaScript highlighting follows the container's data-language (shell is plain text);
// indentation, bracket matching and closing, search (Ctrl/Cmd+F), undo history and folding come
// with it. Tab indents; Esc then Tab moves focus out of the editor, as keyboard users expect.
//
// The runtime picker (the form's "runtime" select) drives the editor: picking a runtime switches
// the language and puts that runtime's code, handler and file name in place: what the learner
// wrote for it earlier on this page, else the function's own (its runtime), else a starter
// (the JSON named by data-runtime-editor, from studyapp/sandbox/starters.py). Nothing typed is
// lost by switching back and forth. Without the bundle, the plain textarea switches the same way.
(function () {
  "use strict";

  var CM = window.StudyCodeMirror;

  function languageFor(name) {
    if (name === "javascript") return CM.javascript();
    if (name === "python") return CM.python();
    return [];  // shell and anything else: plain text
  }

  function labelOf(area) {
    var label = area.id && document.querySelector('label[for="' + area.id + '"]');
    return label ? label.textContent.trim() : "Code";
  }

  function contentAttributes(area) {
    return CM.EditorView.contentAttributes.of({
      "aria-label": labelOf(area),
      "aria-describedby": area.getAttribute("aria-describedby") || "",
      "data-testid": "code-editor"
    });
  }

  function enhance(container) {
    var area = container.querySelector("textarea");
    if (!area || container.classList.contains("is-enhanced")) return;
    var nonce = container.getAttribute("data-csp-nonce") || "";
    var language = new CM.Compartment();
    var labelling = new CM.Compartment();
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
      language.of(languageFor(container.getAttribute("data-language"))),
      CM.EditorView.lineWrapping,
      labelling.of(contentAttributes(area)),
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
    container.setLanguage = function (name) {
      container.setAttribute("data-language", name);
      view.dispatch({
        effects: [
          language.reconfigure(languageFor(name)),
          labelling.reconfigure(contentAttributes(area))  // "Code of <the file>" as relabelled
        ]
      });
    };
    // A label click focuses the editor, as it focused the textarea.
    var label = area.id && document.querySelector('label[for="' + area.id + '"]');
    if (label) label.addEventListener("click", function () { view.focus(); });
  }

  // -- the runtime picker ------------------------------------------------------------------

  function codeOf(container) {
    if (container.editorView) return container.editorView.state.doc.toString();
    return container.querySelector("textarea").value;
  }

  function codeSet(container, text) {
    var view = container.editorView;
    if (view) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    } else {
      container.querySelector("textarea").value = text;
    }
  }

  function followRuntime(container) {
    var source = document.getElementById(container.getAttribute("data-runtime-editor") || "");
    var form = container.closest("form");
    var picker = form && form.querySelector('select[name="runtime"]');
    if (!source || !picker || picker.hasAttribute("data-followed")) return;
    picker.setAttribute("data-followed", "");
    var drafts = JSON.parse(source.textContent);
    var handler = form.querySelector('input[name="handler"]');
    var fileLabels = document.querySelectorAll("[data-code-file]");
    var current = picker.value;
    picker.addEventListener("change", function () {
      var next = picker.value;
      if (!drafts[next] || next === current) return;
      if (drafts[current]) {
        drafts[current].code = codeOf(container);
        if (handler) drafts[current].handler = handler.value;
      }
      var draft = drafts[next];
      current = next;
      fileLabels.forEach(function (label) { label.textContent = draft.file; });
      if (container.setLanguage) container.setLanguage(draft.language);
      else container.setAttribute("data-language", draft.language);
      codeSet(container, draft.code);
      if (handler) handler.value = draft.handler;
    });
  }

  function enhanceAll(root) {
    var containers = root.querySelectorAll("[data-editor]");
    // Without the bundle the plain textarea still works (and still follows the runtime).
    if (CM) containers.forEach(enhance);
    containers.forEach(followRuntime);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
