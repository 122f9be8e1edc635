/* The search's filters on a phone: a panel opened by the "Filtres" button and closed by "Voir les N résultats",
   which brings the reader back to the results. Without JavaScript the button is a link to the panel (#search-filters,
   shown by :target) and "Voir les N résultats" submits the form. Wide screens show the filters beside the results. */
(function () {
  "use strict";

  var OPEN = "search--filters-open";
  var narrow = window.matchMedia("(max-width: 48rem)");

  function form() {
    return document.getElementById("search-form");
  }

  function sync() {
    var isOpen = form() && form().classList.contains(OPEN);
    document.querySelectorAll("[data-filters-toggle]").forEach(function (toggle) {
      toggle.setAttribute("role", "button");
      toggle.setAttribute("aria-expanded", isOpen ? "true" : "false");
    });
  }

  function setOpen(open) {
    form().classList.toggle(OPEN, open);
    sync();
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-filters-toggle]");
    if (toggle && form()) {
      event.preventDefault();
      var open = !form().classList.contains(OPEN);
      setOpen(open);
      if (open) {
        document.getElementById("search-filters").focus();
      }
      return;
    }
    var close = event.target.closest("[data-filters-close]");
    if (close && form() && narrow.matches) {
      event.preventDefault(); /* the results are already up to date (htmx) */
      setOpen(false);
      var results = document.getElementById("search-results");
      results.scrollIntoView();
      results.focus({ preventScroll: true });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === " " && event.target.closest && event.target.closest("[data-filters-toggle]")) {
      event.preventDefault();
      event.target.click();
    }
    if (event.key === "Escape" && form() && form().classList.contains(OPEN)) {
      setOpen(false);
      var toggle = document.querySelector("[data-filters-toggle]");
      if (toggle) {
        toggle.focus();
      }
    }
  });

  document.addEventListener("htmx:afterSettle", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
