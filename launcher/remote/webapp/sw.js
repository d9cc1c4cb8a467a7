// Keeps the app's own files for when the launcher is briefly out of reach. The network
// always comes first, so a launcher update is seen at once; the API is never cached.
"use strict";

const CACHE = "leling-webapp";
const FILES = ["./", "index.html", "app.css", "words.js", "app.js", "icon.svg", "manifest.webmanifest"];

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
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          // One copy per file: the pairing code in the address is not part of the file.
          caches.open(CACHE).then((cache) => cache.put(url.origin + url.pathname, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || Response.error()),
      ),
  );
});
