// Gatehouse Node.js runtime bootstrap (targets the AWS "nodejs20.x" behaviour).
//
// Gatehouse starts one of these per Lambda function instance:
//     node <path>/bootstrap.mjs      (cwd = LAMBDA_TASK_ROOT)
// and it talks to Gatehouse over the real AWS Lambda Runtime API
// (http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/...).
//
// Behaviour is modelled on AWS's Node runtime interface client (RIC),
// github.com/aws/aws-lambda-nodejs-runtime-interface-client, in the "classic"
// JavaScript layout that ships in the nodejs18.x/20.x runtimes:
//   src/UserFunction.js     handler string parsing and module loading
//   src/Errors.js           Runtime.* error names, error -> JSON body ("trace")
//   src/Runtime.js          invoke loop, promise / callback / beforeExit handling
//   src/CallbackContext.js  callback, context.succeed/fail/done,
//                           callbackWaitsForEmptyEventLoop
//   src/InvokeContext.js    context object fields, _X_AMZN_TRACE_ID
//   src/LogPatch.js         console.* line format
//   src/index.mjs           process-level uncaughtException/unhandledRejection
// Nothing here is copied from it; only the observable behaviour is reproduced.
// Standard library only.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const API_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// Exit codes the AWS RIC uses (index.mjs / Runtime.js): 129 after an uncaught
// exception (incl. init failures), 128 after an unhandled promise rejection.
const EXIT_UNCAUGHT_EXCEPTION = 129;
const EXIT_UNHANDLED_REJECTION = 128;
// Our own choice: the Runtime API went away (Gatehouse stopped the instance).
const EXIT_RUNTIME_API_GONE = 1;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

// AWS sets the *prototype* name to "Runtime.<Class>" so that the stack trace,
// which V8 captures at construction, starts with e.g.
// "Runtime.ImportModuleError: Error: Cannot find module 'index'".
function runtimeErrorClass(shortName) {
  const cls = class extends Error {};
  Object.defineProperty(cls, 'name', { value: shortName });
  cls.prototype.name = `Runtime.${shortName}`;
  return cls;
}
const ImportModuleError = runtimeErrorClass('ImportModuleError');
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
const NodeJsExit = runtimeErrorClass('NodeJsExit');
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    // AWS passes the reason straight to Error(), so the message is
    // String(reason), e.g. "Error: boom" for a rejected Error.
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

// The message AWS uses for Runtime.NodeJsExit (async handler whose promise
// never settled before the event loop emptied).
const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
  'commonly caused by a Promise that was never settled. For more information, see ' +
  'https://nodejs.org/docs/latest/api/process.html#exit-codes';

function isErrorLike(obj) {
  return Boolean(obj && typeof obj.name === 'string' && obj.name &&
    typeof obj.message === 'string' && obj.message && typeof obj.stack === 'string');
}

// Error -> body posted to /invocation/{id}/error and /init/error.
// Same shape as the RIC's Errors.toRapidResponse: Node uses "trace" (array of
// stack lines); non-Error values become {errorType: typeof v, errorMessage:
// String(v), trace: []}.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: error.stack.split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving ' +
        'one or more of its message, name, and stack',
    };
  }
}

