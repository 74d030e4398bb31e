// The installable, offline diary: registers the service worker, shows the offline banner, queues
// "Applied now" and reactions in IndexedDB while offline and sends them (each with its own
// idempotency key) when the connection returns; and turns push notifications on or off.
(function () {
  "use strict";
  var body = document.body;
  var DB_NAME = "skin-diary";
  var STORE = "queue";
  var syncUrl = body.dataset.offlineSync;

  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, {scope: "/"}).then(function () {
      if (body.dataset.signedIn === "false" && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("signed-out");
      }
    }).catch(function () { /* the site works without it */ });
  }

  // --- Offline banner --------------------------------------------------------------------
  var banner = document.getElementById("offline-banner");
  function showOnline() {
    if (banner) {
      banner.hidden = navigator.onLine;
    }
  }
  window.addEventListener("offline", showOnline);
  window.addEventListener("online", function () {
    showOnline();
    flush();
  });
  showOnline();

  // --- The queue (IndexedDB) ---------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function enqueue(item) { return withStore("readwrite", function (store) { return store.add(item); }); }
  function all() { return withStore("readonly", function (store) { return store.getAll(); }); }
  function remove(id) { return withStore("readwrite", function (store) { return store.delete(id); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- Showing results -------------------------------------------------------------------
  var results = document.getElementById("sync-results");
  function say(text, kind, link) {
    if (!results) {
      return;
    }
    var box = document.createElement("div");
    box.className = "alert alert-" + (kind || "info");
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.textContent = text;
    if (link) {
      box.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    results.appendChild(box);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Sending the queue -------------------------------------------------------------------
  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !syncUrl || body.dataset.signedIn !== "true") {
      return Promise.resolve();
    }
    flushing = true;
    var sent = 0;
    return all().then(function (items) {
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) {
            return false;
          }
          return fetch(syncUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken() || item.csrf},
            body: JSON.stringify({kind: item.kind, at: item.at, idempotency_key: item.idempotency_key, fields: item.fields}),
          }).then(function (response) {
            var json = response.headers.get("Content-Type") === "application/json";
            if (!json) {
              return false; // signed out, CSRF refusal or the server is down: keep the queue, try later
            }
            return response.json().then(function (answer) {
              if (response.status === 200 || response.status === 400 || response.status === 422) {
                sent += 1;
                say(answer.message, answer.ok ? "success" : "danger");
                (answer.alerts || []).forEach(function (alert) {
                  say(alert.urgency + ": " + alert.advice, alert.urgency === "Emergency" ? "danger" : "warning",
                      {href: alert.url, text: "Read the alert"});
                });
                return remove(item.id).then(function () { return true; });
              }
              say(answer.message, "warning");
              return false;
            });
          }).catch(function () { return false; });
        });
      });
      return chain;
    }).then(function () {
      flushing = false;
      if (sent) {
        say("Everything you recorded offline has been sent.", "info", {href: window.location.pathname, text: "Reload the page"});
      }
    }, function () {
      flushing = false;
    });
  }

  // --- Recording while offline ---------------------------------------------------------------
  function queued(form, event) {
    // The address without its fragment: the reaction form opens at "#reactions" after a failed post.
    var action = (form.getAttribute("action") || "").split("#")[0];
    var kind = /\/applications\/$/.test(action) ? "application" : /\/reactions\/$/.test(action) ? "reaction" : "";
    if (!kind) {
      return null;
    }
    var data = new FormData(form);
    var fields = {};
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "idempotency_key") {
        fields[name] = value;
      }
    });
    if (event.submitter && event.submitter.name) {
      fields[event.submitter.name] = event.submitter.value;
    }
    return {kind: kind, at: new Date().toISOString(), idempotency_key: newKey(), fields: fields, csrf: csrfToken()};
  }

  document.addEventListener("submit", function (event) {
    if (navigator.onLine) {
      return;
    }
    var item = queued(event.target, event);
    if (!item) {
      return;
    }
    event.preventDefault();
    if (item.kind === "reaction" && !item.fields.symptom) {
      say("Choose what you noticed, then tap how bad it is.", "danger");
      return;
    }
    enqueue(item).then(function () {
      say(item.kind === "application"
        ? "Saved on this phone: the application will be sent when you are back online."
        : "Saved on this phone: the reaction will be sent when you are back online. Warning signs are checked then.",
        "secondary");
      delete event.target.dataset.submitting;
    }, function () {
      say("Could not keep this on the phone. Try again when you are online.", "danger");
    });
  }, true);

  if (navigator.onLine) {
    flush();
  }

  // --- Push notifications on this device -------------------------------------------------------
  var panel = document.querySelector("[data-push-panel]");
  if (panel && "serviceWorker" in navigator && "PushManager" in window && panel.dataset.vapidKey) {
    var on = panel.querySelector("[data-push-on]");
    var off = panel.querySelector("[data-push-off]");
    var status = panel.querySelector("[data-push-status]");
    var key = panel.dataset.vapidKey;
    var raw = atob(key.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - key.length % 4) % 4));
    var applicationServerKey = Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
    var post = function (url, payload) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify(payload),
      }).then(function (response) { return response.json(); });
    };
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        on.hidden = !!subscription;
        off.hidden = !subscription;
        on.addEventListener("click", function () {
          Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") {
              status.textContent = "Notifications are blocked for this site: allow them in the browser's settings.";
              return null;
            }
            return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: applicationServerKey})
              .then(function (created) { return post(panel.dataset.subscribeUrl, created.toJSON()); })
              .then(function (answer) {
                status.textContent = answer.message;
                on.hidden = true;
                off.hidden = false;
              });
          }).catch(function () {
            status.textContent = "This browser could not turn on notifications. Reminders can come by e-mail instead.";
          });
        });
        off.addEventListener("click", function () {
          registration.pushManager.getSubscription().then(function (current) {
            if (!current) {
              return null;
            }
            return post(panel.dataset.unsubscribeUrl, {endpoint: current.endpoint}).then(function (answer) {
              status.textContent = answer.message;
              return current.unsubscribe();
            });
          }).then(function () {
            on.hidden = false;
            off.hidden = true;
          });
        });
      });
    });
  }
})();
