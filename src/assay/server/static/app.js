// Small conveniences; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A form posts once: its button is disabled while the request is under way.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
  // "Copy link" puts the page's stable URL on the clipboard for a review thread.
  const heading = document.querySelector("main h1");
  if (heading && navigator.clipboard) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "copy link";
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(window.location.href).then(
        () => { button.textContent = "copied"; },
        () => { button.textContent = "copy failed"; },
      );
    });
    heading.appendChild(button);
  }
});
