// Material's search overlay has role="dialog" but no name for screen readers to announce.
document.querySelector(".md-search")?.setAttribute("aria-label", "Search");
// A code cell that scrolls sideways must be reachable by keyboard.
document.querySelectorAll(".highlight-ipynb").forEach((cell) => { cell.tabIndex = 0; });
// So must a code block that does not fit its width. Whether it fits is known once it has
// been laid out on screen; Material's bundle, which checked this, loads only with search.
(() => {
  const overflows = new IntersectionObserver((entries) => {
    for (const { target, isIntersecting } of entries) {
      if (!isIntersecting) continue;
      if (target.scrollWidth > target.clientWidth) target.tabIndex = 0;
      else target.removeAttribute("tabindex");
    }
  });
  document.querySelectorAll(".md-content pre > code").forEach((code) => overflows.observe(code));
})();
// Material's stylesheet draws the focus ring of a header button, a <summary> or a code
// block only when the element has the class "focus-visible" (its bundle's polyfill sets it,
// and the bundle loads only with search). The browser knows when a focus should show
// (:focus-visible: from the keyboard, not a click); the class follows it.
document.addEventListener("focusin", ({ target }) => {
  if (target instanceof Element && target.matches(":focus-visible")) target.classList.add("focus-visible");
});
document.addEventListener("focusout", ({ target }) => {
  if (target instanceof Element) target.classList.remove("focus-visible");
});
