// Keeps only the CSS rules that can apply to a page, with PurgeCSS, for the stylesheets
// hook (docrun/src/docrun/stylesheets.py).
//
// Reads one JSON object on stdin, {"html": the page without its <style> blocks, "css":
// [the text of each block], "keep": [regular expressions of selector parts to keep even
// though the HTML lacks them, as scripts set them later]}, and writes a JSON array with
// each block purged: a rule is kept when every class, id and tag its selector needs occurs
// in the page, and so are the custom properties, @font-face and @keyframes rules that the
// kept rules use (in any of the blocks, so they are purged together).
//
// Usage: node purge_css.js <path to the purgecss package folder>
"use strict";

const purgecssDir = process.argv[2];
if (!purgecssDir) {
  process.stderr.write("usage: node purge_css.js <purgecss package folder>\n");
  process.exit(2);
}
const { PurgeCSS } = require(purgecssDir);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const { html, css, keep } = JSON.parse(input);
  const purged = await new PurgeCSS().purge({
    content: [{ raw: html, extension: "html" }],
    css: css.map((raw) => ({ raw })),
    variables: true,
    fontFace: true,
    keyframes: true,
    safelist: { greedy: keep.map((pattern) => new RegExp(pattern)) },
  });
  process.stdout.write(JSON.stringify(purged.map((sheet) => sheet.css)));
});
