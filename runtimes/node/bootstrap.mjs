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

import http from 'node:http';
import fs from 'node:fs';
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
// ---------------------------------------------------------------------------

class RuntimeApiClient {
  constructor(hostPort) {
    const colon = hostPort.lastIndexOf(':');
    this.hostname = colon > 0 ? hostPort.slice(0, colon) : hostPort;
    this.port = colon > 0 ? parseInt(hostPort.slice(colon + 1), 10) : 80;
    if (this.hostname.startsWith('[') && this.hostname.endsWith(']')) {
      this.hostname = this.hostname.slice(1, -1); // IPv6 literal
    }
    // One keep-alive socket, like the RIC. Free keep-alive sockets are
    // unref'd by node:http, so they do not keep the event loop alive (which
    // matters for callbackWaitsForEmptyEventLoop / beforeExit).
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  // Returns {status, headers, body: Buffer}. Rejects on connection errors.
  // `agent: false` gives a fresh connection outside the keep-alive pool; the
  // fatal-error paths use it because the pooled socket may be busy with a
  // long-polling /next.
  request(method, urlPath, { headers = {}, body, agent = this.agent } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { hostname: this.hostname, port: this.port, method, path: urlPath, headers, agent },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async nextInvocation() {
    const target = `${API_PREFIX}/invocation/next`;
    let res;
    try {
      res = await this.request('GET', target);
    } catch (err) {
      // A pooled keep-alive socket the server already closed surfaces as
      // ECONNRESET / "socket hang up"; retry once on a fresh socket.
      if (err.code !== 'ECONNRESET') throw err;
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
    const send = () => this.request('POST', urlPath, { headers, body, agent: fresh ? false : this.agent });
    send()
      .catch((err) => (err.code === 'ECONNRESET' && !fresh ? send() : Promise.reject(err)))
      .then(
        (res) => {
          // The RIC ignores non-2xx answers (e.g. 400 InvalidRequestID when
          // the invoke already timed out) and carries on; we note them on
          // stderr for debugging.
          if (res.status < 200 || res.status > 299) {
            process.stderr.write(`gatehouse-node-runtime: POST ${urlPath} -> HTTP ${res.status} ${res.body.toString('utf8')}\n`);
          }
          callback();
        },
        (err) => runtimeApiGone(`POST ${urlPath}`, err),
      );
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
