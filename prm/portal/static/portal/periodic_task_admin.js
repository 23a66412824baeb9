// The operator's periodic task form (django-celery-beat's admin): shows the chosen crontab
// in words under the field, as the package's inline script does, from a file the
// Content-Security-Policy allows.
"use strict";
(function () {
  const data = document.getElementById("readable-crontabs");
  const field = document.querySelector(".field-crontab");
  const select = document.getElementById("id_crontab");
  if (!data || !field || !select) {
    return;
  }
  const readable = JSON.parse(data.textContent);
  const help = field.querySelector(".help");
  const original = help ? help.textContent : "";
  const translation = document.querySelector(".field-crontab_translation");
  if (translation) {
    translation.style.display = "none";
  }
  const update = () => {
    if (!help) {
      return;
    }
    help.textContent = original;
    const words = readable[select.value];
    if (words) {
      help.append(document.createElement("br"), "Translation: " + words);
    }
  };
  select.addEventListener("change", update);
  update();
})();
