// Skin diary service worker (served at /sw.js by reminders.pwa.service_worker).
// Today opens from the cache when there is no connection; static files come from the cache first;
// push messages become notifications with "Applied" and "Snooze" where the platform has actions.
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "skin-diary-static-" + VERSION;
const PAGE_CACHE = "skin-diary-pages";
const TODAY = "{{ today }}";
const PRECACHE = [{% for url in precache %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const ICON = "{{ icon }}";
const ACTION_URL = "{{ action_url }}";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      return cache.addAll(PRECACHE);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("skin-diary-static-") === 0 && key !== STATIC_CACHE;
      }).map(function (key) {
        return caches.delete(key);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function offlinePage() {
  const html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" " +
    "content=\"width=device-width, initial-scale=1\"><title>Offline · Skin diary</title></head><body>" +
    "<main><h1>You are offline</h1><p>This page needs a connection. <a href=\"" + TODAY + "\">Today</a> " +
    "works offline once you have opened it online.</p><p><strong>Emergency symptoms need a call, not the app:</strong> " +
    "if you feel very unwell, have trouble breathing or swelling of the face or throat, call your local " +
    "emergency number now.</p></main></body></html>";
  return new Response(html, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (url.pathname === TODAY) {
      // Network first; the last Today seen when there is no connection (signing out replaces it with the
      // landing page, which is what "/" then shows).
      event.respondWith(
        fetch(request).then(function (response) {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(PAGE_CACHE).then(function (cache) {
              cache.put(TODAY, copy);
            });
          }
          return response;
        }).catch(function () {
          return caches.open(PAGE_CACHE).then(function (cache) {
            return cache.match(TODAY);
          }).then(function (cached) {
            return cached || offlinePage();
          });
        })
      );
    } else {
      event.respondWith(fetch(request).catch(offlinePage));
    }
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (cached) {
        return cached || fetch(request);
      })
    );
  }
});

self.addEventListener("message", function (event) {
  // A page shown to a signed-out visitor asks to forget the cached diary page.
  if (event.data === "signed-out") {
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

self.addEventListener("push", function (event) {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const options = {
    body: data.body || "",
    icon: ICON,
    tag: data.tag || "reminder",
    data: {url: data.url || TODAY, token: data.token || ""},
    actions: Array.isArray(data.actions) ? data.actions : [],
  };
  event.waitUntil(self.registration.showNotification(data.title || "Skin diary", options));
});

function openToday(url) {
  return self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (const client of windows) {
      if (new URL(client.url).pathname === url && "focus" in client) {
        return client.focus();
      }
    }
    return self.clients.openWindow(url);
  });
}

self.addEventListener("notificationclick", function (event) {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  if ((event.action === "applied" || event.action === "snooze") && data.token) {
    event.waitUntil(
      fetch(ACTION_URL, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({token: data.token, action: event.action}),
      }).then(function (response) {
        if (!response.ok) {
          return openToday(data.url || TODAY);
        }
        return undefined;
      }).catch(function () {
        return openToday(data.url || TODAY);
      })
    );
    return;
  }
  event.waitUntil(openToday(data.url || TODAY));
});
