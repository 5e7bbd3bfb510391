// What the sandbox's editor uses from CodeMirror 6, bundled by build.sh into ../codemirror.js as
// the global `StudyCodeMirror` (static/js/editor.js builds the editor from it).
export { EditorState, Compartment } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, rectangularSelection, crosshairCursor, dropCursor,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  indentOnInput, bracketMatching, foldGutter, foldKeymap, syntaxHighlighting,
  indentUnit,
} from "@codemirror/language";
export { searchKeymap, highlightSelectionMatches, search } from "@codemirror/search";
export { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
export { classHighlighter } from "@lezer/highlight";
export { python } from "@codemirror/lang-python";
export { javascript } from "@codemirror/lang-javascript";
