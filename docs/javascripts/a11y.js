// Material's search overlay has role="dialog" but no name for screen readers to announce.
document.querySelector(".md-search")?.setAttribute("aria-label", "Search");
// A code cell that scrolls sideways must be reachable by keyboard. document$ emits on the
// first load and after every instant navigation.
document$.subscribe(() => {
  document.querySelectorAll(".highlight-ipynb").forEach((cell) => { cell.tabIndex = 0; });
});
