// Keeps the app's own files so it opens anywhere, also where the launcher (or the host
// it came from) is out of reach. The network comes first, so an update is seen at once,
// but only for a moment when a copy is kept; the API is never cached.
"use strict";

const CACHE = "leling-webapp";
const FILES = ["./", "index.html", "app.css", "words.js", "mqtt.js", "seal.js", "app.js", "icon.svg", "manifest.webmanifest"];
// Away from home the launcher's address does not answer at all: do not wait for it long.
const NETWORK_WAIT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .catch(() => {})
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.includes("/api/")) return;
  // One copy per file: the pairing code in the address is not part of the file.
  const key = url.origin + url.pathname;
  const fromNetwork = fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(key, copy));
    }
    return response;
  });
  event.respondWith(
    caches.match(key).then((kept) => {
      if (!kept) return fromNetwork.catch(() => Response.error());
      const late = new Promise((resolve) => setTimeout(() => resolve(kept), NETWORK_WAIT_MS));
      return Promise.race([fromNetwork.catch(() => kept), late]);
    }),
  );
});
