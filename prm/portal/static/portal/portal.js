// The portal's only script of its own (the Content-Security-Policy allows no inline script).

// Forms with data-confirm (or the button pressed, when the buttons differ) ask before they
// submit. Capture phase: the question comes before htmx sends a form it handles, and
// "Cancel" stops both.
document.addEventListener(
  "submit",
  (event) => {
    const button = event.submitter;
    const message =
      (button && button.dataset && button.dataset.confirm) ||
      (event.target.dataset && event.target.dataset.confirm);
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();
    }
  },
  true,
);

// Enter in a one-line box never decides anything: in a form with several submit buttons
// (approve/reject, one per status) or one marked data-no-enter-submit, Enter in a text input
// would "click" the first button; the user has to press the button they mean. A form whose
// first button is a hidden one (aria-hidden, e.g. the workflow editor's "refresh") chose
// what Enter does and keeps it.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || !input.form) return;
  if (["submit", "button", "reset", "checkbox", "radio", "file"].includes(input.type)) return;
  const form = input.form;
  const buttons = form.querySelectorAll(
    "button:not([type=button]):not([type=reset]), input[type=submit]",
  );
  const chosen = buttons.length > 0 && buttons[0].getAttribute("aria-hidden") === "true";
  if ("noEnterSubmit" in form.dataset || (buttons.length > 1 && !chosen)) {
    event.preventDefault();
  }
});

// Buttons with data-print open the browser's print dialog (the agreement's printable copy).
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});

// A table that scrolls sideways inside its box (a phone, or many columns) can be scrolled
// with the keyboard: the box takes focus (Tab, then the arrow keys) while it overflows.
function focusableScrollBoxes() {
  document.querySelectorAll(".table-responsive, main table").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollFocus = "";
    } else if (!scrolls && "scrollFocus" in box.dataset) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollFocus;
    }
  });
}
document.addEventListener("DOMContentLoaded", focusableScrollBoxes);
window.addEventListener("resize", focusableScrollBoxes);
document.addEventListener("htmx:afterSettle", focusableScrollBoxes);
