// Search, loaded when the reader asks for it.
//
// Material's bundle runs the search box, and with it every other component of the theme.
// A page does not run it while it loads (overrides/main.html leaves its <script> tag
// inert); this script loads it when the reader
//   - puts the focus in the search box (a click or Tab on a wide screen),
//   - opens the search from the header's button (a narrow screen),
//   - presses one of Material's keys for search ("/", "s" or "f"), or
//   - arrives from a search result: the address carries the search words (?h=...), which
//     the bundle highlights on the page (Material's search.highlight).
// Until then, "p" or "," and "n" or "." follow the page's previous and next links, as
// Material's keys do; once the bundle is there, it takes over the keyboard.
(() => {
  const held = document.querySelector("script[data-material-bundle]");
  const toggle = document.getElementById("__search");
  const input = document.querySelector("input.md-search__input");
  if (!held || !toggle || !input) return;

  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    document.removeEventListener("keydown", onKey);
    const script = document.createElement("script");
    script.src = held.src;
    script.addEventListener("load", () => {
      // The bundle mounts its components when DOMContentLoaded fires, which has happened
      // by now; it listens once, so an early real event and this one never both count.
      document.dispatchEvent(new Event("DOMContentLoaded"));
      // Material opens the search when the box gets the focus; it already has it.
      if (document.activeElement === input) {
        input.blur();
        input.focus();
      }
    });
    document.body.append(script);
  };

  const open = () => {
    toggle.checked = true;
    input.focus();
    load();
  };
  const typing = (target) =>
    target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  const follow = (rel) => {
    const link = document.querySelector(`link[rel=${rel}]`);
    if (link) location.href = link.href;
  };
  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (["/", "s", "f"].includes(event.key)) {
      event.preventDefault();
      open();
    } else if (["p", ","].includes(event.key)) follow("prev");
    else if (["n", "."].includes(event.key)) follow("next");
  }

  input.addEventListener("focus", load, { once: true });
  toggle.addEventListener("change", () => toggle.checked && open());
  document.addEventListener("keydown", onKey);
  if (new URLSearchParams(location.search).has("h")) load();
})();
