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
    if (zone && select.querySelector('option[value="' + CSS.escape(zone) + '"]')) {
      select.value = zone;
    }
  });
})();
