/*!
 * ZiB SDK for Omnigate — one dependency-free file for browsers (classic <script>, defines window.ZiBStorage) and
 * Node 20+ (require / import). Encrypts uploads with WebCrypto in the OGS1 segmented AES-256-GCM format
 * (docs/format.md) and speaks the wire contract in adapters/zib/PROTOCOL.md.
 */
(function (root, factory) {
  var ZiBStorage = factory(root);
  // CommonJS first (Node: require, and `import` through Node's CommonJS interop: the default export is the class,
  // and the `exports.ZiBStorage` assignment below lets `import { ZiBStorage }` work too). Otherwise a global.
  if (typeof module === 'object' && module !== null && typeof module.exports === 'object') {
    module.exports = ZiBStorage;
    module.exports.ZiBStorage = ZiBStorage;
  } else {
    root.ZiBStorage = ZiBStorage;
  }
})(typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : this, function (root) {
  'use strict';

  // ── OGS1 format constants (docs/format.md) ──────────────────────────────────────────────────────────────────
  var HEADER_SIZE = 16;
  var TAG_SIZE = 16;
  var MAGIC = [0x4f, 0x47, 0x53, 0x31]; // "OGS1"
  var VERSION = 1;
  var BATCH_BYTES = 4 * 1024 * 1024; // plaintext read and sealed per step (64 segments at 64 KiB, sealed concurrently)
  var DEFAULT_BASE_URL = 'https://api.zibnetwork.com';
  var IS_NODE = typeof process === 'object' && process !== null && !!(process.versions && process.versions.node);

  // Where this file was loaded from (a browser <script src=".../sdk/zib-sdk.js">): the gateway's base URL.
  var scriptBase = (function () {
    try {
      var src = root.document && root.document.currentScript && root.document.currentScript.src;
      var m = src && /^(.*)\/sdk\/zib-sdk\.js(?:[?#].*)?$/.exec(src);
      return m ? m[1] : undefined;
    } catch (e) { return undefined; }
  })();

  // ── errors ───────────────────────────────────────────────────────────────────────────────────────────────────
  /** Every SDK failure: `code` is the server's error code when it sent one (PROTOCOL.md), else an SDK code. */
  function ZiBError(message, code, status, retryable) {
    var err = new Error(message);
    Object.setPrototypeOf(err, ZiBError.prototype);
    err.name = 'ZiBError';
    err.code = code;
    if (status !== undefined) err.status = status;
    err.retryable = !!retryable;
    return err;
  }
  ZiBError.prototype = Object.create(Error.prototype, { constructor: { value: ZiBError, writable: true, configurable: true } });

  function abortError(signal) {
    if (signal && signal.reason instanceof Error) return signal.reason;
    var err = new Error('The upload was aborted');
    err.name = 'AbortError';
    return err;
  }
  function checkAborted(signal) { if (signal && signal.aborted) throw abortError(signal); }

  // ── bytes ────────────────────────────────────────────────────────────────────────────────────────────────────
  function subtle() {
    var c = root.crypto;
    if (!c || !c.subtle) throw ZiBError('WebCrypto is not available here (browsers expose it only on HTTPS pages and http://localhost)', 'NoWebCrypto');
    return c.subtle;
  }
  function randomBytes(n) { var b = new Uint8Array(n); root.crypto.getRandomValues(b); return b; }
  function base64ToBytes(text) {
    var bin = root.atob(String(text).replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, ''));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function toBlob(file) {
    if (typeof Blob !== 'undefined' && file instanceof Blob) return file;
    if (file && typeof file.slice === 'function' && typeof file.size === 'number' && typeof file.arrayBuffer === 'function') return file; // a Blob from another realm
    if (file instanceof ArrayBuffer || ArrayBuffer.isView(file)) return new Blob([file]);
    throw ZiBError('file must be a File, Blob, ArrayBuffer or typed array', 'InvalidArgument');
  }
  function concatBytes(chunks, total) {
    var out = new Uint8Array(total), at = 0;
    for (var i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; }
    return out;
  }

  // ── OGS1 sealing ─────────────────────────────────────────────────────────────────────────────────────────────
  function log2Of(segmentSize) {
    var log2 = Math.log2(segmentSize);
    if (!Number.isInteger(log2) || log2 < 12 || log2 > 24) throw ZiBError('segment_size must be a power of two from 4 KiB to 16 MiB', 'InvalidRegistration');
    return log2;
  }
  function segmentCount(plainSize, segmentSize) { return Math.max(1, Math.ceil(plainSize / segmentSize)); }
  function cipherSize(plainSize, segmentSize) { return HEADER_SIZE + plainSize + TAG_SIZE * segmentCount(plainSize, segmentSize); }
  function makeHeader(segmentSize, streamIndex, noncePrefix) {
    if (!(streamIndex >= 0 && streamIndex <= 0xffff && Number.isInteger(streamIndex))) throw ZiBError('stream index must be 0..65535', 'InvalidArgument');
    if (!(noncePrefix instanceof Uint8Array) || noncePrefix.length !== 8) throw ZiBError('nonce prefix must be 8 bytes', 'InvalidArgument');
    var h = new Uint8Array(HEADER_SIZE);
    h.set(MAGIC, 0);
    h[4] = VERSION;
    h[5] = log2Of(segmentSize);
    h[6] = streamIndex >>> 8;
    h[7] = streamIndex & 0xff;
    h.set(noncePrefix, 8);
    return h;
  }
  function importKey(key) {
    var raw = typeof key === 'string' ? base64ToBytes(key) : key;
    if (!(raw instanceof Uint8Array) || raw.length !== 32) throw ZiBError('the encryption key must be 32 bytes', 'InvalidRegistration');
    return subtle().importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  }
  function sealSegment(cryptoKey, header, index, last, plaintext) {
    var iv = new Uint8Array(12);
    iv.set(header.subarray(8, 16));
    new DataView(iv.buffer).setUint32(8, index);
    var aad = new Uint8Array(25);
    aad.set(header);
    new DataView(aad.buffer).setUint32(16, Math.floor(index / 0x100000000)); // u64be(i), as two u32 halves
    new DataView(aad.buffer).setUint32(20, index >>> 0);
    aad[24] = last ? 1 : 0;
    return subtle().encrypt({ name: 'AES-GCM', iv: iv, additionalData: aad, tagLength: 128 }, cryptoKey, plaintext);
  }

  /**
   * Reads bytes [start, end) of a Blob in pieces of exactly `want` bytes, in browsers through `blob.stream()` (several
   * times faster than `slice().arrayBuffer()` per piece for a File in Chromium). Calls are served in order. A file that shrinks
   * while being read fails with FileChanged.
   */
  function blobReader(blob, start, end) {
    var reader = null, leftover = null, chain = Promise.resolve(), pos = start;
    async function read(want) {
      if (IS_NODE) {
        // Node's file-backed Blob (fs.openAsBlob) streams in 64 KiB chunks; one slice per piece is faster there.
        var piece = new Uint8Array(await blob.slice(pos, pos + want).arrayBuffer());
        if (piece.length !== want) throw ZiBError('the file became shorter while it was being read', 'FileChanged');
        pos += want;
        return piece;
      }
      if (!reader) reader = blob.slice(start, end).stream().getReader();
      var buf = new Uint8Array(want), filled = 0;
      while (filled < want) {
        if (!leftover || leftover.length === 0) {
          var r = await reader.read();
          if (r.done) throw ZiBError('the file became shorter while it was being read', 'FileChanged');
          leftover = r.value;
        }
        var take = Math.min(want - filled, leftover.length);
        buf.set(leftover.subarray(0, take), filled);
        leftover = leftover.subarray(take);
        filled += take;
      }
      return buf;
    }
    return {
      read: function (want) { chain = chain.then(function () { return read(want); }); return chain; },
      cancel: function () { if (reader) reader.cancel().catch(function () {}); },
    };
  }

  /**
   * One OGS1 stream over bytes [start, end) of a Blob: an iterator ({ next, cancel }) of Uint8Array chunks (the
   * header, then each sealed segment, ciphertext ‖ tag). While the consumer takes one batch the next is already
   * being read and sealed, so memory stays at about two batches (4 MiB each) however large the file is.
   * `onSealed(n)` reports plaintext bytes sealed.
   */
  function sealStream(blob, start, end, opts) {
    var segmentSize = opts.segmentSize;
    var header = makeHeader(segmentSize, opts.streamIndex, opts.noncePrefix || randomBytes(8));
    var size = end - start;
    var n = segmentCount(size, segmentSize);
    var perBatch = Math.max(1, Math.floor(BATCH_BYTES / segmentSize));
    var source = blobReader(blob, start, end);
    var next = 0; // first segment of the next batch to start
    var ahead = null; // that batch, already started
    var queue = []; // sealed segments of the current batch not yet handed out
    var headerSent = false;
    async function batch(first) {
      var stop = Math.min(n, first + perBatch);
      var plain = await source.read(Math.min(end, start + stop * segmentSize) - (start + first * segmentSize));
      checkAborted(opts.signal);
      var sealed = [];
      for (var i = first; i < stop; i++) {
        var at = (i - first) * segmentSize;
        sealed.push(sealSegment(opts.cryptoKey, header, i, i === n - 1, plain.subarray(at, Math.min(at + segmentSize, plain.length))));
      }
      var parts = await Promise.all(sealed);
      for (var j = 0; j < parts.length; j++) parts[j] = new Uint8Array(parts[j]);
      if (opts.onSealed) opts.onSealed(plain.length);
      return parts; // one chunk per sealed segment: no copy into a batch-sized buffer
    }
    function start_(first) {
      next = Math.min(n, first + perBatch);
      var p = batch(first);
      p.catch(function () { /* surfaced when awaited */ });
      return p;
    }
    return {
      size: cipherSize(size, segmentSize),
      cancel: source.cancel,
      next: async function () {
        if (!headerSent) { headerSent = true; ahead = start_(0); return { done: false, value: header }; }
        if (queue.length) return { done: false, value: queue.shift() };
        if (!ahead) return { done: true, value: undefined };
        checkAborted(opts.signal);
        var current = ahead;
        ahead = next < n ? start_(next) : null;
        queue = await current;
        return { done: false, value: queue.shift() };
      },
    };
  }
  async function drain(stream) {
    var chunks = [];
    try {
      for (;;) { var r = await stream.next(); if (r.done) return chunks; chunks.push(r.value); }
    } catch (err) { stream.cancel(); throw err; }
  }
  // The ciphertext of a bounded stream (a part, or a single upload in a browser) as a Blob: browsers keep Blob data
  // outside the JS heap (and may page it to disk), and a Blob body gets an exact Content-Length and can be re-sent.
  async function sealToBlob(blob, start, end, opts) { return new Blob(await drain(sealStream(blob, start, end, opts))); }
  // Node only: fetch sends a ReadableStream body as it is produced (browsers require HTTP/2 for that).
  function toReadableStream(stream, onPulled) {
    return new ReadableStream({
      pull: async function (controller) {
        var r = await stream.next();
        if (r.done) controller.close();
        else { controller.enqueue(r.value); if (onPulled) onPulled(r.value.length); }
      },
      cancel: function () { stream.cancel(); },
    }, { highWaterMark: 1 });
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────────
  async function errorFrom(status, text, what) {
    var code = 'HttpError', message = text ? text.slice(0, 300) : 'HTTP ' + status;
    try {
      var body = JSON.parse(text);
      if (body && typeof body.error === 'object' && body.error) { code = body.error.code || code; message = body.error.message || message; }
      else if (body && typeof body.error === 'string') { message = body.error; code = body.code || code; }
    } catch (e) {
      var m = /<Code>([^<]*)<\/Code>/.exec(text || ''), mm = /<Message>([^<]*)<\/Message>/.exec(text || '');
      if (m) { code = m[1]; message = mm ? decodeEntities(mm[1]) : message; }
    }
    return ZiBError(what + ' failed (' + status + ' ' + code + '): ' + message, code, status, status >= 500 || status === 408 || status === 429);
  }
  function networkError(err, what) {
    if (err && err.name === 'AbortError') return err;
    return ZiBError(what + ' failed: ' + (err && err.message ? err.message : 'network error'), 'NetworkError', undefined, true);
  }

  /** A request through fetch; `body` may be a stream (Node) with its exact length. Resolves { status, text }. */
  async function fetchRequest(method, url, init) {
    var headers = Object.assign({}, init.headers);
    var options = { method: method, headers: headers, body: init.body, signal: init.signal };
    if (init.body && typeof init.body.getReader === 'function') { options.duplex = 'half'; headers['content-length'] = String(init.contentLength); }
    var res;
    try { res = await fetch(url, options); } catch (err) { throw networkError(err, init.what); }
    var text;
    try { text = await res.text(); } catch (err) { throw networkError(err, init.what); }
    return { status: res.status, text: text };
  }
  /** Browsers: XMLHttpRequest, the only way to see upload progress of a request body. */
  function xhrRequest(method, url, init) {
    return new Promise(function (resolve, reject) {
      var xhr = new root.XMLHttpRequest();
      var onAbort = function () { xhr.abort(); };
      var done = function () { if (init.signal) init.signal.removeEventListener('abort', onAbort); };
      xhr.open(method, url);
      for (var name in init.headers) xhr.setRequestHeader(name, init.headers[name]);
      if (init.onUploadProgress) xhr.upload.onprogress = function (e) { init.onUploadProgress(e.loaded); };
      xhr.onload = function () { done(); resolve({ status: xhr.status, text: xhr.responseText }); };
      xhr.onerror = xhr.ontimeout = function () { done(); reject(networkError(new Error('network error'), init.what)); };
      xhr.onabort = function () { done(); reject(abortError(init.signal)); };
      if (init.signal) init.signal.addEventListener('abort', onAbort);
      xhr.send(init.body === undefined ? null : init.body);
    });
  }
  async function request(method, url, init) {
    checkAborted(init.signal);
    var useXhr = !IS_NODE && typeof root.XMLHttpRequest === 'function' && !(init.body && typeof init.body.getReader === 'function');
    var res = useXhr ? await xhrRequest(method, url, init) : await fetchRequest(method, url, init);
    if (res.status < 200 || res.status >= 300) throw await errorFrom(res.status, res.text, init.what);
    return res;
  }
  function parseJson(res, what) {
    try { return JSON.parse(res.text); } catch (e) { throw ZiBError(what + ': the server answered ' + res.status + ' without JSON', 'BadResponse', res.status); }
  }
  function sleep(ms, signal) {
    return new Promise(function (resolve, reject) {
      var t = setTimeout(function () { if (signal) signal.removeEventListener('abort', onAbort); resolve(); }, ms);
      var onAbort = function () { clearTimeout(t); reject(abortError(signal)); };
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  /**
   * After a retry of the request that finishes the upload (single PUT, complete) the server may answer
   * RegistrationUsed because the earlier attempt did finish and only its answer was lost. The registration's file_id
   * is unique to it, so the CDN serving that file at the registered size proves the upload landed.
   */
  async function finishedEarlier(err, k, reg) {
    if (!err || err.code !== 'RegistrationUsed' || k === 0) throw err;
    var res;
    try { res = await fetch(reg.cdn_url, { method: 'HEAD' }); } catch (e) { throw err; }
    if (res.status !== 200 || res.headers.get('content-length') !== String(reg.file_size)) throw err;
    return { status: 200, text: JSON.stringify({ file_id: reg.file_id, cdn_url: reg.cdn_url }) };
  }
  /** Runs `attempt(k)` until it succeeds, retrying network errors and 5xx/408/429 with backoff. */
  async function withRetries(retries, signal, attempt) {
    for (var k = 0; ; k++) {
      try { return await attempt(k); } catch (err) {
        if (!err || !err.retryable || k >= retries || (signal && signal.aborted)) throw err;
        await sleep(300 * Math.pow(2, k), signal);
      }
    }
  }

  // ── progress ─────────────────────────────────────────────────────────────────────────────────────────────────
  /** Whole-percent progress per stage, each stage monotonic; events only when the percentage moves. */
  function progressReporter(onProgress) {
    var last = {};
    return function (stage, done, total) {
      if (typeof onProgress !== 'function') return;
      var pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      if (last[stage] !== undefined && pct <= last[stage]) return;
      last[stage] = pct;
      try { onProgress({ stage: stage, progress: pct }); } catch (e) { /* a throwing callback must not break the upload */ }
    };
  }

  // ── uploadDirect ─────────────────────────────────────────────────────────────────────────────────────────────
  function checkRegistration(reg, size) {
    if (!reg || typeof reg !== 'object') throw ZiBError('registration must be the object returned by POST /v1/api/upload/initiate', 'InvalidRegistration');
    var enc = reg.encryption;
    if (!enc || enc.format !== 'OGS1' || typeof enc.key !== 'string') throw ZiBError('registration has no OGS1 encryption block; pass the whole initiate response', 'InvalidRegistration');
    log2Of(enc.segment_size);
    if (typeof reg.file_size === 'number' && reg.file_size !== size) throw ZiBError('file is ' + size + ' bytes but the registration was made for ' + reg.file_size, 'SizeMismatch');
    if (reg.type === 'single') {
      if (typeof reg.upload_url !== 'string') throw ZiBError('single registration without upload_url', 'InvalidRegistration');
    } else if (reg.type === 'multipart') {
      var count = segmentCount(size, reg.part_size);
      if (!(reg.part_size > 0) || !Array.isArray(reg.parts) || reg.parts.length !== count || typeof reg.complete_url !== 'string') {
        throw ZiBError('multipart registration needs part_size, ' + count + ' parts and complete_url', 'InvalidRegistration');
      }
    } else {
      throw ZiBError('registration.type must be "single" or "multipart"', 'InvalidRegistration');
    }
  }

  /**
   * Encrypts `file` with the registration's key and uploads it (single PUT or multipart by `registration.type`).
   * options: onProgress({stage, progress}), signal (AbortSignal), concurrency (parts in flight, default 3),
   * retries (per request, default 2), streaming (send streaming request bodies; default: in Node only),
   * _noncePrefix (TEST ONLY: 8 bytes, or (streamIndex) => 8 bytes; never in real uploads).
   */
  async function uploadDirect(file, registration, options) {
    options = options || {};
    var blob = toBlob(file);
    var size = blob.size;
    checkRegistration(registration, size);
    var signal = options.signal;
    checkAborted(signal);
    var progress = progressReporter(options.onProgress);
    var base = {
      cryptoKey: await importKey(registration.encryption.key),
      segmentSize: registration.encryption.segment_size,
      signal: signal,
    };
    var prefixFor = function (streamIndex) {
      var p = options._noncePrefix;
      return typeof p === 'function' ? p(streamIndex) : p || randomBytes(8);
    };
    var retries = options.retries === undefined ? 2 : options.retries;
    progress('encrypting', 0, size);
    var result = registration.type === 'single'
      ? await uploadSingle(blob, registration, base, prefixFor(0), retries, progress, options)
      : await uploadMultipart(blob, registration, base, prefixFor, retries, progress, options);
    progress('completing', 1, 1);
    return { file_id: result.file_id || registration.file_id, cdn_url: result.cdn_url || registration.cdn_url };
  }

  /**
   * PUTs one OGS1 stream (plaintext [start, end) of the file) with retries; resolves the server's answer. Streaming
   * (Node): sealed while it is sent, and sealed again for a retry (the same nonce prefix gives the same bytes), so
   * nothing is held but the batches in flight. Otherwise (browsers) sealed once into a Blob that a retry re-sends.
   * `finishes`: this request completes the upload (single PUT), so a lost answer is checked as in finishedEarlier.
   */
  async function putSealed(url, blob, start, end, opts, o) {
    var total = cipherSize(end - start, opts.segmentSize);
    var body = o.streaming ? null : await sealToBlob(blob, start, end, Object.assign({}, opts, { onSealed: o.onSealed }));
    var res = await withRetries(o.retries, opts.signal, function (k) {
      var sent = 0;
      var payload = body || toReadableStream(
        sealStream(blob, start, end, Object.assign({}, opts, { onSealed: k === 0 ? o.onSealed : null })),
        function (n) { sent += n; o.onSent(sent, total); });
      var put = request('PUT', url, {
        body: payload, contentLength: total, signal: opts.signal, what: o.what,
        headers: { 'content-type': 'application/octet-stream' },
        onUploadProgress: function (n) { o.onSent(n, total); },
      });
      return o.finishes ? put.catch(function (err) { return finishedEarlier(err, k, o.finishes); }) : put;
    });
    o.onSent(total, total);
    return res;
  }

  async function uploadSingle(blob, reg, base, noncePrefix, retries, progress, options) {
    var size = blob.size;
    var sealed = 0;
    var res = await putSealed(reg.upload_url, blob, 0, size, Object.assign({ streamIndex: 0, noncePrefix: noncePrefix }, base), {
      // Browsers stream request bodies only over HTTP/2, so there a single upload (below the multipart threshold,
      // 16 MiB by default) is sealed into a Blob first: memory is bounded by that threshold.
      streaming: options.streaming === undefined ? IS_NODE : !!options.streaming,
      retries: retries, what: 'upload', finishes: reg,
      onSealed: function (n) { sealed += n; progress('encrypting', sealed, size); },
      onSent: function (n, total) { progress('uploading', n, total); if (n >= total) progress('completing', 0, 1); },
    });
    progress('encrypting', 1, 1);
    progress('uploading', 1, 1);
    progress('completing', 0, 1);
    return parseJson(res, 'upload');
  }

  async function uploadMultipart(blob, reg, base, prefixFor, retries, progress, options) {
    var size = blob.size, partSize = reg.part_size;
    var parts = reg.parts.slice().sort(function (a, b) { return a.part_number - b.part_number; });
    var cipherTotal = 0;
    parts.forEach(function (p, i) {
      if (p.part_number !== i + 1 || typeof p.upload_url !== 'string') throw ZiBError('registration parts must be numbered 1..' + parts.length, 'InvalidRegistration');
      cipherTotal += cipherSize(Math.min(size, (i + 1) * partSize) - i * partSize, base.segmentSize);
    });
    var concurrency = Math.max(1, Math.min(options.concurrency || 3, parts.length));
    // Parts stream too where request bodies can (Node); in browsers each part in flight is one Blob (≤ part_size).
    var streaming = options.streaming === undefined ? IS_NODE : !!options.streaming;
    var sealed = 0, sentByPart = new Array(parts.length).fill(0), sentTotal = 0;
    var etags = new Array(parts.length);
    var nextPart = 0, failed = null;
    var localAbort = typeof AbortController === 'function' ? new AbortController() : null;
    var signal = base.signal;
    var onOuterAbort = function () { if (localAbort) localAbort.abort(abortError(signal)); };
    if (signal && localAbort) signal.addEventListener('abort', onOuterAbort, { once: true });
    var partSignal = localAbort ? localAbort.signal : signal;

    async function worker() {
      while (!failed && nextPart < parts.length) {
        const i = nextPart++, part = parts[i];
        const start = i * partSize, end = Math.min(size, start + partSize);
        const res = await putSealed(part.upload_url, blob, start, end, Object.assign({}, base, { signal: partSignal, streamIndex: part.part_number, noncePrefix: prefixFor(part.part_number) }), {
          streaming: streaming, retries: retries, what: 'upload of part ' + part.part_number,
          onSealed: function (n) { sealed += n; progress('encrypting', sealed, size); },
          onSent: function (n) { sentTotal += n - sentByPart[i]; sentByPart[i] = n; progress('uploading', sentTotal, cipherTotal); },
        });
        const answer = parseJson(res, 'upload of part ' + part.part_number);
        etags[i] = { part_number: part.part_number, etag: answer.etag };
      }
    }
    var workers = [];
    for (var w = 0; w < concurrency; w++) {
      workers.push(worker().catch(function (err) {
        if (!failed) { failed = err; if (localAbort) localAbort.abort(err); } // stop the other parts at once
      }));
    }
    await Promise.all(workers);
    if (signal && localAbort) signal.removeEventListener('abort', onOuterAbort);
    if (failed) throw signal && signal.aborted ? abortError(signal) : failed;
    progress('encrypting', 1, 1);
    progress('uploading', 1, 1);
    progress('completing', 0, 1);
    var res = await withRetries(retries, signal, function (k) {
      return request('POST', reg.complete_url, {
        body: JSON.stringify({ parts: etags }), signal: signal, what: 'complete',
        headers: { 'content-type': 'application/json' },
      }).catch(function (err) { return finishedEarlier(err, k, reg); });
    });
    return parseJson(res, 'complete');
  }

  // ── a tiny XML reader for the S3 listings (no DOMParser in Node) ─────────────────────────────────────────────
  function decodeEntities(s) {
    return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, function (_, e) {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()];
    });
  }
  /** Parses XML into { name, children, text } elements (attributes ignored); returns the root element. */
  function parseXml(xml) {
    var top = { name: '#document', children: [], text: '' }, stack = [top];
    var re = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
    var m;
    while ((m = re.exec(xml)) !== null) {
      var cur = stack[stack.length - 1];
      if (m[1] !== undefined) cur.text += m[1];
      else if (m[2] !== undefined) {
        if (stack.length < 2 || cur.name !== m[2]) throw ZiBError('malformed XML: unexpected </' + m[2] + '>', 'BadResponse');
        stack.pop();
      } else if (m[3] !== undefined) {
        var el = { name: m[3], children: [], text: '' };
        cur.children.push(el);
        if (!m[5]) stack.push(el);
      } else if (m[6] !== undefined) cur.text += decodeEntities(m[6]);
    }
    if (stack.length !== 1 || top.children.length !== 1) throw ZiBError('malformed XML', 'BadResponse');
    return top.children[0];
  }
  function child(el, name) { for (var i = 0; i < el.children.length; i++) if (el.children[i].name === name) return el.children[i]; return undefined; }
  function childText(el, name) { var c = child(el, name); return c ? c.text : undefined; }
  function childrenNamed(el, name) { return el.children.filter(function (c) { return c.name === name; }); }
  function parseBucketList(xml) {
    var doc = parseXml(xml), buckets = child(doc, 'Buckets');
    return (buckets ? childrenNamed(buckets, 'Bucket') : []).map(function (b) { return { name: childText(b, 'Name'), creation_date: childText(b, 'CreationDate') }; });
  }
  function parseObjectList(xml) {
    var doc = parseXml(xml);
    return {
      objects: childrenNamed(doc, 'Contents').map(function (c) {
        return { key: childText(c, 'Key'), size: Number(childText(c, 'Size')), etag: (childText(c, 'ETag') || '').replace(/"/g, ''), last_modified: childText(c, 'LastModified') };
      }),
      common_prefixes: childrenNamed(doc, 'CommonPrefixes').map(function (p) { return childText(p, 'Prefix'); }),
      is_truncated: childText(doc, 'IsTruncated') === 'true',
      next_marker: childText(doc, 'NextMarker'),
    };
  }

  // ── the class ────────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * Account-level client (server side: it holds the tenant's credentials).
   * new ZiBStorage({ accessKey, secretKey, endpoint }) — endpoint (alias baseUrl) is the gateway's ZiB base URL,
   * e.g. http://127.0.0.1:8080/zib; default: where this script was loaded from, else https://api.zibnetwork.com.
   */
  function ZiBStorage(options) {
    if (!(this instanceof ZiBStorage)) throw new TypeError('use new ZiBStorage({ accessKey, secretKey })');
    options = options || {};
    if (typeof options.accessKey !== 'string' || !options.accessKey || typeof options.secretKey !== 'string' || !options.secretKey) {
      throw ZiBError('new ZiBStorage needs { accessKey, secretKey }', 'InvalidArgument');
    }
    var endpoint = options.endpoint || options.baseUrl || scriptBase || DEFAULT_BASE_URL;
    Object.defineProperty(this, 'endpoint', { value: String(endpoint).replace(/\/+$/, ''), enumerable: true });
    Object.defineProperty(this, 'cdnBase', { value: String(options.cdnUrl || endpoint).replace(/\/+$/, ''), enumerable: true });
    // Not enumerable, so logging the instance does not print the secret.
    Object.defineProperty(this, '_authorization', { value: 'Bearer ' + options.accessKey + ':' + options.secretKey });
  }
  ZiBStorage.prototype._call = function (method, path, what, body) {
    var headers = { authorization: this._authorization };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetchRequest(method, this.endpoint + path, { headers: headers, body: body === undefined ? undefined : JSON.stringify(body), what: what })
      .then(function (res) { return res.status >= 200 && res.status < 300 ? res : errorFrom(res.status, res.text, what).then(function (e) { throw e; }); });
  };
  /** S3-compatible ListAllMyBucketsResult XML (as documented), or with { parse: true } [{ name, creation_date }]. */
  ZiBStorage.prototype.listBuckets = async function (options) {
    var res = await this._call('GET', '/s3/', 'listBuckets');
    return options && options.parse ? parseBucketList(res.text) : res.text;
  };
  /**
   * S3-compatible ListBucketResult XML of one page (options: prefix, delimiter, marker, maxKeys), or with
   * { parse: true } every object (all pages followed): { objects: [{ key, size, etag, last_modified }], common_prefixes }.
   */
  ZiBStorage.prototype.listObjects = async function (bucket, options) {
    options = options || {};
    var page = function (marker) {
      var q = [];
      if (options.prefix !== undefined) q.push('prefix=' + encodeURIComponent(options.prefix));
      if (options.delimiter !== undefined) q.push('delimiter=' + encodeURIComponent(options.delimiter));
      if (marker !== undefined) q.push('marker=' + encodeURIComponent(marker));
      if (options.maxKeys !== undefined) q.push('max-keys=' + encodeURIComponent(options.maxKeys));
      return '/s3/' + encodeURIComponent(bucket) + (q.length ? '?' + q.join('&') : '');
    };
    if (!options.parse) return (await this._call('GET', page(options.marker), 'listObjects')).text;
    var all = { objects: [], common_prefixes: [] }, marker = options.marker;
    for (;;) {
      var list = parseObjectList((await this._call('GET', page(marker), 'listObjects')).text);
      all.objects = all.objects.concat(list.objects);
      all.common_prefixes = all.common_prefixes.concat(list.common_prefixes);
      var last = list.next_marker || (list.objects.length ? list.objects[list.objects.length - 1].key : undefined);
      if (!list.is_truncated || last === undefined || last === marker) return all;
      marker = last;
    }
  };
  /** Deletes an object and all of its fragments. Resolves to undefined. */
  ZiBStorage.prototype.deleteObject = async function (bucket, key) {
    var path = '/s3/' + encodeURIComponent(bucket) + '/' + String(key).split('/').map(encodeURIComponent).join('/');
    await this._call('DELETE', path, 'deleteObject');
  };
  /** <endpoint>/objects/<fileId>: the public CDN URL (the same as the cdn_url uploadDirect returns). */
  ZiBStorage.prototype.getCdnUrl = function (fileId) { return this.cdnBase + '/objects/' + encodeURIComponent(fileId); };
  /** Server side: POST /v1/api/upload/initiate → the registration object to hand to uploadDirect. */
  ZiBStorage.prototype.initiateUpload = async function (params) {
    return parseJson(await this._call('POST', '/v1/api/upload/initiate', 'initiate', params), 'initiate');
  };
  /** Server side: initiate + uploadDirect in one call. params: { bucket, key, content_type?, pipeline? }. */
  ZiBStorage.prototype.upload = async function (file, params, options) {
    var blob = toBlob(file);
    var registration = await this.initiateUpload(Object.assign({ content_type: blob.type || 'application/octet-stream' }, params, { file_size: blob.size }));
    return uploadDirect(blob, registration, options);
  };

  ZiBStorage.uploadDirect = uploadDirect;
  ZiBStorage.ZiBError = ZiBError;
  ZiBStorage.parseXml = parseXml;
  ZiBStorage.parseBucketList = parseBucketList;
  ZiBStorage.parseObjectList = parseObjectList;
  /**
   * The OGS1 sealer itself, for tests and benchmarks (applications should use uploadDirect).
   * seal(data, { key, segmentSize, streamIndex, noncePrefix }) → Promise<Uint8Array>; noncePrefix is TEST ONLY.
   * sealStream(data, same options) → Promise<iterator of Uint8Array chunks>, for measuring without keeping the output.
   */
  async function formatStream(data, opts) {
    var blob = toBlob(data);
    return sealStream(blob, 0, blob.size, {
      cryptoKey: await importKey(opts.key), segmentSize: opts.segmentSize || 65536,
      streamIndex: opts.streamIndex || 0, noncePrefix: opts.noncePrefix,
    });
  }
  ZiBStorage._format = {
    cipherSize: cipherSize,
    seal: async function (data, opts) {
      var stream = await formatStream(data, opts);
      return concatBytes(await drain(stream), stream.size);
    },
    /** The same bytes as seal, as an iterator of chunks ({ next() → { done, value }, cancel() }). */
    sealStream: formatStream,
  };
  ZiBStorage.version = '0.1.0';
  return ZiBStorage;
});
