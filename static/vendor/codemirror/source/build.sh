#!/usr/bin/env bash
# Rebuild ../codemirror.js, the sandbox editor's CodeMirror 6 bundle, from the pinned packages in
# package.json. Needs Node.js and npm; neither `make run` nor the tests do: the built file is
# committed. Run it after changing a version in package.json, and commit both.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --silent
npx esbuild editor-bundle.js --bundle --minify --format=iife --global-name=StudyCodeMirror \
  --legal-comments=eof --target=es2020 --outfile=../codemirror.js
rm -rf node_modules
echo "built $(wc -c < ../codemirror.js) bytes into static/vendor/codemirror/codemirror.js"
