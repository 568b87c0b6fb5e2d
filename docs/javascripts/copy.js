// The copy button of a Python session copies what a reader types, not the transcript:
// only the lines after ">>> " and "... " prompts, without the prompts, and no output.
// Pasted into `python`, that runs. A blank line closes each compound statement (a def,
// a for, a with) before the next ">>>", as the interactive prompt needs.
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

// Every code block of the content gets a copy button, drawn by Material's stylesheet (its
// bundle, which would add it, loads only with search: javascripts/search.js). A click
// copies the block (the typed lines of a session) and says so in Material's dialog.
(() => {
  const config = document.getElementById("__config");
  const words = (config && JSON.parse(config.textContent).translations) || {};
  const dialog = document.querySelector(".md-dialog .md-dialog__inner");
  // A live region before anything is said in it: a screen reader then reads each message.
  dialog?.setAttribute("role", "status");

  document.querySelectorAll(".md-content pre > code").forEach((code) => {
    const nav = document.createElement("nav");
    nav.className = "md-code__nav";
    const button = document.createElement("button");
    button.className = "md-code__button";
    button.dataset.mdType = "copy";
    button.title = words["clipboard.copy"] || "Copy to clipboard";
    nav.append(button);
    code.before(nav);
  });

  let shown;
  const say = (message) => {
    if (!dialog) return;
    dialog.textContent = message;
    dialog.parentElement.classList.add("md-dialog--active");
    clearTimeout(shown);
    shown = setTimeout(() => dialog.parentElement.classList.remove("md-dialog--active"), 2000);
  };
  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element && event.target.closest("button.md-code__button[data-md-type=copy]");
    const code = button && button.parentElement.nextElementSibling;
    if (!code) return;
    const session = code.querySelector(".gp") !== null;
    await navigator.clipboard.writeText(session ? typedLines(code.textContent) : code.textContent);
    say(words["clipboard.copied"] || "Copied to clipboard");
  });
})();
