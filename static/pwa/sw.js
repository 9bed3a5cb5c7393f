// Service worker: the app shell, WHO tables and immunisation schedule from a versioned
// cache, so the app starts with no network. /api/ is never cached (data lives in IndexedDB).
// The two lines below are written by scripts/pwa_precache.py (VERSION = hash of the files).
const VERSION = 'd0bef9249cd7bd88';
const PRECACHE = ["/css/app.css", "/data/schedule-2024.json", "/data/who/acfa.json", "/data/who/bfa.json", "/data/who/hcfa.json", "/data/who/lhfa.json", "/data/who/wfa.json", "/data/who/wfh.json", "/data/who/wfl.json", "/icons/icon-192.png", "/icons/icon-512.png", "/icons/icon.svg", "/icons/maskable-512.png", "/index.html", "/js/api.js", "/js/app.js", "/js/assess.js", "/js/auth.js", "/js/chart.js", "/js/checks.js", "/js/conflicts.js", "/js/db.js", "/js/due-list.js", "/js/due.js", "/js/duplicates.js", "/js/growth.js", "/js/i18n.js", "/js/incoming.js", "/js/instant.js", "/js/kbm.js", "/js/lang.js", "/js/lots.js", "/js/outbox.js", "/js/report-shape.js", "/js/schedule.js", "/js/screens/child.js", "/js/screens/devices.js", "/js/screens/doses.js", "/js/screens/duplicates.js", "/js/screens/forms.js", "/js/screens/home.js", "/js/screens/login.js", "/js/screens/parent.js", "/js/screens/reports.js", "/js/screens/sync.js", "/js/skdn.js", "/js/sync.js", "/js/ui.js", "/manifest.webmanifest"];
const CACHE = `posyandu-shell-${VERSION}`;

// One file at a time, each retried, revalidated past the HTTP cache: a flaky connection
// during the first visit must not leave the app without its offline copy.
async function precache() {
  const cache = await caches.open(CACHE);
  for (const url of PRECACHE) {
    if (await cache.match(url)) continue;
    let error = null;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const response = await fetch(url, { cache: 'no-cache' });
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        await cache.put(url, response);
        error = null;
        break;
      } catch (e) {
        error = e;
      }
    }
    if (error) throw error; // install fails; the browser tries again on the next visit
  }
}

self.addEventListener('install', (event) => event.waitUntil(precache()));

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('posyandu-shell-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skipWaiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (event.request.mode === 'navigate') {
    event.respondWith(caches.match('/index.html', { cacheName: CACHE }).then((hit) => hit ?? fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request, { cacheName: CACHE, ignoreSearch: true })
    .then((hit) => hit ?? fetch(event.request)));
});

// Background Sync (Chromium): wake the open app to run its own sync loop; the outbox in
// IndexedDB stays the source of truth.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((list) => list.forEach((c) => c.postMessage({ sync: true }))));
});
