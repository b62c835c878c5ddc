/* Registers the field pages' service worker (/field/sw.js, scope /field/) and, on the
 * overview, asks it to keep the pages of the open records assigned to this user
 * (elements with data-offline-url), so they open later without a network.
 * window.huanjianOffline resolves with the worker's answer ({warmed, cache}). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const urls = Array.from(document.querySelectorAll("[data-offline-url]"), function (e) { return e.getAttribute("data-offline-url"); });
  // The overview (/field) is outside the worker's scope, so navigator.serviceWorker.ready
  // would never resolve there: wait for this registration's worker to be activated instead.
  function active(reg) {
    if (reg.active) return Promise.resolve(reg.active);
    const worker = reg.installing || reg.waiting;
    return new Promise(function (resolve) {
      worker.addEventListener("statechange", function () { if (worker.state === "activated") resolve(worker); });
    });
  }
  window.huanjianOffline = navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" })
    .then(active)
    .then(function (worker) {
      if (!urls.length) return { warmed: 0 };
      return new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = function (e) { resolve(e.data); };
        worker.postMessage({ type: "warm", urls: urls }, [channel.port2]);
      });
    })
    .catch(function (err) { return { error: String(err) }; });
})();
