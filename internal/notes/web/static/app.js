// notes: the only script, loaded with the page's CSP nonce. Progressive
// enhancement only; every page works without it.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the first field with an error so keyboard and screen
  // reader users land on it.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) {
    invalid.focus();
  }

  // Ask before destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
});
