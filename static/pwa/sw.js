// Service worker: the shell from a versioned cache (the app starts offline); /api/ never cached.
// VERSION (the files' hash) and PRECACHE: written by scripts/pwa_precache.py.
const VERSION = '43618ffdd7dbc924';
const PRECACHE = ["/css/app.css", "/data/schedule-2024.json", "/data/who/acfa.json", "/data/who/bfa.json", "/data/who/hcfa.json", "/data/who/lhfa.json", "/data/who/wfa.json", "/data/who/wfh.json", "/data/who/wfl.json", "/icons/icon.svg", "/index.html", "/js/api.js", "/js/app.js", "/js/assess.js", "/js/auth.js", "/js/chart.js", "/js/checks.js", "/js/conflicts.js", "/js/db.js", "/js/due-list.js", "/js/due.js", "/js/duplicates.js", "/js/growth.js", "/js/i18n.js", "/js/incoming.js", "/js/instant.js", "/js/kbm.js", "/js/lang.js", "/js/lots.js", "/js/outbox.js", "/js/report-shape.js", "/js/schedule.js", "/js/screens/child.js", "/js/screens/devices.js", "/js/screens/doses.js", "/js/screens/duplicates.js", "/js/screens/forms.js", "/js/screens/home.js", "/js/screens/login.js", "/js/screens/parent.js", "/js/screens/reports.js", "/js/screens/sync.js", "/js/skdn.js", "/js/sync.js", "/js/ui.js", "/manifest.webmanifest"];
const CACHE = `posyandu-shell-${VERSION}`;

// One file at a time, each tried 3 times, past the HTTP cache: a flaky first visit still gets it all.
async function precache() {
  const cache = await caches.open(CACHE);
  const parts = [];
  for (const url of PRECACHE) {
    for (let attempt = 1; !(await cache.match(url)); attempt += 1) {
      try {
        const response = await fetch(url, { cache: 'no-cache' });
        if (!response.ok) throw Error(`${url}: ${response.status}`);
        await cache.put(url, response);
      } catch (e) {
        if (attempt === 3) throw e; // install fails: tried again next visit
      }
    }
    parts.push(`${url}\0`, await (await cache.match(url)).blob(), '\0');
  }
  // only if they hash to VERSION: never a wifi login page as a file (the app would not start)
  const sum = await crypto.subtle.digest('SHA-256', await new Blob(parts).arrayBuffer());
  if ([...new Uint8Array(sum, 0, 8)].map((b) => (b | 256).toString(16).slice(1)).join('') !== VERSION) {
    await caches.delete(CACHE);
    throw Error('not this version');
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
  if (event.data === 'version') event.source.postMessage({ version: VERSION });
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

// Background Sync (Chromium): the open app runs its own sync.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((list) => list.forEach((c) => c.postMessage({ sync: true }))));
});
