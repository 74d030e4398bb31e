/* Passkeys: django-otp-webauthn's scripts (otp_webauthn_auth.js, otp_webauthn_register.js) do the ceremonies.
   This file runs before them: they call gettext(), and the site is English only, so it returns the text as is.
   After a passkey is added, the page reloads to list it, or goes on to the button's data-next address. */
window.gettext = window.gettext || function (text) { return text; };

document.addEventListener("otp_webauthn.register_complete", function (event) {
  var next = event.target.getAttribute && event.target.getAttribute("data-next");
  window.location.assign(next || window.location.href);
});
