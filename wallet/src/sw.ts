/**
 * The wallet's service worker: keeps this build's page, script, stylesheet, manifest and icons so
 * the wallet opens offline (the balance and the emergency kit come from the encrypted storage).
 * The page is fetched fresh when the network answers; API calls are never cached.
 */
// The few service-worker types used (the "webworker" lib cannot sit beside "dom" in one program).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  /** Set by wallet/build.mjs: this build's version and the URLs to keep. */
  __SHELL: { version: string; urls: string[] };
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
}
const sw = self as unknown as ServiceWorkerScope;

const { version, urls } = sw.__SHELL;
const CACHE = `sluice-wallet-${version}`;

sw.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(urls))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("sluice-wallet-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/wallet") {
    // Network first, so a new build shows at once; the cached page when offline.
    event.respondWith(
      fetch(request).catch(
        async () => (await caches.match("/wallet", { cacheName: CACHE })) ?? Response.error(),
      ),
    );
    return;
  }
  if (urls.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  }
});
