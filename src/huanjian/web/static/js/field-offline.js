/* Registers the field pages' service worker (/field/sw.js, scope /field/) and, on the
 * overview, asks it to keep the pages of the open records assigned to this user
 * (elements with data-offline-url), so they open later without a network. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const urls = Array.from(document.querySelectorAll("[data-offline-url]"), function (e) { return e.getAttribute("data-offline-url"); });
  window.huanjianOffline = navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (reg) {
      if (!urls.length || !reg.active) return { warmed: 0 };
      return new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = function (e) { resolve(e.data); };
        reg.active.postMessage({ type: "warm", urls: urls }, [channel.port2]);
      });
    })
    .catch(function (err) { return { error: String(err) }; });
})();
