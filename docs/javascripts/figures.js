// Interactive figures (docrun/src/docrun/interactive.py). Every frame was computed by mlmath
// while the site was built and sits in the figure's JSON file, beside the page (named by
// the figure's data-frames); this script only picks the frame for the sliders' positions
// and shows it: it sets attributes and text, and computes nothing. The sliders stay hidden
// until the frames have arrived; without them the figure shows its default frame.
(() => {
  const setUp = async (figure) => {
    if (figure.dataset.mlfigReady) return;
    figure.dataset.mlfigReady = "true";
    const response = await fetch(new URL(figure.dataset.frames, location.href));
    if (!response.ok) throw new Error(`${figure.id}: frames ${response.status}`);
    const data = await response.json();
    const inputs = data.sliders.map((slider) => document.getElementById(slider.id));
    const outputs = data.sliders.map((slider) => document.getElementById(slider.id + "-value"));
    const parts = data.parts.map((part) => ({ ...part, element: document.getElementById(part.id) }));
    const show = () => {
      const at = inputs.map((input) => Number(input.value));
      data.sliders.forEach((slider, k) => {
        const text = slider.text[at[k]];
        outputs[k].textContent = text;
        inputs[k].setAttribute("aria-valuetext", `${slider.symbol} = ${text}`);
      });
      for (const part of parts) {
        // The frame's place in the list: row-major over the sliders the part depends on.
        let index = 0;
        for (const k of part.over) index = index * data.sliders[k].text.length + at[k];
        const value = part.values[index];
        if (part.attr === "text") part.element.textContent = value;
        else part.element.setAttribute(part.attr, value);
      }
    };
    inputs.forEach((input) => input.addEventListener("input", show));
    figure.querySelector(".mlfig-controls").hidden = false;
    show();
  };
  document.querySelectorAll("figure.mlfig").forEach(setUp);
})();
