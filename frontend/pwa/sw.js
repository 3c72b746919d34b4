// Sluice's service worker: the app shell only. The build (vite.config.ts, sluiceServiceWorker)
// fills in VERSION and SHELL: index.html's own scripts and styles, hashed and immutable, plus the
// icons. Lazy chunks are cached when first loaded. API answers (/api/…) are never cached — the data
// is live and per person — nor is anything but a same-origin GET.
const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const CACHE = `sluice-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('sluice-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // the page: the network first (a new build, the server's headers), the cached shell offline
    event.respondWith(fetch(req).catch(() => caches.match('/index.html')));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // hashed file names never change content: the cache first, and remember lazy chunks when loaded
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              void caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
});
