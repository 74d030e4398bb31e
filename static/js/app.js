// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Preselect the browser's time zone on a fresh sign-up form.
  document.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (zone && !select.querySelector('option[value="' + CSS.escape(zone) + '"]')) {
      // An old name the list does not hold ("Asia/Calcutta"): its current one ("Asia/Kolkata").
      try {
        zone = JSON.parse(select.dataset.timeZoneAliases || "{}")[zone] || null;
      } catch (e) {
        zone = null;
      }
    }
    if (zone && select.querySelector('option[value="' + CSS.escape(zone) + '"]')) {
      select.value = zone;
    }
  });

  // An emergency alert takes focus, so that it is read first; its call button is next in the tab order.
  // (After a save the address ends in #emergency and the browser focuses it without this.)
  var urgent = document.querySelector("[data-focus-on-load]");
  if (urgent && !window.location.hash) {
    urgent.focus();
  }

  // A form that came back with errors: focus its first field in error (the message is next to it), or its
  // summary of errors. The page may be long; focus brings the field into view on a phone.
  var summary = document.querySelector("[data-error-summary]");
  if (summary && !urgent) {
    var form = summary.closest("form") || document;
    var field = form.querySelector(
      "[aria-invalid='true']:not([type='hidden']), [data-invalid] input, [data-invalid] button, .is-invalid"
    );
    var focusError = function () {
      (field || summary).focus();
      (field || summary).scrollIntoView({ block: "center" });
    };
    // A page opened at a fragment (the form's section) is scrolled there once loaded, which drops focus:
    // focus after that.
    if (document.readyState === "complete") {
      focusError();
    } else {
      window.addEventListener("load", function () {
        window.setTimeout(focusError, 0);
      });
    }
  }
  // A link in the summary focuses its field (a fragment alone only scrolls to it in some browsers).
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        target.focus();
        target.scrollIntoView({ block: "center" });
      }
    });
  });

  // One tap, one record: a second tap while the page is submitting does nothing.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
    });
  });
  // Coming back with the browser's Back button restores the page as it was: allow submitting again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitting;
    });
  });
})();
