// SigV4 signing with the AWS SDK for JavaScript v3's signer (@smithy/signature-v4 and
// @aws-crypto/sha256-js), for tests/e2e/test_iam_auth.py. Nothing is sent: the test sends the
// signed request itself.
//
//   node sign-request.mjs      (stdin: one line of JSON {"requests": [spec, ...]} per batch)
//
// Each spec: {"method", "url" (http://host:port/path?query, path and query exactly as they go
// on the wire), "headers" (object), "body" (UTF-8 text, optional), "credentials"
// ({accessKeyId, secretAccessKey, sessionToken?}), "region", "service", "presign" (bool),
// "expires" (seconds, presign only), "signingDate" (ISO 8601, optional: now by default),
// "applyChecksum" (bool, optional: the SDK's default, true, adds x-amz-content-sha256)}.
// For each batch, one line is printed on stdout: a JSON array with one object per spec:
//   {"method", "url" (the wire URL: presigned parameters appended), "headers" (to send as is,
//    host included), "canonicalRequest", "stringToSign"}  -- the last two as the signer built
//   them, which is what a verifier's "should have been" message must repeat.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createInterface } from 'node:readline';

const URL_RE = /^(https?):\/\/([^/:?#]+)(?::(\d+))?([^?#]*)(?:\?([^#]*))?$/;

// The SDK's own escaping (RFC 3986 unreserved characters kept).
const hex = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
const escape = (text) => encodeURIComponent(text).replace(/[!'()*]/g, hex);

// The query as the SDK's HttpRequest holds it: decoded names and values ('+' is a plus sign, as
// in SigV4), repeated names as arrays.
function parseQuery(raw) {
  const query = {};
  for (const pair of (raw ?? '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    if (!(name in query)) query[name] = value;
    else if (Array.isArray(query[name])) query[name].push(value);
    else query[name] = [query[name], value];
  }
  return query;
}

async function sign(spec) {
  const m = URL_RE.exec(spec.url);
  if (!m) throw new Error(`not a URL this script understands: ${spec.url}`);
  const [, scheme, hostname, port, path, rawQuery] = m;
  const headers = { ...(spec.headers ?? {}) };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) {
    headers.host = port ? `${hostname}:${port}` : hostname;
  }
  const request = {
    method: spec.method,
    protocol: `${scheme}:`,
    hostname,
    port: port ? Number(port) : undefined,
    path: path || '/',
    query: parseQuery(rawQuery),
    headers,
    body: spec.body === undefined || spec.body === null ? undefined : spec.body,
  };
  const signer = new SignatureV4({
    credentials: spec.credentials,
    region: spec.region,
    service: spec.service,
    sha256: Sha256,
    ...(spec.applyChecksum === undefined ? {} : { applyChecksum: spec.applyChecksum }),
  });
  // Keep what the signer hashed: its canonical request and string to sign.
  const seen = {};
  const createStringToSign = signer.createStringToSign.bind(signer);
  signer.createStringToSign = async (longDate, scope, canonicalRequest, algorithm) => {
    seen.canonicalRequest = canonicalRequest;
    seen.stringToSign = await createStringToSign(longDate, scope, canonicalRequest, algorithm);
    return seen.stringToSign;
  };
  const options = spec.signingDate ? { signingDate: new Date(spec.signingDate) } : {};
  let url = spec.url;
  let signed;
  if (spec.presign) {
    signed = await signer.presign(request, { ...options, expiresIn: spec.expires ?? 3600 });
    // The caller's parameters stay as they were on the wire; the signer's follow.
    const added = Object.keys(signed.query).filter((k) => !(k in request.query));
    const extra = added.map((k) => `${escape(k)}=${escape(signed.query[k])}`).join('&');
    url = rawQuery ? `${spec.url}&${extra}` : `${spec.url}?${extra}`;
  } else {
    signed = await signer.sign(request, options);
  }
  return {
    method: spec.method,
    url,
    headers: signed.headers,
    canonicalRequest: seen.canonicalRequest,
    stringToSign: seen.stringToSign,
  };
}

// Batches one after the other until stdin ends (the test keeps one process for all its calls).
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === '') continue;
  const out = [];
  for (const spec of JSON.parse(line).requests) out.push(await sign(spec));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
