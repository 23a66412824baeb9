// The portal's only script of its own (the Content-Security-Policy allows no inline script):
// forms with data-confirm ask before they submit.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Buttons with data-print open the browser's print dialog (the agreement's printable copy).
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
