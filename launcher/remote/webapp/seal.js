// Sealed messages between this browser and the launcher through a broker (see
// docs/remote-broker.md): X25519 keys, HKDF-SHA256, AES-256-GCM with counters. The
// private key never leaves the browser: it is made non-extractable and kept in IndexedDB.
"use strict";

(() => {
  const subtle = crypto.subtle;
  const utf8 = new TextEncoder();
  const X25519 = { name: "X25519" };
  const PAIR_MAX_WAIT_MS = 10 * 60 * 1000;

  // ------------------------------------------------------------ base64url, hex

  function b64u(bytes) {
    let text = "";
    for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function unb64u(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
    const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(plain, (c) => c.charCodeAt(0));
  }

  function unhex(text) {
    return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
  }

  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

  // ------------------------------------------------------------ IndexedDB

  let db = null;
  function store(mode) {
    db =
      db ||
      new Promise((resolve, reject) => {
        const opening = indexedDB.open("leling", 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore("kv");
        opening.onsuccess = () => resolve(opening.result);
        opening.onerror = () => reject(opening.error);
      });
    return db.then((open) => open.transaction("kv", mode).objectStore("kv"));
  }

  const done = (request) =>
    new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

  const get = async (key) => done((await store("readonly")).get(key));
  const put = async (key, value) => done((await store("readwrite")).put(value, key));

  /** Change one stored number in one transaction, so two tabs never use the same one. */
  async function update(key, change) {
    const kv = await store("readwrite");
    const now = (await done(kv.get(key))) || 0;
    const next = change(now);
    if (next !== now) kv.put(next, key);
    return [now, next];
  }

  // ------------------------------------------------------------ keys

  /** A new key pair for pairing with `device`; the private half cannot be exported. */
  async function newHelperKey(device) {
    const pair = await subtle.generateKey(X25519, false, ["deriveBits"]);
    const key = { privateKey: pair.privateKey, publicRaw: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)) };
    await put(`key:${device}`, key);
    return key;
  }

  const helperKey = (device) => get(`key:${device}`);

  async function keyId(publicRaw) {
    return hex(await subtle.digest("SHA-256", publicRaw)).slice(0, 32);
  }

  async function aesKey(privateKey, otherRaw, device, info) {
    const other = await subtle.importKey("raw", otherRaw, X25519, true, []);
    const shared = await subtle.deriveBits({ name: "X25519", public: other }, privateKey, 256);
    const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    return subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: unhex(device), info: utf8.encode(info) },
      hkdf,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  }

  /** The two keys of one pair: `in` for requests, `out` for answers and events. */
  async function pairKeys(privateKey, devicePublic, device) {
    return {
      in: await aesKey(privateKey, devicePublic, device, "leling v1 to-launcher"),
      out: await aesKey(privateKey, devicePublic, device, "leling v1 to-helper"),
    };
  }

  // ------------------------------------------------------------ sealing

  async function encrypt(key, aad, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = utf8.encode(JSON.stringify(value));
    const ct = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(aad) }, key, plain);
    return { iv: b64u(iv), ct: b64u(ct) };
  }

  async function seal(key, topic, n, value) {
    return JSON.stringify({ v: 1, n, ...(await encrypt(key, `${topic}|${n}`, value)) });
  }

  /**
   * The value inside a sealed message, or null when it does not open (another key, a
   * flipped byte, moved to another topic). The counter is checked by the caller.
   */
  async function open(key, topic, text) {
    try {
      const message = JSON.parse(text);
      if (message.v !== 1 || !Number.isSafeInteger(message.n) || message.n < 1) return null;
      const plain = await subtle.decrypt(
        { name: "AES-GCM", iv: unb64u(message.iv), additionalData: utf8.encode(`${topic}|${message.n}`) },
        key,
        unb64u(message.ct),
      );
      return { n: message.n, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plain)) };
    } catch {
      return null;
    }
  }

  /** A pairing request sealed to the device key alone, with a key made for it. */
  async function sealPairing(devicePublic, device, topic, value) {
    const once = await subtle.generateKey(X25519, false, ["deriveBits"]);
    const key = await aesKey(once.privateKey, devicePublic, device, "leling v1 pair");
    const e = b64u(await subtle.exportKey("raw", once.publicKey));
    return JSON.stringify({ v: 1, e, ...(await encrypt(key, topic, value)) });
  }

  // ------------------------------------------------------------ the channel

  /**
   * Requests and answers with one launcher through the broker. `link` is
   * {device, key, broker}; `on` has presence({state, at}), event(value), online(bool).
   */
  async function channel(link, on, keyPair) {
    const me = keyPair || (await helperKey(link.device));
    if (!me) throw new Error("no key for this launcher");
    const id = await keyId(me.publicRaw);
    const keys = await pairKeys(me.privateKey, unb64u(link.key), link.device);
    const base = `leling/${link.device}`;
    const inTopic = `${base}/in/${id}`;
    const outTopic = `${base}/out/${id}`;
    const waiting = new Map();
    let refused = 0;
    let pairedStatus = "";
    const pairedWaiters = [];

    async function received(topic, bytes) {
      const text = new TextDecoder().decode(bytes);
      if (topic === `${base}/presence`) {
        try {
          const presence = JSON.parse(text);
          if (presence.state === "online" || presence.state === "offline") on.presence(presence);
        } catch {
          // not for us
        }
        return;
      }
      if (topic !== outTopic) return;
      const opened = await open(keys.out, outTopic, text);
      if (!opened) {
        refused += 1;
        return;
      }
      const [highest] = await update(`seen:${outTopic}`, (now) => Math.max(now, opened.n));
      if (opened.n <= highest) {
        refused += 1; // a replay
        return;
      }
      const value = opened.value;
      if (value.id != null && waiting.has(value.id)) waiting.get(value.id)(value);
      else if (value.event === "paired") {
        pairedStatus = String(value.status);
        pairedWaiters.splice(0).forEach((resolve) => resolve(pairedStatus));
      } else if (value.event) on.event(value);
    }

    // One message at a time, in the order they came: counters are checked in that order.
    let queue = Promise.resolve();
    const mqtt = LelingMqtt.connect(link.broker, {
      state: (online) => on.online && on.online(online),
      message: (topic, bytes) => (queue = queue.then(() => received(topic, bytes), () => {})),
    });
    mqtt.subscribe(`${base}/presence`);
    mqtt.subscribe(outTopic);

    async function send(topic, value) {
      const [, n] = await update(`sent:${topic}`, (now) => now + 1);
      mqtt.publish(topic, await seal(keys.in, topic, n, value));
    }

    return {
      keyId: id,
      get online() {
        return mqtt.online;
      },
      get refused() {
        return refused;
      },
      /** Ask to help with this key; the answer comes with paired(). */
      async pair(code, name) {
        const plain = { code, name, key: b64u(me.publicRaw), at: Math.floor(Date.now() / 1000) };
        mqtt.publish(`${base}/pair`, await sealPairing(unb64u(link.key), link.device, `${base}/pair`, plain));
      },
      /** The launcher's answer: approved, refused, wrong-code, locked (or expired). */
      paired() {
        if (pairedStatus) return Promise.resolve(pairedStatus);
        return new Promise((resolve) => {
          pairedWaiters.push(resolve);
          setTimeout(() => resolve("expired"), PAIR_MAX_WAIT_MS);
        });
      },
      /** One API request; resolves with {status, body}, rejects after `timeoutMs`. */
      request(request, timeoutMs) {
        const rid = b64u(crypto.getRandomValues(new Uint8Array(9)));
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting.delete(rid);
            reject(new Error("no answer"));
          }, timeoutMs);
          waiting.set(rid, (answer) => {
            clearTimeout(timer);
            waiting.delete(rid);
            resolve(answer);
          });
          send(inTopic, { id: rid, ...request, at: Math.floor(Date.now() / 1000) }).catch(reject);
        });
      },
      close: () => mqtt.close(),
    };
  }

  window.LelingSeal = { b64u, unb64u, newHelperKey, helperKey, keyId, pairKeys, seal, open, sealPairing, channel, update };
})();
