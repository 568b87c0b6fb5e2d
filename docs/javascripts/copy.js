// The copy button of a Python session copies what a reader types, not the transcript:
// only the lines after ">>> " and "... " prompts, without the prompts, and no output.
// Pasted into `python`, that runs. A blank line closes each compound statement (a def,
// a for, a with) before the next ">>>", as the interactive prompt needs.
// Material copies the text of the nearest [data-copy] ancestor when there is one.
function typedLines(transcript) {
  const lines = [];
  let inBlock = false;
  for (const line of transcript.split("\n")) {
    const prompt = line.match(/^(>>>|\.\.\.)( |$)/);
    if (!prompt) continue;  // output, or a traceback
    const code = line.slice(prompt[0].length);
    if (prompt[1] === ">>>") {
      if (inBlock) lines.push("");
      inBlock = false;
    } else {
      inBlock = true;
    }
    lines.push(code);
  }
  if (inBlock) lines.push("");
  return lines.join("\n");
}

document$.subscribe(() => {
  document.querySelectorAll(".highlight").forEach((block) => {
    const code = block.querySelector("pre > code");
    if (!code || !code.querySelector(".gp")) return;  // not a session
    block.dataset.copy = typedLines(code.textContent);
  });
});
