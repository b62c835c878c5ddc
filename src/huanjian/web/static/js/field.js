/* Field record on the phone (现场监测移动端): works offline, syncs when online.
 *
 * Every step is queued in IndexedDB as an event with a UUID made here, the device
 * time and the last server seq this page had seen (base_seq). Syncing POSTs the
 * queue; the server stores each uuid once (resending is harmless) and answers per
 * event: accepted, conflict (the server changed meanwhile: kept there, shown here
 * to resolve) or rejected (kept here, shown). Nothing is removed from the device
 * until the server has it. No framework, no build step.
 */
(function () {
  "use strict";
  const root = document.getElementById("field-app");
  if (!root) return;
  const recordId = Number(root.dataset.record);
  const T = JSON.parse(document.getElementById("field-i18n").textContent);
  let state = JSON.parse(document.getElementById("field-state").textContent);
  const seqKey = "huanjian-field-seq-" + recordId;
  let baseSeq = Math.max(Number(localStorage.getItem(seqKey) || 0), state.record.last_seq);
  let syncing = false, again = false;
  let lastPosition = null;

  // ------------------------------------------------------------------ IndexedDB queue
  const DB_NAME = "huanjian-field", STORE = "events";
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          const s = req.result.createObjectStore(STORE, { keyPath: "uuid" });
          s.createIndex("record", "record");
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function withStore(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        const t = d.transaction(STORE, mode);
        const out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function put(item) { return withStore("readwrite", function (s) { s.put(item); }); }
  function all() {
    return withStore("readonly", function (s) { return s.index("record").getAll(recordId); })
      .then(function (items) { return (items || []).sort(function (a, b) { return a.n - b.n; }); });
  }

  // ------------------------------------------------------------------ helpers
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function hex(buf) { return Array.from(new Uint8Array(buf), function (x) { return x.toString(16).padStart(2, "0"); }).join(""); }
  function sha256OfDataUrl(url) {
    if (!(crypto.subtle && crypto.subtle.digest)) return Promise.resolve(null); // not a secure context
    const bin = atob(url.split(",")[1]);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return crypto.subtle.digest("SHA-256", bytes).then(hex);
  }
  function readAsDataUrl(file) {
    return new Promise(function (resolve, reject) {
      const r = new FileReader();
      r.onload = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(file);
    });
  }
  function shrink(dataUrl, file) {
    // Large camera photos are scaled to 1600 px (JPEG) before queueing; small files are kept as they are.
    if (file.size < 1500000) return Promise.resolve(dataUrl);
    return new Promise(function (resolve) {
      const img = new Image();
      img.onload = function () {
        const k = Math.min(1, 1600 / Math.max(img.width, img.height));
        const c = document.createElement("canvas");
        c.width = Math.round(img.width * k); c.height = Math.round(img.height * k);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        resolve(c.toDataURL("image/jpeg", 0.85));
      };
      img.onerror = function () { resolve(dataUrl); };
      img.src = dataUrl;
    });
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function num(v) { return v === "" || v === null || v === undefined ? null : Number(v); }
  let counter = Date.now();

  // ------------------------------------------------------------------ recording
  function recordEvent(kind, payload, extra) {
    const item = Object.assign({
      uuid: uuid(), record: recordId, n: counter++, kind: kind, payload: payload,
      device_time: new Date().toISOString(), base_seq: baseSeq, status: "queued", reason: null,
    }, extra || {});
    return put(item).then(render).then(function () { if (navigator.onLine) return sync(); });
  }

  function wire(id, handler) {
    const form = document.getElementById(id);
    if (form) form.addEventListener("submit", function (ev) { ev.preventDefault(); handler(form); });
  }

  wire("f-checkin", function (f) {
    recordEvent("check_in", { lat: num(f.lat.value), lon: num(f.lon.value), accuracy_m: lastPosition ? lastPosition.accuracy : null });
  });
  const locate = document.getElementById("locate");
  if (locate) locate.addEventListener("click", function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      lastPosition = p.coords;
      const f = document.getElementById("f-checkin");
      f.lat.value = p.coords.latitude.toFixed(6);
      f.lon.value = p.coords.longitude.toFixed(6);
    });
  });
  document.querySelectorAll(".f-checkpoint").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      recordEvent("checkpoint", { key: f.dataset.key, ok: f.ok.checked, value: num(f.value.value) });
    });
  });
  wire("f-reading", function (f) {
    recordEvent("reading", { parameter: f.parameter.value, value: num(f.value.value), unit: f.unit.value, instrument: f.instrument.value });
  });
  wire("f-photo", function (f) {
    const file = f.photo.files[0];
    if (!file) return;
    readAsDataUrl(file).then(function (url) { return shrink(url, file); }).then(function (url) {
      return sha256OfDataUrl(url).then(function (digest) {
        const p = { image: url, sha256: digest, caption: f.caption.value, taken_at: new Date().toISOString() };
        if (lastPosition) { p.lat = lastPosition.latitude; p.lon = lastPosition.longitude; }
        f.reset();
        return recordEvent("photo", p);
      });
    });
  });
  wire("f-sample", function (f) {
    const code = ("S-" + recordId + "-" + uuid().slice(0, 6)).toUpperCase();
    recordEvent("sample", { code: code, pollutant: f.pollutant.value, container: f.container.value });
  });

  // Signature pad: a drawn image, hashed on the device and again by the server.
  const pad = document.getElementById("sig-pad");
  let drawn = false;
  if (pad) {
    const ctx = pad.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    let down = false;
    function pos(e) {
      const r = pad.getBoundingClientRect();
      return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
    }
    pad.addEventListener("pointerdown", function (e) { down = true; const p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
    pad.addEventListener("pointermove", function (e) { if (!down) return; const p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
    window.addEventListener("pointerup", function () { down = false; });
    document.getElementById("sig-clear").addEventListener("click", function () {
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, pad.width, pad.height); drawn = false;
    });
  }
  wire("f-custody", function (f) {
    if (!drawn || !f.sample.value || !f.signer_name.value.trim()) return;
    const url = pad.toDataURL("image/png");
    sha256OfDataUrl(url).then(function (digest) {
      const p = { sample: f.sample.value, role: f.role.value, signer_name: f.signer_name.value.trim(), image: url, sha256: digest };
      document.getElementById("sig-clear").click();
      f.signer_name.value = "";
      return recordEvent("custody", p);
    });
  });

  // ------------------------------------------------------------------ sync
  function wire_body(items) {
    return JSON.stringify({
      events: items.map(function (i) {
        return { uuid: i.uuid, kind: i.kind, payload: i.payload, device_time: i.device_time, base_seq: i.base_seq, supersedes: i.supersedes || null };
      }),
    });
  }
  function post(items) {
    return fetch("/api/v1/field/records/" + recordId + "/events", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: wire_body(items),
    }).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }
  function sync() {
    if (!navigator.onLine) return Promise.resolve();
    // A step recorded while a sync is under way (the one on opening the page, say) is not in
    // that sync's batch: sync once more when it ends, or it would wait for the next trigger.
    if (syncing) { again = true; return Promise.resolve(); }
    syncing = true;
    again = false;
    return all().then(function (items) {
      const queued = items.filter(function (i) { return i.status === "queued"; });
      if (!queued.length) return null;
      return post(queued).then(function (body) {
        const byUuid = {};
        body.results.forEach(function (r) { byUuid[r.uuid] = r; });
        return Promise.all(queued.map(function (i) {
          const r = byUuid[i.uuid];
          if (!r) return null;
          i.status = r.status === "accepted" || r.status === "resolved" ? "sent" : r.status;
          i.reason = r.reason; i.seq = r.seq;
          if (i.status !== "rejected") { delete i.payload.image; } // the server keeps the image now
          return put(i);
        }));
      });
    }).then(refresh).catch(function () { /* offline or server away: the queue stays */ })
      .then(function () { syncing = false; render(); if (again) return sync(); });
  }
  function refresh() {
    return fetch("/api/v1/field/records/" + recordId, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (s) { state = s; baseSeq = s.record.last_seq; localStorage.setItem(seqKey, String(baseSeq)); })
      .then(loadLive);
  }
  function loadLive() {
    return fetch("/api/v1/field/records/" + recordId + "/live", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        const ul = document.getElementById("live");
        ul.replaceChildren();
        rows.slice(0, 12).forEach(function (x) {
          ul.appendChild(el("li", {}, x.data_time.replace("T", " ").slice(0, 16) + "  " + x.pollutant + " = " + x.value + (x.flag ? " (" + x.flag + ")" : "")));
        });
      }).catch(function () {});
  }
  function resolve(uuid, decision, reason) {
    return fetch("/api/v1/field/events/" + uuid + "/resolve", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ decision: decision, reason: reason }),
    }).then(refresh).then(render);
  }
  // Resend everything already sent (e.g. after a lost answer): the server stores nothing twice.
  function resendAll() {
    return all().then(function (items) {
      const sent = items.filter(function (i) { return i.status !== "queued"; });
      return sent.length ? post(sent) : { results: [] };
    });
  }

  // ------------------------------------------------------------------ rendering
  function render() {
    return all().then(function (items) {
      const queued = items.filter(function (i) { return i.status === "queued"; });
      document.getElementById("queue-count").textContent = String(queued.length);
      document.getElementById("net-state").textContent = navigator.onLine ? T.online : T.offline;
      document.getElementById("assignee").textContent = state.record.assignee_name;
      document.getElementById("record-status").textContent = state.record.status;

      const log = document.getElementById("log");
      log.replaceChildren();
      items.forEach(function (i) {
        const li = el("li", { "data-uuid": i.uuid, "data-status": i.status }, i.kind + " · " + (T[i.status === "sent" ? "accepted" : i.status] || i.status));
        if (i.reason) li.appendChild(el("small", {}, " — " + i.reason));
        log.appendChild(li);
      });

      const box = document.getElementById("conflicts-box");
      const ul = document.getElementById("conflicts");
      ul.replaceChildren();
      state.conflicts.forEach(function (c) {
        const li = el("li", { "data-uuid": c.uuid, "data-testid": "conflict" });
        li.appendChild(el("strong", {}, c.kind + " "));
        li.appendChild(el("span", {}, JSON.stringify(c.payload).slice(0, 120)));
        li.appendChild(el("br"));
        li.appendChild(el("small", {}, c.conflict_reason || ""));
        const reason = el("input", { value: T.reason, "aria-label": "reason", size: "12" });
        const keep = el("button", { type: "button", "data-testid": "discard" }, T.discard);
        const mine = el("button", { type: "button", "data-testid": "apply" }, T.apply);
        keep.addEventListener("click", function () { resolve(c.uuid, "discard", reason.value || T.reason); });
        mine.addEventListener("click", function () { resolve(c.uuid, "apply", reason.value || T.reason); });
        li.append(" ", reason, " ", keep, " ", mine);
        ul.appendChild(li);
      });
      document.getElementById("conflict-count").textContent = String(state.conflicts.length);
      box.hidden = state.conflicts.length === 0;

      // Samples: the server's and those still on this device, for labels and custody.
      const codes = state.samples.map(function (s) { return s.code; });
      items.forEach(function (i) { if (i.kind === "sample" && codes.indexOf(i.payload.code) < 0) codes.push(i.payload.code); });
      const select = document.querySelector("#f-custody select[name=sample]");
      const current = select.value;
      select.replaceChildren();
      codes.forEach(function (code) { select.appendChild(el("option", { value: code }, code)); });
      if (codes.indexOf(current) >= 0) select.value = current;
      const samples = document.getElementById("samples");
      samples.replaceChildren();
      state.samples.forEach(function (s) {
        const li = el("li", { "data-code": s.code }, s.code + " · " + s.pollutant + " · " + s.custody.map(function (c) { return c.role; }).join(" → ") + " ");
        li.appendChild(el("a", { href: "/api/v1/field/samples/" + encodeURIComponent(s.code) + "/label.svg", target: "_blank" }, T.label));
        samples.appendChild(li);
      });
    });
  }

  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  document.getElementById("sync").addEventListener("click", function () { sync(); });
  window.huanjianField = { sync: sync, resendAll: resendAll, queue: all, state: function () { return state; } };
  render().then(sync);
})();
