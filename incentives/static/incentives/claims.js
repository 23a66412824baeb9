// The claim form's drop zones and upload progress (no inline script: the CSP).

// [data-dropzone]: files dropped on the box go to its file input; the box lists them.
function listFiles(zone) {
  const input = zone.querySelector("input[type=file]");
  const list = zone.querySelector("[data-dropzone-files]");
  if (!input || !list) return;
  list.replaceChildren(
    ...Array.from(input.files).map((file) => {
      const item = document.createElement("li");
      item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      return item;
    }),
  );
}

document.addEventListener("dragover", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.add("bg-primary-subtle");
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone) zone.classList.remove("bg-primary-subtle");
});
document.addEventListener("drop", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("bg-primary-subtle");
  const input = zone.querySelector("input[type=file]");
  const all = new DataTransfer();
  Array.from(input.files).forEach((file) => all.items.add(file));
  Array.from(event.dataTransfer.files).forEach((file) => all.items.add(file));
  input.files = all.files;
  listFiles(zone);
});
document.addEventListener("change", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone) listFiles(zone);
});

// [data-upload-progress] forms send their files with a progress bar; the answer (the claim's
// page, or the form again with its errors) replaces the page. portal.js asked first when
// the form has data-confirm (a cancelled question stops the event before this runs).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches || !form.matches("[data-upload-progress]") || event.defaultPrevented) return;
  if (!window.XMLHttpRequest || !window.FormData) return;
  event.preventDefault();
  const bar = form.querySelector("[data-upload-bar]");
  const status = form.querySelector("[data-upload-status]");
  const button = form.querySelector("button:not([type=button])");
  const request = new XMLHttpRequest();
  request.open("POST", form.action || window.location.href);
  request.upload.addEventListener("progress", (progress) => {
    if (!progress.lengthComputable) return;
    const percent = Math.round((progress.loaded / progress.total) * 100);
    bar.value = percent;
    status.textContent = percent < 100 ? `Uploading… ${percent}%` : "Checking the files…";
  });
  request.addEventListener("load", () => {
    if (request.responseURL && request.responseURL !== (form.action || window.location.href)) {
      window.location.assign(request.responseURL);
      return;
    }
    document.open();
    document.write(request.responseText);
    document.close();
  });
  request.addEventListener("error", () => {
    status.textContent = "The upload did not reach the portal: check your connection and try again.";
    if (button) button.disabled = false;
  });
  bar.classList.remove("d-none");
  status.classList.remove("d-none");
  status.textContent = "Uploading…";
  if (button) button.disabled = true;
  request.send(new FormData(form));
});
