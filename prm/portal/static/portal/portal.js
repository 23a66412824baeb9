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

// Live line totals: inside a [data-line-totals] form, each [data-line] row's amount
// ([data-line-amount]) is its [data-line-quantity] times its [data-line-price], and
// [data-lines-total] is their sum, written as the |money filter writes amounts ("USD 1,250"
// or "USD 99.50") in the currency of its [data-line-currency] select. Choosing a product
// ([data-line-product], whose option carries data-price) fills in its list price. The server
// adds the lines up again: these figures only help the eye.
function moneyText(cents, currency) {
  const hasCents = cents % 100 !== 0;
  const number = new Intl.NumberFormat("en", {
    minimumFractionDigits: hasCents ? 2 : 0,
    maximumFractionDigits: 2,
  }).format(cents / 100);
  return currency ? `${currency}\u00a0${number}` : number;
}

function lineCents(row) {
  const quantity = (row.querySelector("[data-line-quantity]") || {}).value || "";
  const price = ((row.querySelector("[data-line-price]") || {}).value || "").replace(/,/g, "");
  if (!/^\d+$/.test(quantity.trim()) || !/^\d+(\.\d{1,2})?$/.test(price.trim())) return null;
  return Number(quantity) * Math.round(Number(price) * 100);
}

function lineTotals(container) {
  const currency = (container.querySelector("[data-line-currency]") || {}).value || "";
  let sum = 0;
  container.querySelectorAll("[data-line]").forEach((row) => {
    const cents = lineCents(row);
    const out = row.querySelector("[data-line-amount]");
    if (out) out.textContent = cents === null ? "—" : moneyText(cents, currency);
    sum += cents || 0;
  });
  const total = container.querySelector("[data-lines-total]");
  if (total) total.textContent = moneyText(sum, currency);
}

document.addEventListener("input", (event) => {
  const container = event.target.closest && event.target.closest("[data-line-totals]");
  if (container) lineTotals(container);
});
document.addEventListener("change", (event) => {
  const target = event.target;
  const container = target.closest && target.closest("[data-line-totals]");
  if (!container) return;
  if (target.matches("[data-line-product]")) {
    const option = target.selectedOptions[0];
    const price = target.closest("[data-line]").querySelector("[data-line-price]");
    if (option && option.dataset.price && price) price.value = option.dataset.price;
  }
  lineTotals(container);
});
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("[data-line-totals]").forEach(lineTotals);
});
