// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Pre-fill an empty time-zone field with the browser's zone.
  document.querySelectorAll("input[data-detect-tz]").forEach(function (input) {
    if (!input.value) {
      try {
        var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (zone) { input.value = zone; }
      } catch (e) { /* leave it blank: the server defaults to UTC */ }
    }
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
