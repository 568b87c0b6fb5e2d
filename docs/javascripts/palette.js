// The light/dark toggle in the header, in place of Material's palette component.
//
// Why: on every page load Material's component rewrites the palette attributes of <body>
// (plus a "switching" attribute that a `[data-md-color-switching] *` rule matches), adds a
// color-scheme <meta> and reads the header's computed style between those writes. Each of
// those writes invalidates the style of every element of the page, so each read restyles
// the whole document: 4 to 5 full style recalculations per load (thousands of elements on
// a page of equations). Here the attributes are written only when the palette changes:
// by the reader, or on a first visit when the system prefers the other scheme.
//
// The choice is stored as Material stores it (__md_set("__palette", {index, color})), so
// Material's inline script at the top of <body> applies it on the next page before the
// first paint; without a stored choice, overrides/main.html's inline script applies the
// palette the system prefers, also before the first paint. So on load the palette is
// already in force and apply() changes nothing. overrides/main.html renames the form's
// data-md-component, so that Material leaves it alone.
//
// While the palette switches, the blocks that the browser skips off screen
// (content-visibility: auto, stylesheets/layout.css) are laid out too: a skipped block is
// not restyled, and would otherwise change palette only when scrolled near, through
// Material's colour transitions.
(() => {
  const form = document.querySelector("form[data-palette]");
  if (!form) return;
  const inputs = [...form.querySelectorAll("input[name=__palette]")];
  const colorOf = (input) => ({
    media: input.getAttribute("data-md-color-media"),
    scheme: input.getAttribute("data-md-color-scheme"),
    primary: input.getAttribute("data-md-color-primary"),
    accent: input.getAttribute("data-md-color-accent"),
  });
  // What the stylesheets select on (no rule reads data-md-color-media).
  const STYLED = ["scheme", "primary", "accent"];

  // Each input's label switches to the next palette; only the current one's is shown.
  const showToggleFor = (index) => {
    inputs.forEach((input, k) => {
      const label = input.nextElementSibling;
      if (label instanceof HTMLElement) label.hidden = k !== index;
    });
  };

  // The browser chrome and native controls follow the scheme. Reading the header's style
  // is cheap here: it runs after the attributes changed, once.
  const updateMeta = (name, content) => {
    let meta = document.head.querySelector(`meta[name="${name}"]`);
    if (!meta) {
      meta = document.createElement("meta");
      meta.name = name;
      document.head.append(meta);
    }
    if (meta.content !== content) meta.content = content;
  };
  const followHeader = () => {
    const style = getComputedStyle(document.querySelector("header"));
    const hex = style.backgroundColor.match(/\d+/g).slice(0, 3)
      .map((c) => Number(c).toString(16).padStart(2, "0")).join("");
    updateMeta("theme-color", `#${hex}`);
    updateMeta("color-scheme", style.colorScheme);
  };

  const apply = (index, { store }) => {
    const color = colorOf(inputs[index]);
    const body = document.body;
    const changes = STYLED.map((key) => [key, color[key]])
      .filter(([key, value]) => body.getAttribute(`data-md-color-${key}`) !== value);
    if (changes.length) {
      // No colour transitions while the whole page changes palette (Material's rule).
      body.setAttribute("data-md-color-switching", "");
      for (const [key, value] of changes) body.setAttribute(`data-md-color-${key}`, value);
      followHeader();
      requestAnimationFrame(() => body.removeAttribute("data-md-color-switching"));
    }
    showToggleFor(index);
    if (store) __md_set("__palette", { index, color });
  };

  // The palette in force: the stored choice, else the first whose media query matches.
  const saved = __md_get("__palette");
  let current = saved && Number.isInteger(saved.index)
    ? Math.max(0, Math.min(saved.index, inputs.length - 1))
    : Math.max(0, inputs.findIndex((input) => matchMedia(colorOf(input).media).matches));
  apply(current, { store: false });
  // The browser's own colours (theme-color, native controls) follow a palette other than
  // the page's first one, which the HTML was served with, as they follow a switch. Once
  // the page has been drawn the header's style is up to date, so reading it restyles
  // nothing.
  if (STYLED.some((key) => colorOf(inputs[current])[key] !== colorOf(inputs[0])[key])) {
    requestAnimationFrame(() => setTimeout(followHeader));
  }

  form.addEventListener("change", (event) => {
    const index = inputs.indexOf(event.target);
    if (index < 0) return;
    current = index;
    apply(index, { store: true });
  });
  // Enter on the focused option moves on to the next palette, as in Material.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const next = inputs[(current + 1) % inputs.length];
    next.click();
    next.focus();
  });
})();
