// "Tout cocher sur cette page" on the organisation dashboard: a header checkbox that (un)ticks the rows' checkboxes
// of the same name. Without JavaScript it stays hidden and each row is ticked by hand.
document.querySelectorAll("[data-select-all]").forEach((all) => {
  const form = all.form;
  const boxes = () => form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`);
  const sync = () => {
    const ticked = [...boxes()].filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  };
  all.closest("[hidden]")?.removeAttribute("hidden");
  all.closest("th")?.querySelector("[data-select-all-fallback]")?.remove();
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
  form.addEventListener("change", (event) => { if (event.target !== all) sync(); });
  sync();
});
