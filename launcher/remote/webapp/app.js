// The relative's remote-help app: pairing, then forms built from /api/schema.
// Plain DOM, no framework: it must load fast on an old phone over home Wi-Fi and be
// served by the launcher itself, with nothing fetched from elsewhere.
"use strict";

(() => {
  const WORDS = window.LELING_WORDS;
  const LANGS = [
    ["zh_CN", "简体中文", "zh-CN"],
    ["zh_HK", "繁體中文（香港）", "zh-HK"],
    ["en", "English", "en"],
    ["ug", "ئۇيغۇرچە", "ug"],
  ];
  const STORE = "leling.helper";
  const LANG_STORE = "leling.lang";
  const PAIRING_STORE = "leling.pairing";
  const LINK_STORE = "leling.link";
  const POLL_MS = 1500;
  const REQUEST_TIMEOUT_MS = 20000;
  const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
  const PHOTO_MAX_SIDE = 1024;
  // Settings on "Look and sound"; "More settings" shows the rest of the schema.
  const LOOK_KEYS = [
    "locale",
    "theme",
    "text_scale",
    "voice.enabled",
    "voice.rate",
    "voice.volume",
  ];
  const SECTIONS = ["screen", "tiles", "contacts", "plugins", "look", "message", "changes", "more", "stop"];

  const state = {
    lang: pickLanguage(),
    helper: readJson(localStorage, STORE),
    // Broker details from a pairing link; the launcher's presence seen through it.
    link: linkFromUrl(),
    channel: null,
    presence: null,
    heardAt: 0,
    schema: null,
    schemaLang: "",
    settings: null,
    revision: null,
    senior: "",
    photoUrls: new Map(),
    pollTimer: 0,
    notice: "",
    page: "",
  };

  // ---------------------------------------------------------------- words

  function pickLanguage() {
    const saved = localStorage.getItem(LANG_STORE);
    if (WORDS[saved]) return saved;
    for (const tag of navigator.languages || [navigator.language || ""]) {
      const lower = tag.toLowerCase();
      if (lower.startsWith("ug")) return "ug";
      if (/^zh-(hk|mo|tw|hant)/.test(lower)) return "zh_HK";
      if (lower.startsWith("zh")) return "zh_CN";
      if (lower.startsWith("en")) return "en";
    }
    return "zh_CN";
  }

  function t(key, values) {
    let text = WORDS[state.lang][key] ?? WORDS.en[key] ?? key;
    for (const [name, value] of Object.entries(values || {})) {
      // Names and numbers keep their own direction inside Uyghur sentences.
      const shown = state.lang === "ug" ? `\u2068${value}\u2069` : String(value);
      text = text.split(`{${name}}`).join(shown);
    }
    return text;
  }

  function bcp47() {
    return LANGS.find(([id]) => id === state.lang)[2];
  }

  /** A localized value is either text or {locale: text}; show the best one. */
  function localized(value) {
    if (value && typeof value === "object") {
      return value[state.lang] || value.en || value.zh_CN || Object.values(value)[0] || "";
    }
    return value == null ? "" : String(value);
  }

  /** Writing a localized value keeps the other languages' texts. */
  function withLocalized(old, text) {
    if (old && typeof old === "object") return { ...old, [state.lang]: text };
    return text;
  }

  // ---------------------------------------------------------------- DOM

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key in el && typeof value !== "string") el[key] = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  let uid = 0;
  function nextId(prefix) {
    uid += 1;
    return `${prefix}-${uid}`;
  }

  const app = () => document.getElementById("app");

  function show(...nodes) {
    const main = app();
    // The same page shown again after a save keeps its place on the screen.
    const samePage = main.dataset.page === state.page;
    // Which page is shown, for tests and for styling; the hash may run ahead of it.
    main.dataset.page = state.page;
    main.replaceChildren(...nodes.flat().filter((node) => node != null && node !== false));
    const heading = main.querySelector("h1");
    if (samePage) return;
    window.scrollTo(0, 0);
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  /** The line at the bottom of the screen that says how the last action went. */
  function say(kind, text, undoChange) {
    const bar = document.getElementById("bar");
    bar.className = `bar ${kind}`;
    const parts = [h("p", { class: "bar-text", text })];
    parts.push(
      h("button", {
        type: "button",
        class: "bar-close",
        "aria-label": t("close"),
        title: t("close"),
        text: "×",
        onclick: quiet,
      }),
    );
    if (undoChange != null) {
      parts.push(
        h("button", { type: "button", class: "button bar-undo", onclick: () => undo(undoChange) }, t("undo")),
      );
    }
    bar.replaceChildren(...parts);
    bar.hidden = false;
    document.body.classList.add("with-bar");
  }

  function quiet() {
    const bar = document.getElementById("bar");
    bar.hidden = true;
    bar.replaceChildren();
    document.body.classList.remove("with-bar");
  }

  /** Shows ``text`` in ``el``, or hides it when there is none. */
  function setLine(el, text) {
    el.textContent = text;
    el.hidden = !text;
  }

  function busy(button, label) {
    const before = button.textContent;
    button.disabled = true;
    button.textContent = label;
    return () => {
      button.disabled = false;
      button.textContent = before;
    };
  }

  // ---------------------------------------------------------------- API

  class Offline extends Error {}
  class Unpaired extends Error {}
  class Queued extends Offline {}

  async function api(method, path, options = {}) {
    if (state.helper && state.helper.broker && !options.anonymous) return brokerApi(method, path, options);
    const url = new URL(`api/${path}`, document.baseURI);
    if (options.lang) url.searchParams.set("lang", state.lang);
    for (const [key, value] of Object.entries(options.query || {})) url.searchParams.set(key, value);
    const headers = { Accept: "application/json", "Accept-Language": bcp47() };
    if (state.helper && !options.anonymous) headers.Authorization = `Bearer ${state.helper.token}`;
    let body;
    if (options.blob) {
      body = options.blob;
      headers["Content-Type"] = options.blob.type;
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, { method, headers, body, signal: abort.signal, cache: "no-store" });
    } catch (error) {
      throw new Offline(String(error));
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401 && !options.anonymous) {
      unpair("unpaired");
      throw new Unpaired();
    }
    let data = null;
    if (options.binary && response.ok) {
      data = await response.blob();
    } else if ((response.headers.get("Content-Type") || "").includes("json")) {
      data = await response.json().catch(() => null);
    }
    return { status: response.status, ok: response.ok, data: data || {} };
  }

  // ---------------------------------------------------------------- through a broker

  /** The same call sealed and sent through the broker; answered in the shape fetch gives. */
  async function brokerApi(method, path, options) {
    // Sealed requests carry JSON only: a photo cannot be sent this way.
    if (options.blob) return { status: 415, ok: false, data: { error: t("broker_no_pictures") } };
    const query = new URLSearchParams(options.query || {}).toString();
    const request = { method, path: `/api/${path}${query ? `?${query}` : ""}`, lang: state.lang };
    if (options.json !== undefined) request.body = options.json;
    // While the launcher is off the broker keeps a change and hands it over later.
    const off = state.presence && state.presence.state === "offline";
    if (off && method === "GET") throw new Offline("the launcher is offline");
    let answer;
    try {
      answer = await (await channel()).request(request, off ? 0 : REQUEST_TIMEOUT_MS);
    } catch (error) {
      throw off ? new Queued(String(error)) : new Offline(String(error));
    }
    state.heardAt = Date.now() / 1000;
    if (answer.status === 401) {
      unpair("unpaired");
      throw new Unpaired();
    }
    const ok = answer.status >= 200 && answer.status < 300;
    let data = answer.body && typeof answer.body === "object" ? answer.body : {};
    // A picture comes as {type, data: base64url}.
    if (options.binary && ok) data = new Blob([LelingSeal.unb64u(String(data.data))], { type: String(data.type) });
    return { status: answer.status, ok, data };
  }

  /** The one connection to the broker for this page, opened on first use. */
  function channel() {
    if (!state.channel) {
      const link = state.helper ? state.helper.broker : state.link;
      const on = { presence: presenceArrived, event: brokerEvent, online: () => showPresence() };
      state.channel = LelingSeal.channel(link, on);
      state.channel.catch(() => (state.channel = null));
    }
    return state.channel;
  }

  function closeChannel() {
    if (state.channel) state.channel.then((open) => open.close(), () => {});
    state.channel = null;
  }

  function brokerEvent(value) {
    if (value.event === "revoked") unpair("unpaired");
    else if (value.event === "alarm" && value.body) alarmArrived(value.body);
    else if (value.event === "message" && value.body) messageArrived(value.body);
  }

  /** A message the launcher sent this relative (a reply, a request): on top, until closed. */
  function messageArrived(message) {
    const close = h("button", { type: "button", class: "button wide" }, t("close"));
    const section = h(
      "section",
      { class: "family-message", role: "status" },
      h("h2", { text: String(message.title || "") }),
      h("p", { class: "alarm-body", text: String(message.body || "") }),
      close,
    );
    close.addEventListener("click", () => section.remove());
    app().prepend(section);
  }

  function presenceArrived(presence) {
    // A last will carries the time the launcher connected: it was active later than that.
    const was = state.presence;
    let at = Number(presence.at) || 0;
    if (presence.state === "offline") at = Math.max(at, state.heardAt, was ? Number(was.at) || 0 : 0);
    state.presence = { state: presence.state, at };
    showPresence();
  }

  /** Under the header: whether the senior's launcher is online, or when it last was. */
  function showPresence() {
    const line = document.getElementById("presence");
    const presence = state.helper && state.helper.broker ? state.presence : null;
    if (!line) return;
    line.hidden = !presence;
    if (!presence) return;
    line.className = `presence ${presence.state}`;
    if (presence.state === "online") {
      line.textContent = t("presence_online");
      return;
    }
    const when = new Date(presence.at * 1000);
    const today = when.toDateString() === new Date().toDateString();
    const shape = today ? {} : { month: "short", day: "numeric" };
    const text = when.toLocaleString(bcp47(), { ...shape, hour: "numeric", minute: "2-digit" });
    line.textContent = t("presence_offline", { when: text });
  }

  /** Broker details from the pairing link's fragment (#d=…&k=…&b=…), which no server sees. */
  function linkFromUrl() {
    const found = new URLSearchParams(location.hash.slice(1));
    const link = { device: found.get("d") || "", key: found.get("k") || "", broker: found.get("b") || "" };
    const usable = window.isSecureContext && window.crypto.subtle && window.LelingSeal;
    if (usable && /^[0-9a-f]{32}$/.test(link.device) && /^[\w-]{43}$/.test(link.key) && /^wss?:\/\//.test(link.broker)) {
      sessionStorage.setItem(LINK_STORE, JSON.stringify(link));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return readJson(sessionStorage, LINK_STORE);
  }

  /** Send the sealed pairing request; the senior's answer comes back as an event. */
  async function brokerPair(code, name) {
    closeChannel();
    await LelingSeal.newHelperKey(state.link.device);
    const open = await channel();
    const pending = { broker: true, name, started: Date.now() };
    sessionStorage.setItem(PAIRING_STORE, JSON.stringify(pending));
    await open.pair(code, name);
    return pending;
  }

  async function brokerWait(pending) {
    const status = await (await channel()).paired();
    if (!readJson(sessionStorage, PAIRING_STORE)) return; // cancelled meanwhile
    if (status === "approved") {
      state.helper = { broker: state.link, name: pending.name, helper: null };
      localStorage.setItem(STORE, JSON.stringify(state.helper));
      sessionStorage.removeItem(LINK_STORE);
      showPresence();
    }
    pairingOutcome(status === "refused" ? "declined" : status);
  }

  /** Report a failed call in the bar; Unpaired has already sent the page to pairing. */
  function failure(error) {
    if (error instanceof Unpaired) return;
    if (error instanceof Queued) {
      say("error", t("broker_queued"));
      return;
    }
    if (error instanceof Offline) {
      say("error", t(state.helper && state.helper.broker ? "broker_offline" : "offline"));
      return;
    }
    console.error(error);
    say("error", t("failed", { error: error.message || String(error) }));
  }

  /** The launcher's own sentence for a refused request. */
  function refused(result) {
    return result.data.error || `HTTP ${result.status}`;
  }

  function errorText(result) {
    return t("failed", { error: refused(result) });
  }

  async function loadSchema() {
    if (state.schema && state.schemaLang === state.lang) return state.schema;
    const result = await api("GET", "schema", { lang: true });
    if (!result.ok) throw new Error(refused(result));
    state.schema = result.data;
    state.schemaLang = state.lang;
    return state.schema;
  }

  async function loadSettings() {
    const result = await api("GET", "settings");
    if (!result.ok) throw new Error(refused(result));
    state.settings = result.data.settings;
    state.revision = result.data.revision;
    return state.settings;
  }

  async function loadStatus() {
    const result = await api("GET", "status", { lang: true });
    if (result.ok) {
      state.senior = result.data.senior || "";
      if (result.data.helper) state.helper = { ...state.helper, helper: result.data.helper };
    }
  }

  /**
   * Whole-list edits are built from what this page last saw; if the launcher changed
   * meanwhile, show the latest instead of overwriting someone else's change.
   */
  async function stillCurrent(key, basis) {
    await loadSettings();
    if (JSON.stringify(state.settings[key] || []) !== JSON.stringify(basis)) {
      await route();
      say("error", t("changed_meanwhile"));
      return false;
    }
    return true;
  }

  /**
   * Send changes; on success say so with an Undo, on 400 put each message beside its
   * field. Returns true when saved.
   */
  async function patch(changes, form) {
    if (form) form.clearErrors();
    const result = await api("PATCH", "settings", { lang: true, json: { changes } });
    if (result.ok) {
      state.settings = result.data.settings;
      state.revision = result.data.revision;
      const change = result.data.change;
      say("ok", t("saved"), change && change.id != null ? change.id : null);
      return true;
    }
    const fields = result.data.fields || {};
    const keys = Object.keys(fields);
    if (result.status === 400 && form && keys.length) {
      // Said beside the fields and above the button, not in the bar, which would cover
      // the button on a phone.
      const unplaced = keys.filter((key) => !form.showError(key, fields[key]));
      const extra = unplaced.map((key) => fields[key]).join(" ");
      form.general.textContent = extra ? `${t("fix_fields")} ${extra}` : t("fix_fields");
      form.general.hidden = false;
      quiet();
      form.focusFirstError();
    } else if (keys.length) {
      say("error", `${errorText(result)} ${Object.values(fields).join(" ")}`);
    } else {
      say("error", errorText(result));
    }
    return false;
  }

  async function undo(id) {
    try {
      const result = await api("POST", `changes/${encodeURIComponent(id)}/undo`, { lang: true });
      if (!result.ok) {
        say("error", errorText(result));
        return;
      }
      state.settings = result.data.settings;
      state.revision = result.data.revision;
      await route();
      say("ok", t("undone"));
    } catch (error) {
      failure(error);
    }
  }

  async function photoUrl(name) {
    if (!name) return "";
    if (state.photoUrls.has(name)) return state.photoUrls.get(name);
    // Contacts keep the photo as "photos/<file>", where the API serves it.
    const file = name.split("/").pop();
    const result = await api("GET", `photos/${encodeURIComponent(file)}`, { binary: true });
    if (!result.ok) return "";
    const url = URL.createObjectURL(result.data);
    state.photoUrls.set(name, url);
    return url;
  }

  // ---------------------------------------------------------------- helper identity

  function readJson(storage, key) {
    try {
      const value = JSON.parse(storage.getItem(key) || "null");
      return value && typeof value === "object" ? value : null;
    } catch {
      return null;
    }
  }

  function unpair(reason) {
    clearTimeout(state.pollTimer);
    closeChannel();
    state.presence = null;
    showPresence();
    screenReset();
    localStorage.removeItem(STORE);
    state.helper = null;
    state.schema = null;
    state.settings = null;
    for (const url of state.photoUrls.values()) URL.revokeObjectURL(url);
    state.photoUrls.clear();
    state.notice = reason;
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    route();
  }

  // ---------------------------------------------------------------- pairing

  function codeFromUrl() {
    const code = new URLSearchParams(location.search).get("c") || "";
    return /^\d{6}$/.test(code) ? code : "";
  }

  function pairingPage() {
    state.page = "pair";
    const pending = readJson(sessionStorage, PAIRING_STORE);
    if (pending) {
      waitingPage(pending);
      return;
    }
    const urlCode = codeFromUrl();
    const nameId = nextId("name");
    const codeId = nextId("code");
    const nameError = h("p", { class: "field-error", id: `${nameId}-error`, hidden: true });
    const codeError = h("p", { class: "field-error", id: `${codeId}-error`, hidden: true });
    const nameInput = h("input", {
      id: nameId,
      name: "name",
      type: "text",
      autocomplete: "name",
      maxlength: "40",
      required: true,
      value: localStorage.getItem("leling.name") || "",
      "aria-describedby": `${nameId}-hint ${nameId}-error`,
    });
    const codeInput = h("input", {
      id: codeId,
      name: "code",
      type: "text",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      maxlength: "6",
      dir: "ltr",
      class: "code",
      value: urlCode,
      "aria-describedby": `${codeId}-error`,
    });
    const submit = h("button", { type: "submit", class: "button primary wide" }, t("pair_button"));
    const notice = state.notice
      ? h("p", { class: `note ${state.notice === "stopped" ? "ok" : "error"}`, role: "alert", text: t(state.notice) })
      : null;
    state.notice = "";

    const form = h(
      "form",
      { class: "card", novalidate: true, onsubmit: (event) => askToHelp(event) },
      h(
        "div",
        { class: "field", hidden: Boolean(urlCode) },
        h("label", { for: codeId }, t("code_label")),
        codeInput,
        codeError,
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: nameId }, t("name_label")),
        h("p", { class: "hint", id: `${nameId}-hint`, text: t("name_hint") }),
        nameInput,
        nameError,
      ),
      submit,
    );

    async function askToHelp(event) {
      event.preventDefault();
      const name = nameInput.value.trim();
      const code = codeInput.value.replace(/\s/g, "");
      let bad = false;
      for (const [ok, input, error, words] of [
        [/^\d{6}$/.test(code), codeInput, codeError, "need_code"],
        [name.length > 0, nameInput, nameError, "need_name"],
      ]) {
        error.hidden = ok;
        error.textContent = ok ? "" : t(words);
        input.setAttribute("aria-invalid", String(!ok));
        if (!ok) {
          error.closest(".field").hidden = false;
          if (!bad) input.focus();
          bad = true;
        }
      }
      if (bad) return;
      localStorage.setItem("leling.name", name);
      const done = busy(submit, t("sending"));
      try {
        if (state.link) {
          const pending = await brokerPair(code, name);
          done();
          waitingPage(pending);
          return;
        }
        const result = await api("POST", "pair", { anonymous: true, json: { code, name } });
        done();
        if (result.status === 202) {
          const pending = { ...result.data, name, started: Date.now() };
          sessionStorage.setItem(PAIRING_STORE, JSON.stringify(pending));
          waitingPage(pending);
          return;
        }
        if (result.status === 403) {
          // The server tells a wrong code from none showing; it answers in our language.
          let text = result.data.error || t("wrong_code");
          if (result.data.tries_left != null) text += ` ${t("tries_left", { n: result.data.tries_left })}`;
          codeInput.closest(".field").hidden = false;
          codeError.hidden = false;
          codeError.textContent = text;
          codeInput.setAttribute("aria-invalid", "true");
          codeInput.focus();
        } else if (result.status === 423) {
          say("error", t("locked_out", { min: Math.max(1, Math.ceil((result.data.retry_after || 60) / 60)) }));
        } else {
          say("error", errorText(result));
        }
      } catch (error) {
        done();
        failure(error);
      }
    }

    show(
      h("h1", { text: t("pair_title") }),
      notice,
      h("p", { class: "lead", text: t("pair_intro") }),
      form,
    );
  }

  function waitingPage(pending) {
    state.page = "waiting";
    const status = h("p", { class: "lead", role: "status" }, t("waiting_hint", { name: pending.name }));
    state.waitingStatus = status;
    const cancel = h(
      "button",
      {
        type: "button",
        class: "button secondary wide",
        onclick: () => {
          clearTimeout(state.pollTimer);
          sessionStorage.removeItem(PAIRING_STORE);
          pairingPage();
        },
      },
      t("cancel"),
    );
    const waitingTitle = pending.senior
      ? t("waiting_named", { senior: pending.senior })
      : t("waiting_plain");
    show(
      h("h1", { text: waitingTitle, class: "waiting" }),
      h("div", { class: "spinner", "aria-hidden": "true" }),
      status,
      cancel,
    );
    if (pending.broker) brokerWait(pending).catch(failure);
    else poll(pending);
  }

  async function poll(pending) {
    clearTimeout(state.pollTimer);
    let result;
    try {
      result = await api("GET", `pair/${encodeURIComponent(pending.request)}`, {
        anonymous: true,
        query: { claim: pending.claim },
      });
    } catch (error) {
      // Wi-Fi blips while waiting are normal; keep asking.
      state.pollTimer = setTimeout(() => poll(pending), POLL_MS * 2);
      return;
    }
    if (!readJson(sessionStorage, PAIRING_STORE)) return; // cancelled meanwhile
    const outcome = result.status === 404 ? "expired" : result.data.status;
    if (outcome === "approved" && result.data.token) {
      sessionStorage.removeItem(PAIRING_STORE);
      state.helper = { token: result.data.token, name: pending.name, helper: result.data.helper || null };
      localStorage.setItem(STORE, JSON.stringify(state.helper));
      // The code in the address was for this one pairing; a reload should not reuse it.
      history.replaceState(null, "", location.pathname);
      await start();
      return;
    }
    if (outcome === "declined" || outcome === "expired") {
      pairingOutcome(outcome);
      return;
    }
    // The senior is on a call: the launcher says why the question waits.
    if (state.waitingStatus) {
      state.waitingStatus.textContent =
        result.data.waiting_for === "call" && result.data.message
          ? result.data.message
          : t("waiting_hint", { name: pending.name });
    }
    state.pollTimer = setTimeout(() => poll(pending), POLL_MS);
  }

  function pairingOutcome(outcome) {
    sessionStorage.removeItem(PAIRING_STORE);
    // A code works once: trying again needs a new one from the launcher's screen.
    history.replaceState(null, "", location.pathname);
    if (outcome === "approved") {
      start();
      return;
    }
    if (outcome === "wrong-code" || outcome === "locked") {
      state.notice = outcome === "locked" ? "broker_locked" : "wrong_code";
      pairingPage();
      return;
    }
    state.page = outcome;
    show(
      h("h1", { text: t(outcome) }),
      h("p", { class: "lead", text: t("new_code") }),
      h("button", { type: "button", class: "button primary wide", onclick: () => pairingPage() }, t("try_again")),
    );
  }

  // ---------------------------------------------------------------- forms from the schema

  function fieldKey(parentKey, child) {
    if (!parentKey || child.key.startsWith(`${parentKey}.`)) return child.key;
    return `${parentKey}.${child.key}`;
  }

  function findField(fields, dotted) {
    for (const field of fields || []) {
      if (field.key === dotted) return field;
      if (dotted.startsWith(`${field.key}.`) && field.kind === "object") {
        const inner = findField(
          (field.children || []).map((c) => ({ ...c, key: fieldKey(field.key, c) })),
          dotted,
        );
        if (inner) return inner;
      }
    }
    return null;
  }

  function getPath(tree, dotted) {
    let current = tree;
    for (const part of dotted.split(".")) {
      if (current == null || typeof current !== "object") return undefined;
      current = current[part];
    }
    return current;
  }

  function isNumber(field) {
    return field.kind === "int" || field.kind === "float";
  }

  function hintFor(field) {
    if (field.locked) return t("locked_field");
    if (field.key === "locale") return t("locale_hint");
    if (isNumber(field) && !(field.choices && field.choices.length)) {
      const { minimum: min, maximum: max } = field;
      if (min != null && max != null) return t("range", { min, max });
      if (min != null) return t("at_least", { min });
      if (max != null) return t("at_most", { max });
    }
    if ((field.kind === "str" || field.kind === "localized") && field.max_length) {
      return field.max_length <= 200 ? t("max_chars", { n: field.max_length }) : "";
    }
    if (field.kind === "list") return t("one_per_line");
    return "";
  }

  function choiceTitle(field, choice) {
    const titles = field.choice_titles || {};
    if (titles[choice]) return titles[choice];
    if (field.key === "text_scale") return t("percent", { n: choice });
    if (field.key === "locale") {
      if (choice === "auto") return t("locale_auto");
      const known = ((state.schema && state.schema.locales) || []).find((l) => l.id === choice);
      if (known) return known.name;
    }
    return choice;
  }

  /** Whether a value breaks its field's bounds or form, as the server would find. */
  function violates(field, value) {
    if (typeof value === "string" && (field.kind === "str" || field.kind === "localized")) {
      if (field.max_length != null && value.length > field.max_length) return true;
      if (field.pattern && value) {
        try {
          return !new RegExp(`^(?:${field.pattern})$`, "u").test(value);
        } catch {
          return false; // a pattern JavaScript cannot read: let the server's word stand
        }
      }
    }
    if (typeof value === "number" && isNumber(field)) {
      if (field.minimum != null && value < field.minimum) return true;
      if (field.maximum != null && value > field.maximum) return true;
    }
    return false;
  }

  /**
   * A form whose controls are registered by dotted key, so a 400 from the server can put
   * each message beside its control.
   */
  function makeForm(onsubmit) {
    const controls = new Map();
    const general = h("p", { class: "field-error", role: "alert", hidden: true });
    const el = h("form", { class: "card", novalidate: true, onsubmit });
    return {
      el,
      controls,
      general,
      add(control) {
        controls.set(control.key, control);
        return control.el;
      },
      clearErrors() {
        for (const control of controls.values()) control.setError("");
        general.hidden = true;
      },
      /** Like changes(), but says so beside the button when a value cannot be read. */
      checked() {
        const out = this.changes();
        if (!out) {
          general.textContent = t("fix_fields");
          general.hidden = false;
          this.focusFirstError();
        }
        return out;
      },
      focusFirstError() {
        const first = el.querySelector("[aria-invalid='true']") || general;
        first.scrollIntoView({ block: "center" });
        if (first !== general) first.focus({ preventScroll: true });
      },
      showError(key, message) {
        // The server may name a deeper key (tiles.0.config.url.2) than the control.
        let probe = key;
        while (probe) {
          if (controls.has(probe)) {
            controls.get(probe).setError(message);
            return true;
          }
          probe = probe.includes(".") ? probe.slice(0, probe.lastIndexOf(".")) : "";
        }
        // A whole list was sent (contacts, tiles) and the server names only the list:
        // the message goes beside the item's fields whose values break the schema.
        let placed = false;
        for (const control of controls.values()) {
          if (control.key.startsWith(`${key}.`) && violates(control.field, control.read())) {
            control.setError(message);
            placed = true;
          }
        }
        return placed;
      },
      /** {key: value} of controls whose value differs from what they started with. */
      changes() {
        const out = {};
        let valid = true;
        for (const control of controls.values()) {
          if (control.field.locked) continue;
          const value = control.read();
          if (value === INVALID) {
            valid = false;
            continue;
          }
          if (JSON.stringify(value) !== JSON.stringify(control.initial)) out[control.key] = value;
        }
        return valid ? out : null;
      },
    };
  }

  const INVALID = Symbol("invalid");

  /** One labelled control for a schema field; returns {key, el, read, setError}. */
  function control(field, key, value, options = {}) {
    const id = nextId("f");
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const hint = options.hint ?? hintFor(field);
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const described = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
    const title = field.title || field.key;
    let input;
    let read;
    let initial = value;

    if (field.kind === "object") {
      const box = h("fieldset", { class: "group" }, h("legend", { text: title }));
      const inner = [];
      for (const child of field.children || []) {
        const childKey = fieldKey(key, child);
        if (options.skip && options.skip(childKey, child)) continue;
        const childControl = control(child, childKey, (value || {})[child.key.split(".").pop()], options);
        inner.push(childControl);
        box.append(childControl.el);
      }
      return { key, field, el: box, inner, read: () => INVALID, setError() {}, initial };
    }

    if (field.kind === "bool") {
      initial = Boolean(value);
      input = h("input", { id, type: "checkbox", checked: initial, "aria-describedby": described });
      read = () => input.checked;
    } else if ((field.kind === "choice" || isNumber(field)) && field.choices && field.choices.length) {
      input = h(
        "select",
        { id, "aria-describedby": described },
        field.choices.map((choice) =>
          h("option", { value: choice, selected: String(value) === String(choice) }, choiceTitle(field, choice)),
        ),
      );
      input.value = String(value);
      read = () => (isNumber(field) ? Number(input.value) : input.value);
    } else if (options.options) {
      // A text setting with a known list of values (the theme).
      const known = options.options.some(([choice]) => choice === value);
      const all = known || value == null || value === "" ? options.options : [[value, value], ...options.options];
      input = h(
        "select",
        { id, "aria-describedby": described },
        all.map(([choice, name]) => h("option", { value: choice }, name)),
      );
      if (value != null) input.value = value;
      read = () => input.value;
    } else if (isNumber(field)) {
      input = h("input", {
        id,
        type: "number",
        dir: "ltr",
        inputmode: field.kind === "int" ? "numeric" : "decimal",
        step: field.kind === "int" ? "1" : "any",
        min: field.minimum != null ? String(field.minimum) : null,
        max: field.maximum != null ? String(field.maximum) : null,
        value: value == null ? "" : String(value),
        "aria-describedby": described,
      });
      read = () => {
        const number = input.valueAsNumber;
        if (input.value === "" || Number.isNaN(number)) {
          setError(t("need_number"));
          return INVALID;
        }
        return number;
      };
    } else if (field.kind === "list") {
      const items = Array.isArray(value) ? value : [];
      input = h("textarea", { id, rows: "4", "aria-describedby": described }, items.join("\n"));
      read = () =>
        input.value
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => (isNumber({ kind: field.item_kind }) ? Number(line) : line));
    } else {
      const isLocalized = field.kind === "localized";
      const shown = isLocalized ? localized(value) : value == null ? "" : String(value);
      const last = key.split(".").pop();
      const type = options.type || (last === "phone" ? "tel" : last === "url" ? "url" : "text");
      const long = !isLocalized && field.max_length > 200;
      input = h(long ? "textarea" : "input", {
        id,
        type: long ? null : type,
        rows: long ? "3" : null,
        dir: type === "text" ? "auto" : "ltr",
        maxlength: field.max_length ? String(field.max_length) : null,
        autocomplete: options.autocomplete || "off",
        inputmode: long && type === "url" ? "url" : null,
        spellcheck: long ? "false" : null,
        "aria-describedby": described,
      });
      input.value = shown;
      if (isLocalized) {
        initial = value;
        read = () => (input.value === shown ? value : withLocalized(value, input.value));
      } else {
        initial = value == null ? "" : String(value);
        // A text box wraps long addresses for reading; a line break is never meant.
        read = () => (long ? input.value.replace(/\s*\n\s*/g, "") : input.value);
      }
    }
    // The dotted key names the control, as in the API (and for autofill and tests).
    input.name = key;
    if (field.locked) input.disabled = true;

    function setError(message) {
      setLine(error, message);
      input.setAttribute("aria-invalid", message ? "true" : "false");
    }

    const label = h("label", { for: id, text: title });
    const hintEl = hint ? h("p", { class: "hint", id: hintId, text: hint }) : null;
    const el =
      field.kind === "bool"
        ? h("div", { class: "field check" }, input, label, hintEl, error)
        : h("div", { class: "field" }, label, hintEl, input, error);
    return { key, field, el, read, setError, initial, focusable: input };
  }

  /** Adds a control (and, for objects, its children) to a form; returns the element. */
  function addControl(form, made) {
    if (made.inner) {
      for (const child of made.inner) addControl(form, child);
      return made.el;
    }
    return form.add(made);
  }

  function saveButton(form, label) {
    const button = h("button", { type: "submit", class: "button primary wide" }, label || t("save"));
    form.el.append(form.general, button);
    return button;
  }

  // ---------------------------------------------------------------- pages

  function page(titleKey, ...content) {
    return [
      h("a", { class: "back", href: "#" }, h("span", { class: "chevron back-chevron", "aria-hidden": "true" }), t("back")),
      h("h1", { text: t(titleKey) }),
      ...content,
    ];
  }

  function menuPage() {
    const who = state.senior ? t("helping", { senior: state.senior }) : t("helping_plain");
    show(
      h("p", { class: "helping", text: who }),
      h("h1", { text: t("menu_title") }),
      h(
        "nav",
        { "aria-label": t("menu_title") },
        h(
          "ul",
          { class: "menu" },
          menuSections().map((name) =>
            h(
              "li",
              {},
              h(
                "a",
                { href: `#${name}`, class: `menu-item${name === "stop" ? " danger" : ""}` },
                h("span", { class: "menu-title", text: t(`sec_${name}`) }),
                h("span", { class: "menu-desc", text: t(`sec_${name}_desc`) }),
                h("span", { class: "chevron", "aria-hidden": "true" }),
              ),
            ),
          ),
        ),
      ),
    );
    showAlarms();
  }

  // ---------------------------------------------------------------- SOS

  /** An SOS nobody has answered shows first, in red, with "I'm on it". */
  async function showAlarms() {
    let result;
    try {
      result = await api("GET", "alarms");
    } catch (error) {
      return; // the menu still works; the next visit asks again
    }
    const alarms = (result.ok && result.data.alarms) || [];
    const main = document.getElementById("app");
    main.querySelectorAll(".alarm").forEach((old) => old.remove());
    if (state.page !== "menu") return;
    for (const alarm of alarms.slice().reverse()) main.prepend(alarmSection(alarm));
  }

  /** An SOS sent through the broker shows at once, on whatever page is open. */
  function alarmArrived(alarm) {
    if (!alarm.id) return;
    if (app().querySelector(`[data-alarm="${CSS.escape(alarm.id)}"]`)) return;
    app().prepend(alarmSection(alarm));
    window.scrollTo(0, 0);
  }

  function alarmSection(alarm) {
    const button = h("button", { type: "button", class: "button danger wide" }, t("alarm_ack"));
    button.addEventListener("click", async () => {
      const done = busy(button, t("saving"));
      try {
        const answer = await api("POST", `alarms/${alarm.id}/ack`);
        if (answer.ok) {
          say("ok", t("alarm_acked", { senior: state.senior || "…" }));
          section.remove();
        } else say("error", errorText(answer));
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    const section = h(
      "section",
      { class: "alarm", role: "alert", "data-alarm": alarm.id },
      h("h2", { text: alarm.title }),
      h("p", { class: "alarm-body", text: alarm.body }),
      button,
    );
    return section;
  }

  function pluginName(id) {
    const plugin = (state.schema.plugins || []).find((p) => p.id === id);
    return plugin ? plugin.name : id;
  }

  function tileName(tile) {
    return localized(tile.label) || pluginName(tile.plugin);
  }

  async function saveTiles(basis, tiles, form) {
    if (!(await stillCurrent("tiles", basis))) return false;
    const saved = await patch({ tiles }, form);
    if (saved) await route({ keepBar: true });
    return saved;
  }

  function tilesPage() {
    const tiles = state.settings.tiles || [];
    const list = h("ol", { class: "items" });
    tiles.forEach((tile, index) => {
      const move = (delta) => async () => {
        const next = tiles.slice();
        const [moved] = next.splice(index, 1);
        next.splice(index + delta, 0, moved);
        try {
          if (await saveTiles(tiles, next)) focusLater(`[data-tile="${index + delta}"] [data-move="${delta}"]`);
        } catch (error) {
          failure(error);
        }
      };
      const remove = async () => {
        try {
          await saveTiles(tiles, tiles.filter((_, i) => i !== index));
        } catch (error) {
          failure(error);
        }
      };
      const name = tileName(tile);
      list.append(
        h(
          "li",
          { class: "item", "data-tile": String(index) },
          h("p", { class: "item-title", text: name }),
          tile.label ? h("p", { class: "item-sub", text: pluginName(tile.plugin) }) : null,
          h(
            "div",
            { class: "actions" },
            h(
              "button",
              { type: "button", class: "button", "data-move": "-1", disabled: index === 0, "aria-label": `${t("up")}: ${name}`, onclick: move(-1) },
              "↑ ",
              t("up"),
            ),
            h(
              "button",
              { type: "button", class: "button", "data-move": "1", disabled: index === tiles.length - 1, "aria-label": `${t("down")}: ${name}`, onclick: move(1) },
              "↓ ",
              t("down"),
            ),
            h("a", { class: "button", href: `#tile/${index}`, "aria-label": `${t("settings")}: ${name}` }, t("settings")),
            h("button", { type: "button", class: "button danger", "aria-label": `${t("remove")}: ${name}`, onclick: remove }, t("remove")),
          ),
        ),
      );
    });

    const plugins = state.schema.plugins || [];
    const form = makeForm(async (event) => {
      event.preventDefault();
      const values = form.changes();
      if (!values) return;
      const tile = { plugin: pluginControl.read(), label: labelControl.read(), config: {} };
      if (!tile.label) delete tile.label;
      const done = busy(submit, t("saving"));
      try {
        await saveTiles(tiles, [...tiles, tile], form);
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    const pluginControl = control(
      { key: "plugin", kind: "str", title: t("tile_kind") },
      `tiles.${tiles.length}.plugin`,
      plugins.length ? plugins[0].id : "",
      { options: plugins.map((p) => [p.id, p.name]) },
    );
    const labelControl = control({ key: "label", kind: "str", title: t("tile_label") }, `tiles.${tiles.length}.label`, "", {
      hint: t("tile_label_hint"),
    });
    form.el.append(h("h2", { text: t("tile_add_title") }), form.add(pluginControl), form.add(labelControl));
    const submit = saveButton(form, t("add"));

    show(...page("sec_tiles", tiles.length ? list : h("p", { class: "lead", text: t("tiles_empty") }), form.el));
  }

  function focusLater(selector) {
    const el = document.querySelector(selector);
    if (el && !el.disabled) el.focus();
  }

  function contactsPage() {
    const contacts = state.settings.contacts || [];
    const list = h("ul", { class: "items" });
    contacts.forEach((contact, index) => {
      const remove = async () => {
        try {
          if (!(await stillCurrent("contacts", contacts))) return;
          if (await patch({ contacts: contacts.filter((_, i) => i !== index) })) await route({ keepBar: true });
        } catch (error) {
          failure(error);
        }
      };
      const avatar = h("img", { class: "avatar", alt: "", hidden: true });
      photoUrl(contact.photo)
        .then((url) => {
          if (url) {
            avatar.src = url;
            avatar.hidden = false;
          }
        })
        .catch(() => {});
      const relation = localized(contact.relation);
      list.append(
        h(
          "li",
          { class: "item person", "data-contact": String(index) },
          h("div", { class: "avatar-box" }, h("span", { class: "initial", "aria-hidden": "true", text: (contact.name || "?").trim().slice(0, 1) }), avatar),
          h(
            "div",
            { class: "person-text" },
            h("p", { class: "item-title", text: contact.name }),
            relation ? h("p", { class: "item-sub", text: relation }) : null,
            contact.phone ? h("p", { class: "phone", dir: "ltr", text: contact.phone }) : null,
          ),
          h(
            "div",
            { class: "actions" },
            h("a", { class: "button", href: `#contact/${index}`, "aria-label": `${t("edit")}: ${contact.name}` }, t("edit")),
            h("button", { type: "button", class: "button danger", "aria-label": `${t("remove")}: ${contact.name}`, onclick: remove }, t("remove")),
          ),
        ),
      );
    });
    show(
      ...page(
        "sec_contacts",
        contacts.length ? list : h("p", { class: "lead", text: t("contacts_empty") }),
        h("a", { class: "button primary wide", href: "#contact/new" }, t("contact_add")),
      ),
    );
  }

  function contactPage(which) {
    const contacts = state.settings.contacts || [];
    const isNew = which === "new";
    const index = isNew ? contacts.length : Number(which);
    const listField = findField(state.schema.settings, "contacts") || {};
    const children = listField.children || [
      { key: "name", kind: "str", title: "Name" },
      { key: "relation", kind: "localized", title: "Relation" },
      { key: "phone", kind: "str", title: "Phone" },
      { key: "photo", kind: "str", title: t("photo") },
    ];
    // A new person starts from the launcher's defaults for every field it knows.
    const fresh = Object.fromEntries(children.map((child) => [child.key, child.default ?? ""]));
    const contact = isNew ? fresh : { ...fresh, ...contacts[index] };
    if (!isNew && !contacts[index]) {
      location.hash = "#contacts";
      return;
    }
    let photo = contact.photo || "";
    const form = makeForm(async (event) => {
      event.preventDefault();
      const values = {};
      for (const made of form.controls.values()) {
        if (made.key.endsWith(".photo")) continue;
        values[made.key.split(".").pop()] = made.read();
      }
      form.clearErrors();
      if (!String(values.name || "").trim()) {
        // The launcher shows people by name; a card without one helps nobody.
        form.controls.get(`contacts.${index}.name`).setError(t("need_contact_name"));
        form.focusFirstError();
        return;
      }
      const next = contacts.slice();
      next[index] = { ...contact, ...values, photo };
      if (!isNew && JSON.stringify(next[index]) === JSON.stringify(contact)) {
        say("ok", t("nothing_changed"));
        return;
      }
      const done = busy(submit, t("saving"));
      try {
        if (!(await stillCurrent("contacts", contacts))) return;
        if (await patch({ contacts: next }, form)) go("#contacts");
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    for (const child of children) {
      const key = `contacts.${index}.${child.key}`;
      if (child.key === "photo") {
        form.el.append(form.add(photoControl(child, key)));
        continue;
      }
      const autocomplete = child.key === "name" ? "name" : child.key === "phone" ? "tel" : "off";
      const options = { autocomplete };
      if (child.key === "relation") options.hint = t("relation_hint", { senior: state.senior || "…" });
      form.el.append(addControl(form, control(child, key, contact[child.key], options)));
    }
    const submit = saveButton(form);

    function photoControl(field, key) {
      const id = nextId("photo");
      const preview = h("img", { class: "preview", alt: "", hidden: true });
      const status = h("p", { class: "hint", id: `${id}-status`, role: "status" });
      const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
      const input = h("input", {
        id,
        type: "file",
        name: key,
        accept: "image/jpeg,image/png,image/*",
        class: "visually-hidden",
        "aria-describedby": `${id}-status ${id}-error`,
        onchange: () => choose(input.files[0]),
      });
      const pick = h("label", { for: id, class: "button" }, photo ? t("change_photo") : t("choose_photo"));
      const drop = h(
        "button",
        {
          type: "button",
          class: "button",
          hidden: !photo,
          onclick: () => {
            photo = "";
            preview.hidden = true;
            drop.hidden = true;
            pick.textContent = t("choose_photo");
          },
        },
        t("no_photo"),
      );
      const setError = (message) => setLine(error, message);
      photoUrl(photo)
        .then((url) => {
          if (url) {
            preview.src = url;
            preview.hidden = false;
          }
        })
        .catch(() => {});

      async function choose(file) {
        if (!file) return;
        setError("");
        if (!file.type.startsWith("image/")) {
          setError(t("photo_bad"));
          return;
        }
        status.textContent = t("photo_sending");
        submit.disabled = true;
        try {
          const blob = await fitPhoto(file);
          const result = await api("POST", "photos", { blob });
          if (result.status !== 201) {
            status.textContent = "";
            setError(t("photo_failed", { error: refused(result) }));
            return;
          }
          photo = result.data.photo;
          const url = URL.createObjectURL(blob);
          state.photoUrls.set(photo, url);
          preview.src = url;
          preview.hidden = false;
          drop.hidden = false;
          pick.textContent = t("change_photo");
          status.textContent = t("photo_ready");
        } catch (problem) {
          status.textContent = "";
          if (problem instanceof Offline) setError(t("offline"));
          else if (!(problem instanceof Unpaired)) setError(t("photo_failed", { error: problem.message }));
        } finally {
          submit.disabled = false;
          input.value = "";
        }
      }

      return {
        key,
        field,
        read: () => photo,
        setError,
        initial: contact.photo || "",
        focusable: pick,
        el: h(
          "div",
          { class: "field" },
          h("p", { class: "label", id: `${id}-label`, text: field.title || t("photo") }),
          preview,
          input,
          h("div", { class: "actions" }, pick, drop),
          status,
          error,
        ),
      };
    }

    const title = isNew ? t("contact_new_title") : t("contact_edit_title", { name: contact.name });
    show(
      h("a", { class: "back", href: "#contacts" }, h("span", { class: "chevron back-chevron", "aria-hidden": "true" }), t("sec_contacts")),
      h("h1", { text: title }),
      form.el,
    );
  }

  /** Phone photos are often larger than the launcher takes; shrink them here first. */
  async function fitPhoto(file) {
    const fits = file.size <= PHOTO_MAX_BYTES && (file.type === "image/jpeg" || file.type === "image/png");
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      if (fits) return file;
      throw new Error(t("photo_bad"));
    }
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (fits && scale === 1) return file;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(t("photo_bad")))), "image/jpeg", 0.85),
    );
  }

  function pluginsPage() {
    const tiles = state.settings.tiles || [];
    show(
      ...page(
        "sec_plugins",
        tiles.length ? h("p", { class: "lead", text: t("plugins_intro") }) : h("p", { class: "lead", text: t("tiles_empty") }),
        h(
          "ul",
          { class: "menu" },
          tiles.map((tile, index) =>
            h(
              "li",
              {},
              h(
                "a",
                { class: "menu-item", href: `#tile/${index}` },
                h("span", { class: "menu-title", text: tileName(tile) }),
                h("span", { class: "menu-desc", text: t("tile_position", { n: index + 1, count: tiles.length }) }),
                h("span", { class: "chevron", "aria-hidden": "true" }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function tilePage(index) {
    const tiles = state.settings.tiles || [];
    const tile = tiles[index];
    if (!tile) {
      location.hash = "#plugins";
      return;
    }
    const plugin = (state.schema.plugins || []).find((p) => p.id === tile.plugin) || { config: [] };
    const config = tile.config || {};
    const form = makeForm(async (event) => {
      event.preventDefault();
      const changed = form.checked();
      if (!changed) return;
      if (!Object.keys(changed).length) {
        say("ok", t("nothing_changed"));
        return;
      }
      const next = structuredClone(tiles);
      const edited = { ...next[index], config: { ...(next[index].config || {}) } };
      for (const [key, value] of Object.entries(changed)) {
        const local = key.slice(`tiles.${index}.`.length);
        if (local === "label") edited.label = value;
        else edited.config[local.slice("config.".length)] = value;
      }
      if (edited.label === "") delete edited.label;
      next[index] = edited;
      const done = busy(submit, t("saving"));
      try {
        if (!(await stillCurrent("tiles", tiles))) return;
        if (await patch({ tiles: next }, form)) await route({ keepBar: true });
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    const labelField = findField(state.schema.settings, "tiles");
    const labelTitle = ((labelField && labelField.children) || []).find((c) => c.key === "label");
    form.el.append(
      form.add(
        control({ key: "label", kind: "localized", title: (labelTitle && labelTitle.title) || t("tile_label") }, `tiles.${index}.label`, tile.label || "", {
          hint: t("tile_label_hint"),
        }),
      ),
    );
    for (const field of plugin.config || []) {
      const key = `tiles.${index}.config.${field.key}`;
      const value = field.key in config ? config[field.key] : field.default;
      form.el.append(addControl(form, control(field, key, value)));
    }
    const submit = saveButton(form);
    show(
      h("a", { class: "back", href: "#plugins" }, h("span", { class: "chevron back-chevron", "aria-hidden": "true" }), t("sec_plugins")),
      h("h1", { text: tileName(tile) }),
      h("p", { class: "lead", text: plugin.description || "" }),
      (plugin.config || []).length ? null : h("p", { class: "hint", text: t("no_config") }),
      form.el,
    );
  }

  /** A form of settings fields; `keys` picks them, or `skip` leaves some out. */
  function settingsForm(fields) {
    const form = makeForm(async (event) => {
      event.preventDefault();
      const changes = form.checked();
      if (!changes) return;
      if (!Object.keys(changes).length) {
        say("ok", t("nothing_changed"));
        return;
      }
      const done = busy(submit, t("saving"));
      try {
        if (await patch(changes, form)) {
          // A new language or size changes titles; show the form again from the server.
          await route({ keepBar: true });
        }
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    for (const [field, key, options] of fields) {
      form.el.append(addControl(form, control(field, key, getPath(state.settings, key), options)));
    }
    const submit = saveButton(form);
    return form;
  }

  function lookPage() {
    const fields = [];
    for (const key of LOOK_KEYS) {
      const field = findField(state.schema.settings, key);
      if (!field) continue;
      const options = {};
      if (key === "theme" && (state.schema.themes || []).length) {
        options.options = state.schema.themes.map((theme) => [theme.id, theme.name || theme.id]);
      }
      fields.push([field, key, options]);
    }
    show(...page("sec_look", settingsForm(fields).el));
  }

  function morePage() {
    const fields = [];
    const shown = new Set(LOOK_KEYS);
    const skip = (key, field) => shown.has(key) || (field.kind === "list" && field.item_kind === "object");
    for (const field of state.schema.settings || []) {
      if (skip(field.key, field) || field.key === "tiles" || field.key === "contacts") continue;
      if (field.kind === "object") {
        const rest = (field.children || []).filter((child) => !skip(fieldKey(field.key, child), child));
        if (!rest.length) continue;
      }
      fields.push([field, field.key, { skip }]);
    }
    show(...page("sec_more", settingsForm(fields).el));
  }

  function messagePage() {
    const id = nextId("message");
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    const text = h("textarea", {
      id,
      rows: "5",
      maxlength: "500",
      dir: "auto",
      "aria-describedby": `${id}-hint ${id}-error`,
    });
    const send = h("button", { type: "submit", class: "button primary wide" }, t("send"));
    const form = h(
      "form",
      {
        class: "card",
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const message = text.value.trim();
          error.hidden = Boolean(message);
          error.textContent = message ? "" : t("need_text");
          if (!message) {
            text.focus();
            return;
          }
          const done = busy(send, t("sending"));
          try {
            const result = await sendMessage(message);
            if (result.ok) {
              text.value = "";
              say("ok", t("sent"));
              refreshReplies();
            } else {
              error.hidden = false;
              error.textContent = result.data.error || errorText(result);
              say("error", errorText(result));
            }
          } catch (problem) {
            failure(problem);
          } finally {
            done();
          }
        },
      },
      h(
        "div",
        { class: "field" },
        h("label", { for: id, text: t("message_label") }),
        h("p", { class: "hint", id: `${id}-hint`, text: t("message_hint") }),
        text,
        error,
      ),
      send,
    );
    show(...page("sec_message", form, familyReplies()));
  }

  // ---------------------------------------------------------------- photos plugin
  // With a "photos" tile, photos and messages go to that tile's plugin, which keeps
  // them, shows them on the launcher and keeps the senior's answers for this page.

  /** The launcher takes JSON bodies up to 256 KB; a photo in base64 stays below this. */
  const ALBUM_BASE64_MAX = 240 * 1024;

  /** Where the profile's tile of plugin ``id`` is among its tiles, or -1. */
  function tileOf(id) {
    return ((state.settings && state.settings.tiles) || []).findIndex((tile) => tile.plugin === id);
  }

  function hasPhotosTile() {
    return tileOf("photos") >= 0;
  }

  // A plugin's section shows, before "message", only when the profile has its tile.
  const PLUGIN_SECTIONS = [["taxi", "taxi"], ["videocall", "call"], ["medicine", "medicine"], ["music", "music"], ["photos", "photos"], ["booking", "booking"]];

  function menuSections() {
    const at = SECTIONS.indexOf("message");
    const added = PLUGIN_SECTIONS.filter(([id]) => tileOf(id) >= 0).map(([, name]) => name);
    return [...SECTIONS.slice(0, at), ...added, ...SECTIONS.slice(at)];
  }

  /** A message to the plugin of the profile's ``id`` tile; its answer or refusal. */
  function pluginCall(id, json) {
    return api("POST", `plugins/${id}`, { json, lang: false });
  }

  function photosCall(json) {
    return pluginCall("photos", json);
  }

  function sendMessage(text) {
    if (hasPhotosTile()) return photosCall({ action: "message", text });
    return api("POST", "message", { json: { text }, lang: false });
  }

  /** A phone photo as JPEG base64 small enough for one message, shrunk step by step. */
  async function albumPhoto(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      throw new Error(t("photo_bad"));
    }
    for (const side of [1600, 1280, 1024, 800]) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      for (const quality of [0.85, 0.7, 0.55]) {
        const url = canvas.toDataURL("image/jpeg", quality);
        const data = url.slice(url.indexOf(",") + 1);
        if (data.length <= ALBUM_BASE64_MAX) return data;
      }
    }
    throw new Error(t("photo_bad"));
  }

  /** Fills ``list`` with ``items``, or with one line saying there are none. */
  function fill(list, items, emptyKey) {
    list.replaceChildren(...(items.length ? items : [h("li", { class: "hint", text: t(emptyKey) })]));
  }

  /** A Remove button that asks for a second tap (one stray tap on a phone never loses
   * anything), then calls ``remove()`` and, when it went through, ``then()``. */
  function removeButton(remove, then) {
    const button = h("button", { type: "button", class: "button danger" }, t("album_remove"));
    button.addEventListener("click", async () => {
      if (!button.dataset.sure) {
        button.dataset.sure = "yes";
        button.textContent = t("album_remove_sure");
        return;
      }
      button.disabled = true;
      try {
        const result = await remove();
        if (!result.ok) {
          say("error", errorText(result));
          return;
        }
        say("ok", t("album_removed"));
        await then();
      } catch (problem) {
        failure(problem);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  function photosPage() {
    const id = nextId("album");
    const status = h("p", { class: "hint", id: `${id}-status`, role: "status" });
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    const caption = h("input", { id: `${id}-caption`, type: "text", name: "caption", maxlength: "200", dir: "auto" });
    const input = h("input", {
      id,
      type: "file",
      name: "album-photo",
      accept: "image/jpeg,image/png,image/*",
      class: "visually-hidden",
      "aria-describedby": `${id}-status ${id}-error`,
      onchange: () => upload(input.files[0]),
    });
    const pick = h("label", { for: id, class: "button primary wide" }, t("album_add"));
    const list = h("ul", { class: "album", "aria-label": t("album_list") });
    const setError = (message) => setLine(error, message);

    async function upload(file) {
      if (!file) return;
      setError("");
      if (!file.type.startsWith("image/")) {
        setError(t("photo_bad"));
        return;
      }
      status.textContent = t("photo_sending");
      try {
        const photo = await albumPhoto(file);
        const result = await photosCall({ action: "add_photo", photo, caption: caption.value.trim() });
        if (!result.ok) {
          status.textContent = "";
          setError(t("photo_failed", { error: refused(result) }));
          return;
        }
        caption.value = "";
        status.textContent = t("album_sent");
        await refresh();
      } catch (problem) {
        status.textContent = "";
        if (problem instanceof Offline) setError(t("offline"));
        else if (!(problem instanceof Unpaired)) setError(t("photo_failed", { error: problem.message }));
      } finally {
        input.value = "";
      }
    }

    function item(photo) {
      const remove = removeButton(() => photosCall({ action: "remove", photo: photo.name }), refresh);
      return h(
        "li",
        { class: "album-item", "data-photo": photo.name },
        photo.thumbnail
          ? h("img", { class: "album-thumb", src: photo.thumbnail, alt: photo.caption || t("sec_photos") })
          : h("p", { class: "field-error", text: t("album_missing") }),
        h("p", { class: "album-caption", dir: "auto", text: photo.caption || "" }),
        remove,
      );
    }

    async function refresh() {
      const result = await photosCall({ action: "list" });
      if (!result.ok) {
        say("error", errorText(result));
        return;
      }
      const photos = result.data.photos || [];
      fill(list, photos.map(item), "album_empty");
    }

    show(
      ...page(
        "sec_photos",
        h("p", { class: "lead", text: t("sec_photos_desc") }),
        h(
          "div",
          { class: "card" },
          h("div", { class: "field" }, h("label", { for: `${id}-caption`, text: t("album_caption") }), caption),
          input,
          pick,
          status,
          error,
        ),
        h("h2", { text: t("album_list") }),
        list,
      ),
    );
    refresh().catch(failure);
  }

  // ---------------------------------------------------------------- medicine plugin
  // With a "medicine" tile, the relative sets up each medicine (a photo of the box, the
  // dose, the times and the days) and reads the log of every dose in the last 30 days.

  function medicineCall(json) {
    return pluginCall("medicine", json);
  }

  /** What became of a dose, in this page's language. */
  const DOSE_WORDS = { taken: "med_taken", late: "med_late", skipped: "med_skipped", missed: "med_missed", open: "med_open" };

  function medicinePage() {
    const id = nextId("med");
    const list = h("ul", { class: "album med-list", "aria-label": t("med_list") });
    const doses = h("ul", { class: "replies med-log", "aria-label": t("med_log") });
    const heading = h("h2", { text: t("med_add") });
    const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
    const status = h("p", { class: "hint", role: "status" });
    const input = (key, label, hint, attrs) => {
      const el = h("input", { id: `${id}-${key}`, name: `med-${key}`, type: "text", dir: "auto", required: "", "aria-describedby": hint ? `${id}-${key}-hint` : null, ...attrs });
      const field = h("div", { class: "field" }, h("label", { for: el.id, text: label }), hint ? h("p", { class: "hint", id: `${id}-${key}-hint`, text: hint }) : null, el);
      return [field, el];
    };
    const [nameField, name] = input("name", t("med_name"), "", { maxlength: "60" });
    const [doseField, dose] = input("dose", t("med_dose"), t("med_dose_hint"), { maxlength: "60" });
    const [timesField, times] = input("times", t("med_times"), t("med_times_hint"), { inputmode: "numeric" });
    const weekday = new Intl.DateTimeFormat(bcp47(), { weekday: "short", timeZone: "UTC" });
    // 1 January 2024 was a Monday: the launcher numbers weekdays from 1 (Monday) to 7.
    const days = [1, 2, 3, 4, 5, 6, 7].map((day) => h("input", { type: "checkbox", id: `${id}-day${day}`, name: "med-day", value: String(day) }));
    const daysField = h(
      "fieldset",
      { class: "field med-days", "aria-describedby": `${id}-days-hint` },
      h("legend", { text: t("med_days") }),
      h("p", { class: "hint", id: `${id}-days-hint`, text: t("med_days_hint") }),
      days.map((box, index) => h("span", { class: "med-day" }, box, h("label", { for: box.id, text: weekday.format(new Date(Date.UTC(2024, 0, index + 1))) }))),
    );
    const photo = h("input", { id: `${id}-photo`, type: "file", name: "med-photo", accept: "image/jpeg,image/png,image/*", class: "visually-hidden" });
    const photoNote = h("p", { class: "hint", role: "status" });
    photo.addEventListener("change", () => (photoNote.textContent = photo.files[0] ? t("med_photo_chosen") : ""));
    const save = h("button", { type: "submit", class: "button primary wide" }, t("save"));
    const cancel = h("button", { type: "button", class: "button wide", hidden: true, onclick: () => edit(null) }, t("cancel"));
    const form = h(
      "form",
      { class: "card", novalidate: true },
      heading, nameField, doseField, timesField, daysField,
      h("label", { for: photo.id, class: "button wide" }, t("med_photo")), photo, photoNote,
      error, save, cancel, status,
    );
    let editing = null;

    function edit(medicine) {
      editing = medicine;
      heading.textContent = medicine ? t("med_edit", { name: medicine.name }) : t("med_add");
      name.value = medicine ? medicine.name : "";
      dose.value = medicine ? medicine.dose : "";
      times.value = medicine ? medicine.times.join(", ") : "";
      for (const box of days) box.checked = Boolean(medicine && medicine.days.includes(Number(box.value)));
      photo.value = "";
      photoNote.textContent = "";
      error.hidden = true;
      cancel.hidden = !medicine;
      if (medicine) name.focus();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const done = busy(save, t("saving"));
      try {
        const body = {
          action: editing ? "edit" : "add",
          name: name.value,
          dose: dose.value,
          times: times.value.split(/[,，;\s]+/).filter(Boolean),
          days: days.filter((box) => box.checked).map((box) => Number(box.value)),
        };
        if (editing) body.id = editing.id;
        if (photo.files[0]) body.photo = await albumPhoto(photo.files[0]);
        const result = await medicineCall(body);
        if (!result.ok) return setLine(error, refused(result));
        say("ok", t("med_saved"));
        edit(null);
        await refresh();
      } catch (problem) {
        if (problem instanceof Offline || problem instanceof Unpaired) failure(problem);
        else setLine(error, problem.message);
      } finally {
        done();
      }
    });

    function item(medicine) {
      const remove = removeButton(() => medicineCall({ action: "remove", id: medicine.id }), refresh);
      return h(
        "li",
        { class: "album-item", "data-medicine": medicine.id },
        medicine.thumbnail ? h("img", { class: "album-thumb", src: medicine.thumbnail, alt: t("med_photo_alt", { name: medicine.name }) }) : null,
        h("p", { class: "lead", dir: "auto", text: medicine.summary }),
        h("button", { type: "button", class: "button", onclick: () => edit(medicine) }, t("med_change")),
        remove,
      );
    }

    function entry(dose) {
      const words = t(DOSE_WORDS[dose.status] || "med_open", { time: dose.acted_time });
      return h("li", { class: `reply med-dose med-${dose.status}`, dir: "auto" }, `${dose.day} ${dose.time} · ${dose.name} (${dose.dose}) · ${words}`);
    }

    async function refresh() {
      const [listed, logged] = await Promise.all([medicineCall({ action: "list" }), medicineCall({ action: "log" })]);
      if (!listed.ok || !logged.ok) return say("error", errorText(listed.ok ? logged : listed));
      const found = listed.data.medicines || [];
      fill(list, found.map(item), "med_empty");
      const past = logged.data.doses || [];
      fill(doses, past.map(entry), "med_log_empty");
    }

    show(...page("sec_medicine", h("p", { class: "lead", text: t("sec_medicine_desc") }), h("h2", { text: t("med_list") }), list, form, h("h2", { text: t("med_log") }), doses));
    refresh().catch(failure);
  }

  // ---------------------------------------------------------------- music plugin
  // With a "music" tile, the relative sends songs from the phone and removes them; radio
  // stations are lines of that tile's own settings.

  /** Audio bytes in one message: the launcher takes JSON bodies up to 256 KiB, and
   * base64 makes every 3 bytes 4. */
  const SONG_PIECE = 180 * 1024;
  /** Uploads cut off half-way, by file: choosing the same file again goes on from there. */
  const songUploads = new Map();

  function base64(bytes) {
    let text = "";
    for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
    return btoa(text);
  }

  /** Sends a song in pieces, calling ``progress(percent)`` before each; the launcher's
   * answer to the last piece, or its refusal. A piece whose answer did not come is sent
   * again (the launcher takes a piece twice), a few times, after a growing pause. */
  async function sendSong(file, name, progress) {
    const key = `${file.name}/${file.size}/${file.lastModified}`;
    const upload = songUploads.get(key) || { id: `song-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`, offset: 0 };
    songUploads.set(key, upload);
    for (let tries = 0; ; ) {
      progress(Math.floor((100 * upload.offset) / (file.size || 1)));
      const piece = new Uint8Array(await file.slice(upload.offset, upload.offset + SONG_PIECE).arrayBuffer());
      let result;
      try {
        result = await pluginCall("music", { action: "add_track", name, upload: upload.id, size: file.size, offset: upload.offset, audio: base64(piece) });
      } catch (problem) {
        if (!(problem instanceof Offline) || problem instanceof Queued || ++tries > 3) throw problem;
        await sleep(1000 * tries);
        continue;
      }
      if (!result.ok || result.data.track) {
        songUploads.delete(key);
        return result;
      }
      // Where to go on from: after this piece, or, when the launcher let go of what
      // came before (a day later), from what it still has.
      if (result.data.received < upload.offset && ++tries > 3) return result;
      if (result.data.received >= upload.offset) tries = 0;
      // The same piece asked for again: the launcher is still checking what came before
      // (it was restarted mid-song). Give it a moment rather than send at once.
      if (result.data.received === upload.offset) await sleep(500);
      upload.offset = result.data.received;
    }
  }

  function musicPage() {
    const id = nextId("music");
    const index = tileOf("music");
    const tile = tileName((state.settings.tiles || [])[index] || { plugin: "music" });
    const list = h("ul", { class: "items music-list", "aria-label": t("music_list") });
    const status = h("p", { class: "hint", role: "status" });
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    const name = h("input", { id: `${id}-name`, type: "text", name: "song-name", maxlength: "60", dir: "auto" });
    const input = h("input", { id, type: "file", name: "song", accept: "audio/*", class: "visually-hidden", "aria-describedby": `${id}-error`, onchange: () => send(input.files[0]) });
    const pick = h("label", { for: id, class: "button primary wide" }, t("music_pick"));
    let percent = 0;
    const setError = (message) => {
      status.textContent = "";
      setLine(error, message);
    };

    async function send(file) {
      if (!file) return;
      setError("");
      // One song at a time: the picker stays shut until this one is through.
      const done = busy(pick, t("sending"));
      input.disabled = true;
      const title = name.value.trim() || file.name.replace(/\.[^.]*$/, "").trim().slice(0, 60) || file.name.slice(0, 60);
      try {
        const result = await sendSong(file, title, (now) => (status.textContent = t("music_sending", { percent: (percent = now) })));
        if (!result.ok) return setError(t("music_failed", { error: refused(result) }));
        name.value = "";
        status.textContent = t("music_sent", { name: result.data.name });
        refresh().catch(failure);
      } catch (problem) {
        // Through a broker to a launcher that is off, the song is not kept for later either.
        if (!(problem instanceof Unpaired)) setError(problem instanceof Offline ? t("music_offline", { percent }) : t("music_failed", { error: problem.message }));
      } finally {
        done();
        input.disabled = false;
        input.value = "";
      }
    }

    function item(entry) {
      const song = entry.kind === "track";
      return h(
        "li",
        { class: "item", "data-song": song ? entry.source : null },
        h("p", { class: "item-title", dir: "auto", text: entry.name }),
        song ? removeButton(() => pluginCall("music", { action: "remove", track: entry.source }), refresh) : h("p", { class: "tag", text: t("music_station") }),
      );
    }

    async function refresh() {
      const result = await pluginCall("music", { action: "list" });
      if (!result.ok) return say("error", errorText(result));
      fill(list, (result.data.items || []).map(item), "music_empty");
    }

    show(
      ...page(
        "sec_music",
        h("p", { class: "lead", text: t("sec_music_desc") }),
        h(
          "div",
          { class: "card" },
          h("h2", { text: t("music_add") }),
          h("div", { class: "field" }, h("label", { for: name.id, text: t("music_name") }), name),
          input,
          pick,
          status,
          error,
        ),
        h("h2", { text: t("music_list") }),
        list,
        h("p", { class: "hint", text: t("music_stations", { tile }) }),
        h("a", { class: "button wide", href: `#tile/${index}` }, t("music_settings", { tile })),
      ),
    );
    refresh().catch(failure);
  }

  // ---------------------------------------------------------------- booking plugin
  // With a "booking" tile, the relative books hospital times for the senior through that
  // tile's plugin, which talks to the hospital (FHIR) and shows the senior what was done.
  // The hospital may be slow, so the plugin answers with a job that is asked after.

  /** One message to the booking plugin; a job is asked after until it is done. */
  async function bookingCall(json) {
    const first = await pluginCall("booking", json);
    if (!first.ok || !first.data.job) return first;
    for (let tries = 0; tries < 150; tries++) {
      await sleep(300);
      const asked = await pluginCall("booking", { action: "job", job: first.data.job });
      if (!asked.ok) return asked;
      if (asked.data.done) {
        if (asked.data.error) return { ok: false, status: 409, data: asked.data };
        return { ok: true, status: 200, data: asked.data.result };
      }
    }
    return { ok: false, status: 504, data: { error: t("booking_slow") } };
  }

  function bookingPage() {
    const id = nextId("booking");
    const status = h("p", { class: "hint", id: `${id}-status`, role: "status" });
    const pick = h("select", { id, name: "booking-clinic" });
    const find = h("button", { type: "button", class: "button primary wide", "data-booking": "find" }, t("booking_find"));
    const times = h("ul", { class: "booking-times", "aria-label": t("booking_times") });
    const confirm = h("div", { class: "card booking-confirm", hidden: true });
    const list = h("ul", { class: "booking-list", "aria-label": t("booking_list") });
    const box = h("div", { class: "card" });
    let clinics = [];

    function clinicName(key) {
      const clinic = clinics.find((c) => c.id === key);
      return clinic ? clinic.name : "";
    }

    async function findTimes() {
      confirm.hidden = true;
      times.replaceChildren();
      const done = busy(find, t("booking_wait"));
      try {
        const result = await bookingCall({ action: "slots", schedule: pick.value });
        if (!result.ok) {
          say("error", errorText(result));
          return;
        }
        const slots = result.data.slots || [];
        times.replaceChildren(
          ...(slots.length
            ? slots.map((slot) =>
                h(
                  "li",
                  {},
                  h("button", { type: "button", class: "button booking-time", "data-slot": slot.id, onclick: () => ask(slot) }, slot.when),
                ),
              )
            : [h("li", { class: "hint", text: t("booking_none") })]),
        );
      } catch (problem) {
        failure(problem);
      } finally {
        done();
      }
    }

    function ask(slot) {
      const schedule = pick.value;
      const book = h("button", { type: "button", class: "button primary wide", "data-booking": "book" }, t("booking_book"));
      book.addEventListener("click", async () => {
        const done = busy(book, t("booking_wait"));
        try {
          const result = await bookingCall({ action: "book", schedule, slot: slot.id, version: slot.version });
          if (!result.ok) {
            say("error", errorText(result));
            if (result.data.taken) await findTimes();
            return;
          }
          confirm.hidden = true;
          times.replaceChildren();
          say("ok", t("booking_done"));
          await refresh();
        } catch (problem) {
          failure(problem);
        } finally {
          done();
        }
      });
      confirm.replaceChildren(h("p", { class: "lead", text: t("booking_confirm", { when: slot.when, name: clinicName(schedule) }) }), book);
      confirm.hidden = false;
      book.focus();
    }

    function item(appointment) {
      const cancel = h("button", { type: "button", class: "button danger" }, t("booking_cancel"));
      cancel.addEventListener("click", async () => {
        // A second tap cancels: one stray tap on a phone never loses a hospital visit.
        if (!cancel.dataset.sure) {
          cancel.dataset.sure = "yes";
          cancel.textContent = t("booking_cancel_sure");
          return;
        }
        const done = busy(cancel, t("booking_wait"));
        try {
          const result = await bookingCall({ action: "cancel", appointment: appointment.id });
          if (!result.ok) {
            say("error", errorText(result));
            return;
          }
          say("ok", t("booking_cancelled"));
          await refresh();
        } catch (problem) {
          failure(problem);
        } finally {
          done();
        }
      });
      const parts = [appointment.who, appointment.place, appointment.booked_by ? t("booking_by", { name: appointment.booked_by }) : ""];
      return h(
        "li",
        { class: "booking-item", "data-appointment": appointment.id },
        h("p", { class: "booking-when", text: appointment.when }),
        h("p", { class: "hint", dir: "auto", text: parts.filter(Boolean).join(" · ") }),
        cancel,
      );
    }

    async function refresh() {
      const result = await bookingCall({ action: "appointments" });
      if (!result.ok) {
        say("error", errorText(result));
        return;
      }
      const found = result.data.appointments || [];
      fill(list, found.map(item), "booking_empty");
    }

    async function load() {
      const result = await bookingCall({ action: "departments" });
      if (!result.ok) {
        say("error", errorText(result));
        return;
      }
      const info = result.data;
      clinics = info.departments || [];
      if (!info.online) {
        const ways = [h("p", { class: "lead", text: t("booking_offline") })];
        if (info.phone) ways.push(h("p", {}, h("a", { href: `tel:${info.phone.replace(/[^0-9+*#]/g, "")}` }, t("booking_phone", { phone: info.phone }))));
        if (info.booking_page) ways.push(h("p", {}, h("a", { href: info.booking_page, rel: "noopener", target: "_blank" }, t("booking_page"))));
        box.replaceChildren(...ways);
        return;
      }
      pick.replaceChildren(...clinics.map((c) => h("option", { value: c.id }, c.place ? `${c.name} · ${c.place}` : c.name)));
      await refresh();
    }

    find.addEventListener("click", () => findTimes());
    box.append(h("div", { class: "field" }, h("label", { for: id, text: t("booking_clinic") }), pick), find, status, times);
    show(...page("sec_booking", h("p", { class: "lead", text: t("sec_booking_desc") }), box, confirm, h("h2", { text: t("booking_list") }), list));
    load().catch(failure);
  }

  /** Under the message form: what the senior answered to this relative's messages. */
  function familyReplies() {
    if (!hasPhotosTile()) return null;
    const box = h("section", { id: "family-replies", class: "card" }, h("h2", { text: t("replies_title") }), h("ul", { class: "replies" }));
    refreshReplies(box);
    return box;
  }

  async function refreshReplies(box = document.getElementById("family-replies")) {
    if (!box) return;
    try {
      const result = await photosCall({ action: "replies" });
      if (!result.ok) return;
      const items = (result.data.messages || [])
        .slice(-10)
        .reverse()
        .map((m) =>
          h(
            "li",
            { class: "reply", "data-message": m.id },
            h("p", { class: "reply-text", dir: "auto", text: m.text }),
            h("p", {
              class: m.reply ? "reply-answer" : "hint",
              text: m.reply ? t("replies_answer", { answer: m.reply_text }) : t("replies_none"),
            }),
          ),
        );
      fill(box.querySelector("ul"), items, "replies_empty");
    } catch (problem) {
      if (!(problem instanceof Unpaired) && !(problem instanceof Offline)) console.error(problem);
    }
  }

  // ---------------------------------------------------------------- video call

  // With a "videocall" tile, the relative rings the senior: the senior's screen shows
  // "<name> is calling" with Answer and Decline, and this page opens the same room.
  function callPage() {
    const senior = state.senior || "…";
    const status = h("p", { class: "lead", role: "status" });
    const join = h("a", { class: "button primary wide", target: "_blank", rel: "noopener", hidden: true }, t("call_join"));
    const ring = h("button", { type: "button", class: "button primary wide" }, t("call_ring", { senior }));
    ring.addEventListener("click", async () => {
      const done = busy(ring, t("call_ringing_short"));
      try {
        const answer = await api("POST", "plugins/videocall", { json: { action: "call" } });
        if (!answer.ok) {
          say("error", errorText(answer));
          return;
        }
        status.textContent = t("call_ringing", { senior });
        join.href = answer.data.url;
        join.hidden = false;
        join.focus();
      } catch (error) {
        failure(error);
      } finally {
        done();
      }
    });
    show(...page("sec_call", h("p", { class: "hint", text: t("call_intro", { senior }) }), ring, status, join));
  }

  // ---------------------------------------------------------------- taxi plugin
  // With a "taxi" tile, the senior's taxi requests to the family are listed here; the
  // relative books the taxi their own way and sends back the car, plate and time,
  // which the launcher shows big and reads aloud.

  function taxiCall(json) {
    return pluginCall("taxi", json);
  }

  function taxiPage() {
    const list = h("ul", { class: "taxi-requests", "aria-label": t("sec_taxi") });
    const when = dateFormat();

    function field(id, name, label, hint, attrs = {}) {
      const input = h("input", { id, name, type: "text", dir: "auto", ...attrs });
      const parts = [h("label", { for: id, text: label }), input];
      if (hint) {
        input.setAttribute("aria-describedby", `${id}-hint`);
        parts.push(h("p", { class: "hint", id: `${id}-hint`, text: hint }));
      }
      return [h("div", { class: "field" }, ...parts), input];
    }

    function item(request) {
      const id = nextId("taxi");
      let asked = request.asked;
      try {
        asked = when.format(new Date(request.asked));
      } catch {
        // An odd timestamp still shows as sent.
      }
      const [carField, car] = field(`${id}-car`, "car", t("taxi_car"), t("taxi_car_hint"), { maxlength: "80", required: "" });
      const [plateField, plate] = field(`${id}-plate`, "plate", t("taxi_plate"), "", { maxlength: "20", required: "" });
      const [timeField, time] = field(`${id}-time`, "time", t("taxi_time"), t("taxi_time_hint"), { maxlength: "40", required: "" });
      const [phoneField, phone] = field(`${id}-phone`, "driver_phone", t("taxi_driver_phone"), "", { maxlength: "24", type: "tel" });
      const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
      const booked = h("button", { type: "submit", class: "button primary wide" }, t("taxi_booked"));
      const cannot = h("button", { type: "button", class: "button wide" }, t("taxi_cannot"));
      const setError = (message) => setLine(error, message);

      async function send(json, done) {
        setError("");
        booked.disabled = cannot.disabled = true;
        try {
          const result = await taxiCall(json);
          if (!result.ok) {
            setError(refused(result));
            return;
          }
          say("ok", done);
          await refresh();
        } catch (problem) {
          failure(problem);
        } finally {
          booked.disabled = cannot.disabled = false;
        }
      }

      const form = h(
        "form",
        { class: "taxi-answer", novalidate: "" },
        carField,
        plateField,
        timeField,
        phoneField,
        error,
        booked,
        cannot,
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const answer = { action: "answer", request: request.id, car: car.value.trim(), plate: plate.value.trim(), time: time.value.trim() };
        if (phone.value.trim()) answer.driver_phone = phone.value.trim();
        send(answer, t("taxi_sent"));
      });
      cannot.addEventListener("click", () => send({ action: "cannot", request: request.id }, t("taxi_cannot_sent")));
      return h(
        "li",
        { class: "card taxi-request", "data-request": request.id },
        h("p", { class: "item-title", dir: "auto", text: t("taxi_to", { place: request.to, address: request.to_address }) }),
        h("p", { class: "taxi-route", dir: "auto", text: t("taxi_from", { place: request.from, address: request.from_address }) }),
        h("p", { class: "hint", text: t("taxi_asked", { time: asked }) }),
        form,
      );
    }

    async function refresh() {
      const result = await taxiCall({ action: "requests" });
      if (!result.ok) {
        say("error", errorText(result));
        return;
      }
      const requests = result.data.requests || [];
      fill(list, requests.map(item), "taxi_none");
    }

    const again = h("button", { type: "button", class: "button wide" }, t("taxi_refresh"));
    again.addEventListener("click", () => refresh().catch(failure));
    show(
      ...page("sec_taxi", h("p", { class: "lead", text: t("sec_taxi_desc") }), h("p", { class: "hint", text: t("taxi_intro") }), list, again),
    );
    refresh().catch(failure);
  }

  /** Dates in the page's language; browsers without Uyghur dates get 2026-11-30 14:05. */
  function dateFormat() {
    if (Intl.DateTimeFormat.supportedLocalesOf([bcp47()]).length) {
      return new Intl.DateTimeFormat(bcp47(), { dateStyle: "medium", timeStyle: "short" });
    }
    const two = (n) => String(n).padStart(2, "0");
    return {
      format: (d) =>
        `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`,
    };
  }

  async function changesPage() {
    const result = await api("GET", "changes", { lang: true });
    if (!result.ok) throw new Error(refused(result));
    const changes = result.data.changes || [];
    const when = dateFormat();
    const list = h("ul", { class: "items" });
    for (const change of changes) {
      let stamp = change.when;
      try {
        stamp = when.format(new Date(change.when));
      } catch {
        // An odd timestamp still shows as sent.
      }
      const summary = change.summary || (change.keys || []).join(", ");
      list.append(
        h(
          "li",
          { class: `item${change.undone ? " undone" : ""}`, "data-change": String(change.id) },
          h("p", { class: "item-title", text: summary }),
          h("p", { class: "item-sub", text: t("who_when", { who: change.who, when: stamp }) }),
          change.undone
            ? h("p", { class: "tag", text: t("changes_undone") })
            : h(
                "div",
                { class: "actions" },
                h("button", { type: "button", class: "button", "aria-label": `${t("undo")}: ${summary}`, onclick: () => undo(change.id) }, t("undo")),
              ),
        ),
      );
    }
    show(...page("sec_changes", changes.length ? list : h("p", { class: "lead", text: t("changes_empty") })));
  }

  function stopPage() {
    const confirm = h(
      "div",
      { class: "card danger-zone", hidden: true },
      h("p", { class: "lead", text: t("stop_sure") }),
      h(
        "button",
        {
          type: "button",
          class: "button danger wide",
          onclick: async (event) => {
            const done = busy(event.currentTarget, t("sending"));
            try {
              const result = await api("DELETE", "helpers/me");
              if (result.ok) unpair("stopped");
              else say("error", errorText(result));
            } catch (error) {
              failure(error);
            } finally {
              done();
            }
          },
        },
        t("stop_confirm"),
      ),
      h("a", { class: "button secondary wide", href: "#" }, t("cancel")),
    );
    const first = h(
      "button",
      {
        type: "button",
        class: "button danger wide",
        onclick: () => {
          first.hidden = true;
          confirm.hidden = false;
          confirm.querySelector("button").focus();
        },
      },
      t("stop_button"),
    );
    show(...page("sec_stop", h("p", { class: "lead", text: t("stop_intro") }), first, confirm));
  }

  // ---------------------------------------------------------------- screen help

  // One picture request at a time, a few a second: enough to follow a finger on the
  // launcher, little enough for an old phone on home Wi-Fi. The launcher counts a page
  // that stops asking for 30 s as gone.
  const FRAME_MS = 400;
  const FRAME_GAP_MS = 100;

  const screenHelp = {
    session: "",
    // "", asking, waiting, active, declined, ended, gone (the launcher forgot it)
    status: "",
    because: "",
    stoppedHere: false,
    offline: false,
    // Why the senior has not been asked yet (on a call), from the launcher.
    held: "",
    // Bumped to stop a running loop: each loop carries the number it started with.
    run: 0,
    url: "",
    view: null,
  };

  function screenLive() {
    return screenHelp.status === "waiting" || screenHelp.status === "active";
  }

  function screenPause() {
    screenHelp.run += 1;
  }

  function dropFrame() {
    if (screenHelp.url) URL.revokeObjectURL(screenHelp.url);
    screenHelp.url = "";
  }

  function screenReset() {
    screenPause();
    dropFrame();
    Object.assign(screenHelp, { session: "", status: "", because: "", stoppedHere: false, offline: false });
  }

  /** Poll while this page shows the section and is in sight; never two loops at once. */
  function screenResume() {
    screenPause();
    if (!screenLive() || state.page !== "screen" || document.visibilityState === "hidden") return;
    screenLoop(screenHelp.run);
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function screenLoop(run) {
    while (run === screenHelp.run && screenLive()) {
      const started = Date.now();
      const waiting = screenHelp.status === "waiting";
      try {
        if (waiting) await screenCheck(run);
        else await screenFrame(run);
        if (screenHelp.offline && run === screenHelp.run) setScreenOffline(false);
      } catch (error) {
        if (error instanceof Unpaired) return;
        if (run === screenHelp.run) setScreenOffline(true);
      }
      const pause = screenHelp.offline ? POLL_MS : waiting ? POLL_MS : FRAME_MS;
      await sleep(Math.max(FRAME_GAP_MS, pause - (Date.now() - started)));
    }
  }

  function setScreenOffline(offline) {
    screenHelp.offline = offline;
    const view = screenHelp.view;
    if (view) view.offline.hidden = !offline;
  }

  /** Ask the launcher how the session stands, and show it if that changed. */
  async function screenCheck(run) {
    const id = screenHelp.session;
    const result = await api("GET", `screen/${encodeURIComponent(id)}`);
    if (run !== screenHelp.run || id !== screenHelp.session) return;
    if (result.status === 404) setScreenStatus("gone", "");
    else if (result.ok) {
      // The senior is on a call: the launcher says why the question waits.
      const held = result.data.waiting_for === "call" ? result.data.message || "" : "";
      const changed = held !== screenHelp.held;
      screenHelp.held = held;
      setScreenStatus(result.data.status, result.data.ended_because || "");
      if (changed && state.page === "screen") drawScreen();
    }
  }

  async function screenFrame(run) {
    const id = screenHelp.session;
    const result = await api("GET", `screen/${encodeURIComponent(id)}/frame`, { binary: true });
    if (run !== screenHelp.run || id !== screenHelp.session) return;
    if (result.ok) showFrame(result.data);
    else if (result.status === 404) setScreenStatus("gone", "");
    else await screenCheck(run); // 409: it ended; the status says why
  }

  function showFrame(blob) {
    const img = screenHelp.view && screenHelp.view.img;
    if (!img) return;
    const url = URL.createObjectURL(blob);
    // The old picture stays on screen until the new one is drawn; its memory goes now.
    dropFrame();
    screenHelp.url = url;
    img.src = url;
    if (img.hidden) {
      img.hidden = false;
      screenHelp.view.loading.hidden = true;
      img.addEventListener("load", bringPictureIntoView, { once: true });
    }
  }

  /** Held sideways, the picture starts below the fold; bring all of it into sight. */
  function bringPictureIntoView() {
    const frame = screenHelp.view && screenHelp.view.frame;
    if (!frame || !frame.isConnected) return;
    if (frame.getBoundingClientRect().bottom > window.innerHeight) frame.scrollIntoView({ block: "start" });
  }

  function setScreenStatus(status, because) {
    if (status === screenHelp.status && because === screenHelp.because) return;
    screenHelp.status = status;
    screenHelp.because = because;
    if (!screenLive()) {
      screenPause();
      dropFrame();
    }
    if (state.page === "screen") drawScreen();
    if (screenLive()) screenResume();
  }

  async function askScreen(event) {
    const done = busy(event.currentTarget, t("sending"));
    screenReset();
    try {
      const result = await api("POST", "screen", { json: {} });
      if (result.status !== 202) {
        done();
        say("error", errorText(result));
        return;
      }
      screenHelp.session = result.data.session;
      setScreenStatus(result.data.status || "waiting", "");
    } catch (error) {
      done();
      failure(error);
    }
  }

  /** The relative stops (or cancels the question); the launcher ends it at once. */
  async function leaveScreen(event) {
    const id = screenHelp.session;
    const done = busy(event.currentTarget, t("sending"));
    screenPause();
    try {
      const result = await api("DELETE", `screen/${encodeURIComponent(id)}`);
      if (!result.ok && result.status !== 404) {
        done();
        say("error", errorText(result));
        screenResume();
        return;
      }
      if (screenHelp.status === "waiting") {
        // Taking the question back: start again from the beginning.
        screenReset();
        drawScreen();
        return;
      }
      screenHelp.stoppedHere = true;
      setScreenStatus("ended", "left");
    } catch (error) {
      done();
      failure(error);
      screenResume();
    }
  }

  /** A tap on the picture is sent as fractions of its width and height. */
  async function tapScreen(event) {
    const view = screenHelp.view;
    const img = view.img;
    const box = img.getBoundingClientRect();
    if (screenHelp.status !== "active" || !img.naturalWidth || !box.width || !box.height) return;
    const within = (value) => Math.min(1, Math.max(0, value));
    const x = within((event.clientX - box.left) / box.width);
    const y = within((event.clientY - box.top) / box.height);
    // A ring where the finger landed: the picture takes a moment to show the result.
    const ring = h("span", { class: "tap-ring", "aria-hidden": "true" });
    const frame = view.frame.getBoundingClientRect();
    ring.style.left = `${event.clientX - frame.left - view.frame.clientLeft}px`;
    ring.style.top = `${event.clientY - frame.top - view.frame.clientTop}px`;
    ring.addEventListener("animationend", () => ring.remove());
    view.frame.append(ring);
    const id = screenHelp.session;
    try {
      const result = await api("POST", `screen/${encodeURIComponent(id)}/tap`, { json: { x, y } });
      if (id !== screenHelp.session) return;
      if (result.status === 409 || result.status === 404) await screenCheck(screenHelp.run);
      else if (!result.ok) say("error", errorText(result));
    } catch (error) {
      failure(error);
    }
  }

  function endedText() {
    const senior = state.senior;
    if (screenHelp.status === "declined") {
      return senior ? t("screen_declined_named", { senior }) : t("screen_declined");
    }
    if (screenHelp.status === "gone") return t("screen_gone");
    if (screenHelp.stoppedHere) return t("screen_you_stopped");
    if (screenHelp.because === "stopped") {
      return senior ? t("screen_stopped_named", { senior }) : t("screen_stopped");
    }
    if (screenHelp.because === "idle") return t("screen_idle");
    if (screenHelp.because === "left") return t("screen_left");
    return t("screen_gone");
  }

  /** The part of the section below its heading, for the session as it stands now. */
  function drawScreen() {
    const view = screenHelp.view;
    if (!view) return;
    view.img = null;
    const status = screenHelp.status;
    let body;
    if (status === "active") {
      const img = h("img", {
        class: "screen-picture",
        alt: t("screen_picture"),
        draggable: "false",
        hidden: !screenHelp.url,
        onclick: tapScreen,
      });
      if (screenHelp.url) img.src = screenHelp.url;
      view.loading = h("p", { class: "lead", hidden: Boolean(screenHelp.url), text: t("loading") });
      view.frame = h("div", { class: "screen-frame", dir: "ltr" }, img);
      view.img = img;
      view.status.textContent = t("screen_active_hint");
      body = [
        view.loading,
        view.frame,
        h("p", { class: "screen-turn", text: t("screen_turn") }),
        h("button", { type: "button", class: "button danger wide screen-stop", onclick: leaveScreen }, t("screen_stop")),
      ];
    } else if (status === "waiting" || status === "asking") {
      view.status.textContent = state.senior ? t("waiting_named", { senior: state.senior }) : t("waiting_plain");
      body = [
        h("div", { class: "spinner", "aria-hidden": "true" }),
        h("p", { class: "hint", text: screenHelp.held || t("screen_waiting_hint") }),
        h("button", { type: "button", class: "button secondary wide screen-cancel", onclick: leaveScreen }, t("cancel")),
      ];
    } else if (status) {
      view.status.textContent = endedText();
      body = [
        h("button", { type: "button", class: "button primary wide screen-ask", onclick: askScreen }, t("screen_ask_again")),
        h("a", { class: "button secondary wide", href: "#" }, t("back")),
      ];
    } else {
      view.status.textContent = "";
      body = [
        h("p", { class: "lead", text: t("screen_intro") }),
        h("button", { type: "button", class: "button primary wide screen-ask", onclick: askScreen }, t("screen_ask")),
      ];
    }
    view.status.hidden = !view.status.textContent;
    view.status.className = `note screen-status ${status || "none"}`;
    view.offline.hidden = !screenHelp.offline || !screenLive();
    view.body.replaceChildren(...body);
  }

  function screenPage() {
    screenHelp.view = {
      status: h("p", { role: "status", "aria-live": "polite" }),
      offline: h("p", { class: "note error", role: "alert", text: t("offline"), hidden: true }),
      body: h("div", { class: "screen-body" }),
      img: null,
    };
    drawScreen();
    const view = screenHelp.view;
    show(...page("sec_screen", view.status, view.offline, view.body));
    screenResume();
  }

  /** Closing the tab or leaving the site ends the session at once, not 30 s later. */
  function leaveScreenNow() {
    if (!screenLive() || !state.helper || state.helper.broker) return;
    const url = new URL(`api/screen/${encodeURIComponent(screenHelp.session)}`, document.baseURI);
    fetch(url, {
      method: "DELETE",
      keepalive: true,
      headers: { Authorization: `Bearer ${state.helper.token}` },
    }).catch(() => {});
    screenHelp.stoppedHere = false;
    setScreenStatus("ended", "left");
  }

  // ---------------------------------------------------------------- routing

  let routing = 0;

  /** Go to another page, keeping the line that says how the last action went. */
  function go(hash) {
    state.keepBar = true;
    location.hash = hash;
  }

  async function route(options = {}) {
    const mine = ++routing;
    if (!options.keepBar && !state.keepBar) quiet();
    state.keepBar = false;
    if (!state.helper) {
      pairingPage();
      return;
    }
    const [name, arg] = location.hash.replace(/^#/, "").split("/");
    if (name !== "screen") {
      // Off the section no picture is asked for; the launcher ends it after 30 s.
      screenPause();
      screenHelp.view = null;
    }
    try {
      if (!state.schema || state.schemaLang !== state.lang || !state.settings) {
        state.page = "loading";
        show(h("p", { class: "lead", role: "status", text: t("loading") }));
        await Promise.all([loadSchema(), state.settings ? null : loadSettings()]);
      }
      if (mine !== routing) return; // the person moved on meanwhile
      state.page = name || "menu";
      if (name === "tiles") tilesPage();
      else if (name === "contacts") contactsPage();
      else if (name === "contact") contactPage(arg);
      else if (name === "plugins") pluginsPage();
      else if (name === "tile") tilePage(Number(arg));
      else if (name === "look") lookPage();
      else if (name === "message") messagePage();
      else if (name === "photos") photosPage();
      else if (name === "booking") bookingPage();
      else if (name === "taxi") taxiPage();
      else if (name === "medicine") medicinePage();
      else if (name === "music") musicPage();
      else if (name === "call") callPage();
      else if (name === "changes") await changesPage();
      else if (name === "more") morePage();
      else if (name === "stop") stopPage();
      else if (name === "screen") screenPage();
      else menuPage();
    } catch (error) {
      if (error instanceof Unpaired) return;
      state.page = "failed";
      show(
        h("h1", { text: t(!(error instanceof Offline) ? "load_failed" : state.helper.broker ? "broker_offline" : "offline") }),
        h("button", { type: "button", class: "button primary wide", onclick: () => route() }, t("try_again")),
      );
      if (!(error instanceof Offline)) failure(error);
    }
  }

  async function start() {
    try {
      await loadStatus();
      // Fresh settings on arrival: the senior or another helper may have changed them.
      await loadSettings();
    } catch (error) {
      // A revoked token has sent the page back to pairing, which still needs the code
      // in the address.
      if (error instanceof Unpaired) return;
    }
    if (codeFromUrl()) history.replaceState(null, "", location.pathname + location.hash);
    await route();
  }

  function applyLanguage() {
    const html = document.documentElement;
    html.lang = bcp47();
    html.dir = state.lang === "ug" ? "rtl" : "ltr";
    document.title = t("title");
    document.getElementById("brand").textContent = t("title");
    document.getElementById("lang-label").textContent = t("language");
    document.getElementById("lang").value = state.lang;
    showPresence();
  }

  function setUp() {
    const picker = document.getElementById("lang");
    picker.replaceChildren(...LANGS.map(([id, name, tag]) => h("option", { value: id, lang: tag }, name)));
    picker.addEventListener("change", () => {
      state.lang = picker.value;
      localStorage.setItem(LANG_STORE, state.lang);
      applyLanguage();
      route();
    });
    applyLanguage();
    window.addEventListener("hashchange", () => {
      // Settings may have changed on the launcher; each page shows the latest.
      if (state.helper && state.settings) {
        loadSettings()
          .then(() => route())
          .catch((error) => (error instanceof Unpaired ? null : route()));
      } else {
        route();
      }
    });
    // A hidden page asks for no pictures; back in sight, it picks up where it was.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") screenPause();
      else screenResume();
    });
    window.addEventListener("pagehide", leaveScreenNow);
    window.matchMedia("(orientation: landscape)").addEventListener("change", () => {
      if (state.page === "screen" && screenHelp.status === "active") setTimeout(bringPictureIntoView, 300);
    });
    if (state.helper) start();
    else route();
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("sw.js").catch(() => {});
    }
  }

  setUp();
})();
