// What Material's bundle does for a reader who scrolls a page, done without it (the
// bundle loads only with search: javascripts/search.js):
//   - the table of contents marks the sections reached and the one being read;
//   - the header shows the page's title once its heading has scrolled under the header;
//   - the back-to-top button shows while the reader scrolls up, away from the top;
//   - each set of content tabs underlines its open tab;
//   - a link into the page lands on its heading (see land, below).
// Nothing here reads the layout while the page loads: positions are read once a frame
// while the reader scrolls (a few headings' tops), and a tab underline is measured once its
// tabs are on screen.
(() => {
  // The table of contents is drawn twice: beside the content, and in the navigation
  // drawer of a narrow screen. Both list the same headings.
  const tables = [...document.querySelectorAll("[data-toc]")].map((list) => [
    ...list.querySelectorAll("a.md-nav__link"),
  ]);
  const headings = (tables[0] || []).map((a) => document.getElementById(decodeURIComponent(a.hash.slice(1))));
  const title = document.querySelector(".md-header__title");
  const h1 = document.querySelector(".md-content h1");
  const top = document.querySelector("[data-top]");

  // Scrolled to the end: no heading further down can come under the header.
  const atEnd = () => innerHeight + scrollY >= document.documentElement.scrollHeight - 1;
  // Material's measures, in rem: the header's height, and where a followed link puts its
  // heading (the stylesheet's scroll-margin-top for :target). The root's size is read at
  // the first scroll.
  let rem = 0;
  // How many of the table's sections the reader has reached: those whose heading is at or
  // above where following its link would put it; all of them at the end of the page.
  // Headings come in page order, so the reached ones are a prefix, found by bisection.
  const reachedCount = () => {
    if (atEnd()) return headings.length;
    const line = 3.6 * rem + 1;
    let low = 0;
    let high = headings.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const heading = headings[middle];
      if (heading && heading.getBoundingClientRect().top < line) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  let shown = -1;
  let lastY = scrollY;
  const update = () => {
    rem ||= parseFloat(getComputedStyle(document.documentElement).fontSize);
    const passed = reachedCount();
    if (passed !== shown) {
      shown = passed;
      for (const links of tables) {
        links.forEach((a, k) => {
          a.classList.toggle("md-nav__link--passed", k < passed);
          a.classList.toggle("md-nav__link--active", k === passed - 1);
        });
      }
    }
    if (title && h1) {
      title.classList.toggle("md-header__title--active", h1.getBoundingClientRect().bottom < 2.4 * rem);
    }
    if (top) {
      const hide = scrollY >= lastY || scrollY < innerHeight;
      if (top.hidden !== hide) top.hidden = hide;
    }
    lastY = scrollY;
  };
  let queued = false;
  addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      update();
    });
  }, { passive: true });
  top?.addEventListener("click", () => {
    top.blur();
    scrollTo({ top: 0 });
  });

  // A link into the page lands on its heading. The blocks above the heading that the
  // browser skipped (content-visibility, stylesheets/layout.css) hold a place of 3em until
  // laid out; those that come on screen with the jump take their real height a frame
  // later, and push the heading down (on the API reference, by a third of the screen).
  // So for a few frames after the jump, the heading is put back where the jump put it.
  const land = () => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) return;
    let frames = 10;
    const check = () => {
      const want = parseFloat(getComputedStyle(target).scrollMarginTop) || 0;
      if (Math.abs(target.getBoundingClientRect().top - want) > 1 && !atEnd()) target.scrollIntoView();
      if (--frames > 0) requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  };
  addEventListener("hashchange", land);
  if (location.hash) addEventListener("load", land, { once: true });

  // Content tabs: the underline sits under the open tab's label (Material's stylesheet
  // draws it from these two properties).
  const underline = (set) => {
    const open = set.querySelector(":scope > input:checked");
    const labels = set.querySelector(":scope > .tabbed-labels");
    if (!open || !labels) return;
    const index = [...set.querySelectorAll(":scope > input")].indexOf(open);
    const label = labels.children[index];
    if (!(label instanceof HTMLElement)) return;
    set.style.setProperty("--md-indicator-x", `${label.offsetLeft}px`);
    set.style.setProperty("--md-indicator-width", `${label.offsetWidth}px`);
  };
  const onScreen = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) underline(entry.target);
  });
  document.querySelectorAll(".tabbed-set").forEach((set) => {
    onScreen.observe(set);
    set.addEventListener("change", () => underline(set));
  });
})();
