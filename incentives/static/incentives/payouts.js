// The payouts list: the heading's box ticks every payout shown (no inline script: the CSP).
document.addEventListener("change", (event) => {
  const all = event.target.closest && event.target.closest("[data-select-all]");
  if (!all) return;
  all.closest("form").querySelectorAll("input[name=payouts]").forEach((box) => {
    box.checked = all.checked;
  });
});
