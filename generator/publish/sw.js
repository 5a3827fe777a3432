/* meditate offline listening: a service worker that keeps the page (and the pictures
   and icons it shows), so it opens without a network, and the tracks a listener chose to
   keep. Kept tracks answer the audio element's range requests from the device, so seeking
   works offline too. It fetches only from the page's own site and sends nothing anywhere. */
"use strict";
var VERSION = "__VERSION__";
var SHELL = "meditate-page-" + VERSION;
var KEPT = "meditate-kept"; /* not versioned: kept tracks survive an updated page */
var SHELL_FILES = __SHELL__;
var PAGE = new URL("__PAGE__", self.registration.scope).href;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("meditate-page-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  event.respondWith(answer(request));
});

function answer(request) {
  return caches.open(KEPT).then(function (kept) {
    return kept.match(request.url, { ignoreSearch: true });
  }).then(function (hit) {
    if (hit) { return request.headers.has("range") ? ranged(hit, request.headers.get("range")) : hit; }
    return fromNetwork(request);
  });
}

/* Network first, so an updated page shows at once; the kept copy when offline. */
function fromNetwork(request) {
  var navigation = request.mode === "navigate";
  return fetch(request).then(function (response) {
    if (navigation && response.status === 200) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { return cache.put(PAGE, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(SHELL).then(function (cache) {
      return cache.match(navigation ? PAGE : request.url, { ignoreSearch: true });
    }).then(function (hit) {
      if (hit) { return hit; }
      throw error;
    });
  });
}

/* A 206 answer cut from a kept file, as a web server with byte ranges would give. */
function ranged(response, header) {
  return response.blob().then(function (blob) {
    var size = blob.size, start, end;
    var match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!match || (match[1] === "" && match[2] === "")) {
      return new Response(blob, { status: 200, headers: response.headers });
    }
    if (match[1] === "") {
      start = Math.max(0, size - parseInt(match[2], 10));
      end = size - 1;
    } else {
      start = parseInt(match[1], 10);
      end = match[2] ? Math.min(parseInt(match[2], 10), size - 1) : size - 1;
    }
    if (start >= size || end < start) {
      return new Response("", { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(blob.slice(start, end + 1), {
      status: 206,
      statusText: "Partial Content",
      headers: {
        "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes"
      }
    });
  });
}
