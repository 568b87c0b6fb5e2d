// Renders TeX to HTML with KaTeX for the docrun `katex` plugin.
//
// One process serves a whole build: each line on stdin is a JSON array of
// {"tex": string, "display": boolean}; for each line, one line goes to stdout
// with a JSON array of the same length holding {"html": string} or
// {"error": string}. A failed equation never stops the process, so the plugin
// can report every bad equation with its file and line.
//
// Usage: node katex_render.js <path to the katex package folder>
"use strict";

const readline = require("node:readline");

const katexDir = process.argv[2];
if (!katexDir) {
  process.stderr.write("usage: node katex_render.js <katex package folder>\n");
  process.exit(2);
}
const katex = require(katexDir);

function renderOne(item) {
  try {
    const html = katex.renderToString(item.tex, {
      displayMode: Boolean(item.display),
      // HTML for the eye, MathML for screen readers.
      output: "htmlAndMathml",
      throwOnError: true,
      // Unknown or non-standard input is an error, not a console warning.
      strict: "error",
      trust: false,
    });
    return { html };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let batch;
  try {
    batch = JSON.parse(line);
  } catch (err) {
    process.stdout.write(JSON.stringify({ fatal: `bad request: ${err.message}` }) + "\n");
    return;
  }
  process.stdout.write(JSON.stringify(batch.map(renderOne)) + "\n");
});
