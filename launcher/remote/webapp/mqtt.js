// A small MQTT 3.1.1 client over WebSocket: just what remote help through a broker needs
// (CONNECT with a user, SUBSCRIBE, PUBLISH at QoS 0 and 1, keepalive, reconnect).
"use strict";

(() => {
  const utf8 = new TextEncoder();

  function str(text) {
    const bytes = utf8.encode(text);
    return [bytes.length >> 8, bytes.length & 255, ...bytes];
  }

  function packet(type, body) {
    const head = [type];
    let left = body.length;
    do {
      let digit = left % 128;
      left = Math.floor(left / 128);
      if (left) digit |= 128;
      head.push(digit);
    } while (left);
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }

  /**
   * Connects to `url` (ws:// or wss://, may carry user:password@) and stays connected,
   * trying again after 1, 2, 4 … 30 s. `on.state(online)`, `on.message(topic, bytes)`.
   */
  function connect(url, on, options = {}) {
    const where = new URL(url);
    const user = decodeURIComponent(where.username);
    const password = decodeURIComponent(where.password);
    where.username = "";
    where.password = "";
    const keepalive = options.keepalive || 30;
    const clientId = options.clientId || `leling-app-${Math.random().toString(36).slice(2, 12)}`;
    const topics = new Set();
    // QoS 1 messages not yet acknowledged: sent again after a reconnect.
    const unacked = new Map();
    let socket = null;
    let online = false;
    let closed = false;
    let backoff = 1000;
    let packetId = 0;
    let buffer = new Uint8Array(0);
    let pingTimer = 0;
    let heard = 0;
    let retryTimer = 0;

    const send = (bytes) => {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(bytes);
    };
    const nextId = () => (packetId = (packetId % 65535) + 1);

    function subscribe(filters) {
      const id = nextId();
      const body = [id >> 8, id & 255];
      for (const filter of filters) body.push(...str(filter), 1);
      send(packet(0x82, body));
    }

    function open() {
      clearTimeout(retryTimer);
      if (closed) return;
      socket = new WebSocket(where.href, "mqtt");
      socket.binaryType = "arraybuffer";
      socket.onopen = () => {
        const flags = 0x02 | (user ? 0x80 : 0) | (password ? 0x40 : 0);
        const body = [...str("MQTT"), 4, flags, keepalive >> 8, keepalive & 255, ...str(clientId)];
        if (user) body.push(...str(user));
        if (password) body.push(...str(password));
        send(packet(0x10, body));
      };
      socket.onmessage = (event) => {
        heard = Date.now();
        const more = new Uint8Array(event.data);
        const joined = new Uint8Array(buffer.length + more.length);
        joined.set(buffer);
        joined.set(more, buffer.length);
        buffer = joined;
        read();
      };
      socket.onclose = () => lost();
      socket.onerror = () => {};
    }

    function read() {
      for (;;) {
        let length = 0;
        let shift = 1;
        let at = 1;
        for (;;) {
          if (at >= buffer.length) return;
          const digit = buffer[at++];
          length += (digit & 127) * shift;
          shift *= 128;
          if (!(digit & 128)) break;
        }
        if (buffer.length < at + length) return;
        received(buffer[0], buffer.subarray(at, at + length));
        buffer = buffer.slice(at + length);
      }
    }

    function received(type, body) {
      const kind = type >> 4;
      if (kind === 2) {
        if (body[1] !== 0) {
          // Refused (wrong user or password): trying again at once would not help.
          socket.close();
          return;
        }
        online = true;
        backoff = 1000;
        if (topics.size) subscribe(topics);
        for (const bytes of unacked.values()) {
          bytes[0] |= 0x08; // DUP
          send(bytes);
        }
        clearInterval(pingTimer);
        pingTimer = setInterval(ping, (keepalive * 1000) / 2);
        on.state(true);
      } else if (kind === 3) {
        const qos = (type >> 1) & 3;
        const topicLength = (body[0] << 8) | body[1];
        const topic = new TextDecoder().decode(body.subarray(2, 2 + topicLength));
        let at = 2 + topicLength;
        if (qos) {
          send(packet(0x40, [body[at], body[at + 1]]));
          at += 2;
        }
        on.message(topic, body.slice(at));
      } else if (kind === 4) {
        unacked.delete((body[0] << 8) | body[1]);
      }
    }

    function ping() {
      // Nothing heard for a keepalive and a half: the connection is dead, start again.
      if (Date.now() - heard > keepalive * 1500) socket.close();
      else send(new Uint8Array([0xc0, 0]));
    }

    function lost() {
      clearInterval(pingTimer);
      buffer = new Uint8Array(0);
      if (online) on.state(false);
      online = false;
      if (closed) return;
      retryTimer = setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 30000);
    }

    open();
    return {
      get online() {
        return online;
      },
      subscribe(filter) {
        topics.add(filter);
        if (online) subscribe([filter]);
      },
      publish(topic, text, qos = 1) {
        const body = str(topic);
        let id = 0;
        if (qos) body.push((id = nextId()) >> 8, id & 255);
        const bytes = packet(0x30 | (qos << 1), [...body, ...utf8.encode(text)]);
        if (qos) unacked.set(id, bytes);
        send(bytes);
      },
      close() {
        closed = true;
        clearTimeout(retryTimer);
        if (online) send(new Uint8Array([0xe0, 0]));
        if (socket) socket.close();
      },
    };
  }

  window.LelingMqtt = { connect };
})();