// Error -> the text AWS logs after "Invoke Error" / "Uncaught Exception":
// a tab followed by JSON with errorType, errorMessage, code, any own
// enumerable properties and the stack as an array.
function toFormatted(error) {
  const withEnumerable = (_key, value) => {
    if (value instanceof Error) {
      const out = Object.assign(
        { errorType: value.name, errorMessage: value.message, code: value.code },
        value,
      );
      if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
      return out;
    }
    return value;
  };
  try {
    return '\t' + JSON.stringify(error, withEnumerable);
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

const intoError = (err) => (err instanceof Error ? err : new Error(err));
const logError = (label, err) => console.error(label, toFormatted(intoError(err)));

// ---------------------------------------------------------------------------
// Logging: console.* -> "<ISO time>\t<requestId>\t<LEVEL>\t<message>" on stdout
// (LogPatch.js, TEXT format). Newlines inside a message become "\r" so every
// log record stays one line. The request id is the literal "undefined" during
// init, exactly as in CloudWatch.
// ---------------------------------------------------------------------------

let currentRequestId; // undefined until the first invoke

function patchConsole() {
  const levels = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
  const minimum = levels[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || levels.TRACE;
  const make = (level) => {
    if (levels[level] < minimum) return () => {};
    return (message, ...params) => {
      const text = util.format(message, ...params);
      const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}`;
      process.stdout.write(line.replace(/\n/g, '\r') + '\n');
    };
  };
  console.trace = make('TRACE');
  console.debug = make('DEBUG');
  console.info = make('INFO');
  console.log = console.info;
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.fatal = make('FATAL');
}

// ---------------------------------------------------------------------------
// Runtime API client
//
// A small HTTP/1.1 client on a raw net.Socket rather than node:http. Every
// invocation makes two requests (GET /next, POST /response), and with
// node:http's ClientRequest/IncomingMessage streams and Agent bookkeeping the
// runtime used about twice the CPU per invocation that it uses with this
// client (hello world, 8 connections: ~265 µs against ~140 µs). It does only
// what the Runtime API needs: one request at a time on one keep-alive
// connection, request bodies with Content-Length, response bodies by
// Content-Length or chunked (Gatehouse sends Content-Length, but the Runtime
// API is plain HTTP/1.1, so both are read) or running to the close, and
// interim 1xx answers skipped.
// ---------------------------------------------------------------------------

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
// Response heads are small (the largest /next header, the client context, is
// under 4 KB); this only bounds what a broken peer can make us buffer.
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 4 * 1024; // a chunk-size or trailer line

function protocolError(message) {
  return new Error(`malformed Runtime API response: ${message}`);
}

// What node:http reports when a connection closes before the answer is
// complete; the callers retry once on this code (a stale keep-alive socket).
function socketHangUp() {
  const err = new Error('socket hang up');
  err.code = 'ECONNRESET';
  return err;
}

// RFC 9110 optional whitespace only (String.prototype.trim also strips
// characters such as U+00A0, which are field content in latin1).
const trimOws = (s) => s.replace(/^[ \t]+|[ \t]+$/g, '');
const tokens = (value) => value.split(',').map((t) => trimOws(t).toLowerCase());

// Incremental parser for a stream of HTTP/1.1 responses. feed() takes the
// socket's chunks as they come -- one response may span many chunks, one chunk
// may hold the end of one response and the start of the next -- and returns
// the responses it completed: {status, headers, body: Buffer, keepAlive},
// headers keyed by lower-case name, repeated fields joined with ", " (as
// node:http does for the Lambda-Runtime-* headers). Body pieces stay slices
// of the socket's chunks and are joined once at the end, so a 6 MB event is
// copied once, not once per chunk. Throws on malformed input, after which the
// connection cannot be used.
class ResponseParser {
  constructor() {
    this.carry = null; // start of an unfinished head or line, from earlier chunks
    this.reset();
  }

  reset() {
    // head -> (body | chunk-size -> chunk-data -> chunk-end ... -> trailers | until-close)
    this.state = 'head';
    this.response = null;
    this.parts = [];    // body pieces
    this.remaining = 0; // bytes still due in 'body' or 'chunk-data'
  }

  feed(chunk) {
    const done = [];
    let data = chunk;
    while (data.length > 0) {
      if (this.state === 'body' || this.state === 'chunk-data') {
        const n = Math.min(this.remaining, data.length);
        this.parts.push(data.subarray(0, n));
        this.remaining -= n;
        data = data.subarray(n);
        if (this.remaining === 0) {
          if (this.state === 'body') done.push(this.finish());
          else this.state = 'chunk-end';
        }
      } else if (this.state === 'until-close') {
        this.parts.push(data);
        break;
      } else {
        const head = this.state === 'head';
        const split = this.split(data, head ? HEAD_END : CRLF, head ? MAX_HEAD_BYTES : MAX_LINE_BYTES);
        if (split === null) break; // kept in this.carry until more arrives
        data = split[1];
        const response = head ? this.parseHead(split[0].toString('latin1')) : this.parseLine(split[0]);
        if (response) done.push(response);
      }
    }
    return done;
  }

  // The connection closed: returns the response whose body ran to the close,
  // or null (nothing pending, or a response cut short).
  end() {
    return this.state === 'until-close' ? this.finish() : null;
  }

  // Splits carried bytes + data at the first delimiter into [before, after];
  // returns null, keeping the bytes, when the delimiter has not arrived yet.
  split(data, delimiter, limit) {
    let buf = data;
    let from = 0;
    if (this.carry !== null) {
      from = Math.max(0, this.carry.length - delimiter.length + 1);
      buf = Buffer.concat([this.carry, data]);
      this.carry = null;
    }
    const at = buf.indexOf(delimiter, from);
    if (at > limit || (at === -1 && buf.length > limit + delimiter.length)) {
      throw protocolError(this.state === 'head' ? 'head too large' : 'line too long');
    }
    if (at === -1) {
      this.carry = buf;
      return null;
    }
    return [buf.subarray(0, at), buf.subarray(at + delimiter.length)];
  }

  // Status line and fields; decides how the body is delimited (RFC 9112 §6.3).
  // Returns the response if it has no body.
  parseHead(text) {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]);
    if (!status) throw protocolError(`status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers = Object.create(null);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) {
        throw protocolError(`header line ${JSON.stringify(line.slice(0, 80))}`);
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = trimOws(line.slice(colon + 1));
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const code = Number(status[2]);
    const connection = headers.connection === undefined ? [] : tokens(headers.connection);
    const keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    this.response = { status: code, headers, body: null, keepAlive };

    if (code < 200 || code === 204 || code === 304) return this.finish();
    const te = headers['transfer-encoding'];
    if (te !== undefined) {
      const codings = tokens(te);
      if (codings[codings.length - 1] === 'chunked') {
        this.state = 'chunk-size';
      } else {
        this.state = 'until-close';
        this.response.keepAlive = false;
      }
      return null;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      // "5, 5" from a repeated field is fine, differing values are not.
      const values = [...new Set(length.split(',').map(trimOws))];
      if (values.length !== 1 || !/^\d{1,15}$/.test(values[0])) {
        throw protocolError(`Content-Length ${JSON.stringify(length)}`);
      }
      this.remaining = Number(values[0]);
      if (this.remaining === 0) return this.finish();
      this.state = 'body';
      return null;
    }
    this.state = 'until-close';
    this.response.keepAlive = false;
    return null;
  }

  // A CRLF-terminated line of the chunked framing. Returns the response when
  // the trailer section ends it.
  parseLine(line) {
    if (this.state === 'chunk-size') {
      const text = line.toString('latin1');
      const semicolon = text.indexOf(';'); // chunk extensions are ignored
      const size = trimOws(semicolon === -1 ? text : text.slice(0, semicolon));
      if (!/^[0-9A-Fa-f]{1,12}$/.test(size)) throw protocolError(`chunk size ${JSON.stringify(text.slice(0, 80))}`);
      this.remaining = parseInt(size, 16);
      this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
    } else if (this.state === 'chunk-end') {
      if (line.length !== 0) throw protocolError('chunk data longer than its size');
      this.state = 'chunk-size';
    } else if (line.length === 0) { // 'trailers': the empty line ends them; fields are ignored
      return this.finish();
    }
    return null;
  }

  finish() {
    const response = this.response;
    response.body = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.reset();
    return response;
  }
}

// node:http refuses header values with control characters or characters
// above U+00FF (ERR_INVALID_CHAR, which used to end the runtime when an error
// name had one). They are replaced instead: the request cannot be split, and
// the error still reaches Gatehouse (which validates the type anyway).
const headerValue = (value) => String(value).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

// One HTTP/1.1 connection to the Runtime API. Requests go out in order and
// their answers come back in order; a keep-alive connection pipelines them
// (the GET /next that follows a POST /response is written before the 202
// arrives, which saves a round trip per invocation; the Runtime API answers
// requests on a connection one after the other, as HTTP/1.1 requires). It
// connects on demand, and again after the server closed it. With keepAlive
// false it sends "Connection: close" and is used for a single request.
//
// Event loop: the socket is ref'd only while a request is outstanding. An
// outstanding GET /next -- a long poll, without a timeout -- must keep the
// process alive, and does. Idle between requests the socket is unref'd (as
// node:http does with free keep-alive sockets), so it never keeps the process
// alive by itself: 'beforeExit' has to fire as soon as the handler's own work
// is done, which is how callbackWaitsForEmptyEventLoop and the
// never-settled-promise check (Runtime.NodeJsExit) work.
class RuntimeApiConnection {
  constructor(hostname, port, { keepAlive }) {
    this.hostname = hostname;
    this.port = port;
    this.keepAlive = keepAlive;
    // The last two header lines, as node:http wrote them.
    const host = hostname.includes(':') ? `[${hostname}]` : hostname;
    this.trailingHeaders = `Host: ${port === 80 ? host : `${host}:${port}`}\r\n` +
      `Connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
    this.socket = null;
    this.queue = [];    // requests not sent yet: {bytes, resolve, reject}
    this.inflight = []; // requests sent, whose answers are awaited, in order
  }

  // Resolves to {status, headers, body: Buffer}; rejects on a connection
  // error (err.code ECONNREFUSED, ECONNRESET, EPIPE, ...) or a malformed
  // answer. `body` is a string (sent as UTF-8) or a Buffer, and `headers`
  // must then include its Content-Length.
  request(method, urlPath, headers, body) {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes: this.encode(method, urlPath, headers, body), resolve, reject });
      this.pump();
    });
  }

  // Head and body in one buffer, for one write (and with setNoDelay, one
  // segment for small requests).
  encode(method, urlPath, headers, body) {
    let head = `${method} ${urlPath} HTTP/1.1\r\n`;
    for (const name of Object.keys(headers)) head += `${name}: ${headerValue(headers[name])}\r\n`;
    head += this.trailingHeaders;
    if (body === undefined) return Buffer.from(head, 'latin1');
    const bodyLength = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const bytes = Buffer.allocUnsafe(head.length + bodyLength);
    bytes.write(head, 0, 'latin1');
    if (typeof body === 'string') bytes.write(body, head.length, 'utf8');
    else body.copy(bytes, head.length);
    return bytes;
  }

  // Sends the queued requests (one at a time without keep-alive).
  pump() {
    if (this.queue.length === 0) {
      if (this.inflight.length === 0 && this.socket !== null) this.socket.unref(); // idle
      return;
    }
    if (this.inflight.length > 0 && !this.keepAlive) return;
    if (this.socket === null) this.connect();
    this.socket.ref();
    while (this.queue.length > 0 && (this.keepAlive || this.inflight.length === 0)) {
      const request = this.queue.shift();
      this.inflight.push(request);
      this.socket.write(request.bytes); // buffered by net until connected
    }
  }

  connect() {
    const socket = net.connect({ host: this.hostname, port: this.port });
    socket.setNoDelay(true);
    const parser = new ResponseParser();
    this.socket = socket;
    socket.on('data', (chunk) => {
      if (socket !== this.socket) return;
      let responses;
      try {
        responses = parser.feed(chunk);
      } catch (err) {
        this.fail(socket, err);
        return;
      }
      for (const response of responses) {
        if (!this.deliver(socket, response)) break;
      }
      this.pump();
    });
    // The server closed the connection (or reset it, or it never opened). A
    // body that runs to the close is complete; any other answer in progress
    // was cut short. An idle connection is simply dropped and the next
    // request opens a new one.
    socket.on('end', () => {
      if (socket !== this.socket) return;
      const response = parser.end();
      if (response !== null) this.deliver(socket, response);
      this.fail(socket, socketHangUp()); // nothing left to do if deliver() dropped it
      this.pump();
    });
    socket.on('error', (err) => this.fail(socket, err));
    socket.on('close', () => this.fail(socket, socketHangUp()));
  }

  // A complete answer arrived on `socket`. Returns whether the socket is
  // still in use (further answers in the same chunk may be read from it).
  deliver(socket, response) {
    if (response.status < 200) return true; // interim (100 Continue): the real one follows
    const request = this.inflight.shift();
    if (request === undefined) {
      this.fail(socket, protocolError('an answer to no request'));
      return false;
    }
    if (!this.keepAlive || !response.keepAlive) {
      // Requests written after this one will not be answered on this socket.
      this.fail(socket, socketHangUp());
    }
    request.resolve(response);
    return this.socket === socket;
  }

  // Ends the connection; the outstanding requests fail with `err`, queued
  // ones go out on a new connection. Ignores sockets already dropped.
  fail(socket, err) {
    if (socket !== this.socket) return;
    this.drop(socket);
    const failed = this.inflight;
    this.inflight = [];
    for (const request of failed) request.reject(err);
    this.pump();
  }

  drop(socket) {
    this.socket = null;
    socket.destroy();
  }
}

// A pooled keep-alive connection the server closed just as a request went out
// fails with one of these; the request is then retried once.
const isStaleConnectionError = (err) => err.code === 'ECONNRESET' || err.code === 'EPIPE';

class RuntimeApiClient {
  constructor(hostPort) {
    const colon = hostPort.lastIndexOf(':');
    this.hostname = colon > 0 ? hostPort.slice(0, colon) : hostPort;
    this.port = colon > 0 ? parseInt(hostPort.slice(colon + 1), 10) : 80;
    if (this.hostname.startsWith('[') && this.hostname.endsWith(']')) {
      this.hostname = this.hostname.slice(1, -1); // IPv6 literal
    }
    // One keep-alive connection, like the RIC.
    this.connection = new RuntimeApiConnection(this.hostname, this.port, { keepAlive: true });
  }

  // Returns {status, headers, body: Buffer}. Rejects on connection errors.
  // `fresh` uses a connection of its own, closed after the answer; the
  // fatal-error paths use it because the shared connection may be busy with a
  // long-polling /next.
  request(method, urlPath, { headers = {}, body, fresh = false } = {}) {
    const connection = fresh
      ? new RuntimeApiConnection(this.hostname, this.port, { keepAlive: false })
      : this.connection;
    return connection.request(method, urlPath, headers, body);
  }

  async nextInvocation() {
    const target = `${API_PREFIX}/invocation/next`;
    let res;
    try {
      res = await this.request('GET', target);
    } catch (err) {
      // The server closed the keep-alive connection as the request went out;
      // retry once on a new one.
      if (!isStaleConnectionError(err)) throw err;
      res = await this.request('GET', target);
    }
    if (res.status !== 200) {
      throw new Error(`GET ${target} returned HTTP ${res.status}: ${res.body.toString('utf8')}`);
    }
    return { bodyJson: res.body.toString('utf8'), headers: res.headers };
  }

  // Serialisation happens synchronously (and may throw synchronously) before
  // anything is sent, as in the RIC: JSON.stringify(undefined -> null), and
  // a failure becomes Error("Unable to stringify response body").
  postInvocationResponse(result, id, callback) {
    const body = serialize(result);
    this.post(`${API_PREFIX}/invocation/${encodeURIComponent(id)}/response`, body, {}, callback);
  }

  postInvocationError(error, id, callback, options = {}) {
    const response = toRapidResponse(error);
    // The RIC sends no error-type header on /error (its native client only
    // adds an X-Ray cause header); the Runtime API accepts it as optional and
    // Gatehouse wants it, so we always send it.
    this.post(`${API_PREFIX}/invocation/${encodeURIComponent(id)}/error`,
      serialize(response), { [ERROR_TYPE_HEADER]: response.errorType }, callback, options);
  }

  postInitError(error, callback) {
    const response = toRapidResponse(error);
    this.post(`${API_PREFIX}/init/error`, serialize(response),
      { [ERROR_TYPE_HEADER]: response.errorType }, callback, { fresh: true });
  }

  post(urlPath, body, extraHeaders, callback, { fresh = false } = {}) {
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...extraHeaders,
    };
    const send = () => this.request('POST', urlPath, { headers, body, fresh });
    send()
      .catch((err) => (isStaleConnectionError(err) && !fresh ? send() : Promise.reject(err)))
      .then(
        (res) => {
          // The RIC ignores non-2xx answers (e.g. 400 InvalidRequestID when
          // the invoke already timed out) and carries on; we note them on
          // stderr for debugging.
          if (res.status < 200 || res.status > 299) {
            process.stderr.write(`gatehouse-node-runtime: POST ${urlPath} -> HTTP ${res.status} ${res.body.toString('utf8')}\n`);
          }
          if (fresh) callback();
        },
        (err) => runtimeApiGone(`POST ${urlPath}`, err),
      );
    // On the shared connection the next request (GET /next) is pipelined
    // behind this one: no need to wait for the 202. A failed POST still ends
    // the runtime above.
    if (!fresh) callback();
  }
}

function serialize(value) {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch (_) {
    throw new Error('Unable to stringify response body');
  }
}

function runtimeApiGone(what, err) {
  process.stderr.write(`gatehouse-node-runtime: ${what} failed (${err.code || err.message}); exiting\n`);
  process.exit(EXIT_RUNTIME_API_GONE);
}

// ---------------------------------------------------------------------------
// Handler loading (UserFunction.js)
// ---------------------------------------------------------------------------

// Nearest package.json decides whether ".js" is ESM; stop at node_modules.
function hasPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  const parent = path.resolve(folder, '..');
  return parent === folder ? false : hasPackageJsonTypeModule(parent);
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

// Lookup order follows the RIC: extensionless file (require), ".js" via
// require unless the nearest package.json says "type":"module", then ".js"
// via import() (module packages), ".mjs" via import(), ".cjs" via require,
// and finally Node's own resolution (node_modules / directories) from the
// task root and the handler's directory.
async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);
  const extensionless = tryRequire(lambdaStylePath);
  if (extensionless) return extensionless;

  const isModulePackage = hasPackageJsonTypeModule(path.dirname(lambdaStylePath));
  if (!isModulePackage) {
    const cjs = tryRequire(lambdaStylePath + '.js');
    if (cjs) return cjs;
  }
  const loaded =
    (isModulePackage && (await tryImport(lambdaStylePath + '.js'))) ||
    (await tryImport(lambdaStylePath + '.mjs')) ||
    tryRequire(lambdaStylePath + '.cjs');
  if (loaded) return loaded;

  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  // "src/app.nested.fn" -> moduleRoot "src/", module "app", path "nested.fn"
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    // Only these two are wrapped; anything thrown by the module body itself
    // (or ESM's ERR_MODULE_NOT_FOUND) is reported as-is.
    if (e instanceof SyntaxError) {
      throw new UserCodeSyntaxError(e);
    }
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    }
    throw e;
  }

  const handler = handlerPath.split('.').reduce((obj, key) => obj && obj[key], userModule);
  if (!handler) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  return handler;
}

// ---------------------------------------------------------------------------
// beforeExit listener: Node emits 'beforeExit' when the event loop is empty.
// That is how AWS implements callbackWaitsForEmptyEventLoop and how it
// finishes non-async handlers that never call the callback.
// ---------------------------------------------------------------------------

const noop = () => {};
let beforeExitListener = noop;
const BeforeExit = {
  set: (fn) => { beforeExitListener = fn; },
  reset: () => { beforeExitListener = noop; },
  invoke: () => beforeExitListener(),
};

// ---------------------------------------------------------------------------
// Callback / context (CallbackContext.js + InvokeContext.js)
// ---------------------------------------------------------------------------

function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, next) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, next);
  };

  let completed = false;
  const complete = (result, next) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, next);
  };

  let waitForEmptyEventLoop = true;

  // callback(err, result): errors are posted at once; results wait for the
  // event loop to drain unless callbackWaitsForEmptyEventLoop is false.
  const callback = (err, result) => {
    BeforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      BeforeExit.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };

  // done/succeed/fail (and resolved promises) never wait for the loop.
  const done = (err, result) => {
    BeforeExit.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => (err === undefined || err === null ? done('handled') : done(err, null));

  // Only the first of callback/succeed/fail/done has any effect. The flag is
  // set after the call returns, so a call that throws (e.g. an unserialisable
  // result) can still be followed by fail().
  let finished = false;
  const once = (fn) => (...args) => {
    if (!finished) {
      fn(...args);
      finished = true;
    }
  };

  const context = {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: once(succeed),
    fail: once(fail),
    done: once(done),
  };
  return { callback: once(callback), context, markCompleted: () => { completed = true; } };
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// process.env._X_AMZN_TRACE_ID changes on every invocation. Assigning it calls
// glibc's setenv(), which never frees a value it has seen (every distinct
// "NAME=value" string is kept), so a unique trace id per invocation leaks
// ~150 bytes each time: 100 MB over a long load test, and the instance then
// runs into its memorySize. So process.env becomes a Proxy that keeps this
// one variable in JavaScript: reads, writes, deletes, `in`, Object.keys()
// and child processes (which copy process.env) all see it; only native code
// calling getenv() does not.
const TRACE_ID_VAR = '_X_AMZN_TRACE_ID';
let currentTraceId = process.env[TRACE_ID_VAR];
delete process.env[TRACE_ID_VAR];
process.env = new Proxy(process.env, {
  get: (target, key) => (key === TRACE_ID_VAR ? currentTraceId : Reflect.get(target, key)),
  has: (target, key) => (key === TRACE_ID_VAR ? currentTraceId !== undefined : Reflect.has(target, key)),
  set: (target, key, value) => {
    if (key !== TRACE_ID_VAR) return Reflect.set(target, key, value);
    currentTraceId = String(value); // process.env stores strings
    return true;
  },
  deleteProperty: (target, key) => {
    if (key !== TRACE_ID_VAR) return Reflect.deleteProperty(target, key);
    currentTraceId = undefined;
    return true;
  },
  ownKeys: (target) => {
    const keys = Reflect.ownKeys(target);
    return currentTraceId === undefined ? keys : [...keys, TRACE_ID_VAR];
  },
  getOwnPropertyDescriptor: (target, key) => {
    if (key !== TRACE_ID_VAR) return Reflect.getOwnPropertyDescriptor(target, key);
    return currentTraceId === undefined ? undefined
      : { value: currentTraceId, writable: true, enumerable: true, configurable: true };
  },
});

// Adds AWS's context fields (from env and from the /next headers) and exports
// the X-Ray trace id for this invoke. May throw on malformed JSON headers; the
// caller turns that into an invocation error like the RIC does.
function attachEnvironmentData(context, headers) {
  const traceId = headers['lambda-runtime-trace-id'];
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
  else delete process.env._X_AMZN_TRACE_ID;

  const deadline = headers['lambda-runtime-deadline-ms'];
  return Object.assign(context, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    // Not clamped at 0, as in AWS.
    getRemainingTimeInMillis: () => Number(deadline) - Date.now(),
  });
}

// ---------------------------------------------------------------------------
// Invoke loop (Runtime.js)
// ---------------------------------------------------------------------------

const isPromise = (obj) => Boolean(obj && typeof obj.then === 'function');

class Runtime {
  constructor(client, handler, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.errorCallbacks = errorCallbacks;
    // AWS decides "async" by the function's constructor, not by its result.
    this.isAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().catch((err) => {
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        this.errorCallbacks.uncaughtException(err);
      });
    });
  }

  async handleOnce() {
    let invocation;
    try {
      invocation = await this.client.nextInvocation();
    } catch (err) {
      runtimeApiGone('GET /next', err);
      return;
    }
    const { bodyJson, headers } = invocation;
    const id = headers['lambda-runtime-aws-request-id'];
    if (!id) throw new Error('invocation id is missing or invalid');
    currentRequestId = id;

    const { callback, context, markCompleted } =
      buildCallbackContext(this.client, id, () => this.scheduleIteration());

    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const event = JSON.parse(bodyJson);
      const ctx = attachEnvironmentData(context, headers);
      // The callback is always passed. A returned promise settles the invoke;
      // any other return value is ignored (nodejs20.x behaviour), so a plain
      // function must call the callback or it answers null once the event
      // loop drains.
      const result = this.handler(event, ctx, callback);
      if (isPromise(result)) {
        result.then(context.succeed, context.fail).catch(context.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  // Errors escaping the handler asynchronously are charged to the current
  // invoke, then the process exits (it is not reused).
  setErrorCallbacks(id) {
    const fatal = (code) => (error) => {
      setTimeout(() => process.exit(code), 2000).unref(); // never hang here
      this.client.postInvocationError(error, id, () => process.exit(code), { fresh: true });
    };
    this.errorCallbacks.uncaughtException = fatal(EXIT_UNCAUGHT_EXCEPTION);
    this.errorCallbacks.unhandledRejection = fatal(EXIT_UNHANDLED_REJECTION);
  }

  // Event loop drained and nothing was reported: an async handler whose
  // promise never settled fails with Runtime.NodeJsExit; any other handler
  // succeeds with null.
  setDefaultExitListener(id, markCompleted) {
    BeforeExit.set(() => {
      BeforeExit.reset();
      markCompleted();
      if (this.isAsync) {
        const error = new NodeJsExit(NODEJS_EXIT_MESSAGE);
        logError('Invoke Error', error);
        this.client.postInvocationError(error, id, () => this.scheduleIteration());
      } else {
        this.client.postInvocationResponse(null, id, () => this.scheduleIteration());
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Entry point (index.mjs)
// ---------------------------------------------------------------------------

async function main() {
  patchConsole();
  const apiAddress = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!apiAddress) {
    process.stderr.write('gatehouse-node-runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(EXIT_RUNTIME_API_GONE);
  }
  const client = new RuntimeApiClient(apiAddress);

  // Before the first invoke, anything that escapes is an init error.
  const initFailure = (code) => (error) => {
    client.postInitError(error, () => process.exit(code));
  };
  const errorCallbacks = {
    uncaughtException: initFailure(EXIT_UNCAUGHT_EXCEPTION),
    unhandledRejection: initFailure(EXIT_UNHANDLED_REJECTION),
  };

  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  BeforeExit.reset();
  process.on('beforeExit', () => BeforeExit.invoke());

  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(appRoot, process.env._HANDLER || '');
  } catch (error) {
    // In AWS the rejected load reaches the uncaughtException listener; do
    // the same thing explicitly: log, POST /init/error, exit 129.
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
    return;
  }
  new Runtime(client, handler, errorCallbacks).scheduleIteration();
}

main();
