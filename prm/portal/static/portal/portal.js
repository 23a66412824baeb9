// The portal's only script of its own (the Content-Security-Policy allows no inline script):
// forms with data-confirm ask before they submit.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
