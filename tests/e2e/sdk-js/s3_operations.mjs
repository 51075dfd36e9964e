// Every S3 operation of the gateway through the AWS SDK for JavaScript v3's S3 client at its
// DEFAULT settings (requestChecksumCalculation and responseChecksumValidation WHEN_SUPPORTED: a
// CRC32 on every upload, DeleteObjects included, and checksum validation of GetObject), plus
// presigned GET and PUT URLs from @aws-sdk/s3-request-presigner (tests/e2e/test_s3_sdk_js.py).
//
//   node s3_operations.mjs ENDPOINT STYLE ACCESS_KEY_ID SECRET_ACCESS_KEY [--iam]
//
//   ENDPOINT  http://127.0.0.1:PORT for STYLE=path (forcePathStyle: true), or
//             http://s3.localhost:PORT for STYLE=virtual (forcePathStyle: false: the SDK puts the
//             bucket in the host name, BUCKET.s3.localhost, which the script's http.Agent
//             resolves to 127.0.0.1 since such names need not resolve through DNS);
//   --iam     the gateway enforces IAM: the script also checks that a client with a wrong secret
//             (and a presigned URL with a changed signature) gets SignatureDoesNotMatch (403).
//
// Each check compares what the SDK hands back with what S3 answers (the AWS S3 API reference);
// the first failed check ends the script with exit code 1 and "FAIL <check>: <details>" on
// stderr. The checks the gateway is known to fail (marked GATEWAY BUG) run too, but a failure
// is reported instead of ending the script. On success it prints one JSON object on stdout:
// `passed` (the checks, in order), `gatewayBugs` (the known failures that happened: check and
// details), `requests` (method, host and path of every request the SDK sent: the addressing
// style) and `kept` (a bucket left behind with one object, for the caller to look at). Needs a
// fresh gateway (it starts from no buckets of its own, with fixed bucket names); no retries.
// @smithy/node-http-handler is client-s3's own HTTP handler (a dependency of it, pinned by
// package-lock.json).
import http from 'node:http';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand,
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListBucketsCommand, ListMultipartUploadsCommand, ListObjectsCommand, ListObjectsV2Command,
  ListPartsCommand, NoSuchBucket, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException,
  UploadPartCommand, UploadPartCopyCommand, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// ------------------------------------------------------------------------------ arguments

const [endpoint, style, accessKeyId, secretAccessKey, ...flags] = process.argv.slice(2);
if (!endpoint || !['path', 'virtual'].includes(style) || !accessKeyId || !secretAccessKey ||
    flags.some((f) => f !== '--iam')) {
  console.error('usage: node s3_operations.mjs ENDPOINT path|virtual ACCESS_KEY_ID SECRET [--iam]');
  process.exit(2);
}
const iam = flags.includes('--iam');
const virtual = style === 'virtual';
const endpointUrl = new URL(endpoint);

// ------------------------------------------------------------------------------- checking

class CheckFailed extends Error {}
const passed = [];
let current = '(setup)';

function check(name) { current = name; }

function show(v) {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    return `<${v.length} bytes${v.length <= 64 ? ` ${JSON.stringify(Buffer.from(v).toString('latin1'))}` : ''}>`;
  }
  return JSON.stringify(v);
}

function fail(message) { throw new CheckFailed(`FAIL ${current}: ${message}`); }

function eq(what, actual, expected) {
  const same = (Buffer.isBuffer(expected) || expected instanceof Uint8Array)
    ? (actual instanceof Uint8Array && Buffer.from(actual).equals(Buffer.from(expected)))
    : JSON.stringify(actual) === JSON.stringify(expected);
  if (!same) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function ok(what, condition, detail = '') {
  if (!condition) fail(`${what}${detail ? ` (${detail})` : ''}`);
}

function done() { passed.push(current); }

/** A check the gateway is known to fail (each marked GATEWAY BUG where it is used): it runs, and
 * a failure is reported in the output's `gatewayBugs` (with what was expected and what came)
 * instead of ending the script. */
const gatewayBugs = [];
async function knownGatewayBug(name, body) {
  const outer = current;
  current = `${outer} / ${name}`;
  try {
    await body();
  } catch (e) {
    gatewayBugs.push({ check: name, failure: e instanceof CheckFailed ? e.message
      : `unexpected ${e.name} (${e.$metadata?.httpStatusCode ?? ''}): ${e.message}` });
  }
  current = outer;
}

/** The error `promise` must fail with: S3's error code (the SDK's `name`) and HTTP status. */
async function expectError(what, promise, name, status) {
  let result;
  try {
    result = await promise;
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    const got = `${e.name} ${e.$metadata?.httpStatusCode}`;
    if (got !== `${name} ${status}`) {
      fail(`${what}: expected the error ${name} ${status}, got ${got}: ${e.message}`);
    }
    return e;
  }
  fail(`${what}: expected the error ${name} ${status}, but it succeeded: ` +
       show(result?.$metadata?.httpStatusCode));
  return undefined;
}

const md5 = (data) => crypto.createHash('md5').update(data).digest();
const etagOf = (data) => `"${md5(data).toString('hex')}"`;
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data) {
  let c = 0xffffffff;
  for (const b of Buffer.from(data)) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
const bytes = async (body) => Buffer.from(await body.transformToByteArray());
const status = (r) => r.$metadata.httpStatusCode;
const keysOf = (r) => (r.Contents ?? []).map((o) => o.Key);
const prefixesOf = (r) => (r.CommonPrefixes ?? []).map((p) => p.Prefix);
const MiB = 1024 * 1024;

// --------------------------------------------------------------------------------- client

// Any host name is 127.0.0.1: BUCKET.s3.localhost need not resolve through DNS. With
// autoSelectFamily (Node's default) net.connect asks for every address (`options.all`).
function lookup(hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {}; }
  if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}
const agent = new http.Agent({ keepAlive: true, lookup });

// What went over the wire: every request as signed (the deserialize step sees the final one).
const sent = [];

function makeClient(secret) {
  const c = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: !virtual,
    credentials: { accessKeyId, secretAccessKey: secret },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 30000 }),
  });
  c.middlewareStack.add((next, context) => async (args) => {
    const r = args.request;
    sent.push({ operation: context.commandName, method: r.method, host: r.hostname,
                path: r.path, headers: { ...r.headers } });
    return next(args);
  }, { step: 'deserialize', name: 'recordRequests', priority: 'low' });
  return c;
}
const s3 = makeClient(secretAccessKey);

/** The last request the SDK sent for `operation`. */
function lastSent(operation) {
  const r = sent.findLast((x) => x.operation === operation);
  ok(`a recorded ${operation} request`, r);
  return r;
}

function header(req, name) {
  const k = Object.keys(req.headers).find((h) => h.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : req.headers[k];
}

/** A presigned URL used by a plain HTTP client: fetch(), or (virtual-hosted, where the host
 * name does not resolve and fetch() cannot be given a resolver or a Host header) node:http with
 * the resolving agent. Resolves to {status, headers (lower-case), body (Buffer)}. */
async function httpCall(url, method, body) {
  if (!virtual) {
    const r = await fetch(url, { method, body });
    return { status: r.status, headers: Object.fromEntries(r.headers),
             body: Buffer.from(await r.arrayBuffer()) };
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                    body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const xmlCode = (body) => /<Code>([^<]*)<\/Code>/.exec(body.toString())?.[1];

// ------------------------------------------------------------------------------ scenario

const Bucket = `sdk-js-${style}`;
const ListBucket = `sdk-js-${style}-list`;
const KeptBucket = `sdk-js-${style}-kept`;
const Missing = 'sdk-js-no-such-bucket';

async function main() {
  check('ListBuckets before');
  let r = await s3.send(new ListBucketsCommand({}));
  eq('ListBuckets status', status(r), 200);
  ok('ListBuckets has Buckets', Array.isArray(r.Buckets), show(r));
  ok('no bucket of ours yet', !r.Buckets.some((b) => b.Name.startsWith(Bucket)), show(r.Buckets));
  ok('ListBuckets has an Owner ID', r.Owner?.ID, show(r.Owner));
  done();

  check('CreateBucket');
  for (const b of [Bucket, ListBucket, KeptBucket]) {
    r = await s3.send(new CreateBucketCommand({ Bucket: b }));
    eq(`CreateBucket ${b} status`, status(r), 200);
    ok(`CreateBucket ${b} has a Location`, r.Location, show(r));
  }
  // S3 API Reference, BucketAlreadyOwnedByYou: in us-east-1 (the region here), re-creating a
  // bucket one owns answers 200 OK for legacy compatibility (409 in every other region).
  r = await s3.send(new CreateBucketCommand({ Bucket }));
  eq('CreateBucket of an existing bucket in us-east-1', [status(r), r.Location], [200, `/${Bucket}`]);
  done();

  check('HeadBucket');
  r = await s3.send(new HeadBucketCommand({ Bucket }));
  eq('HeadBucket status', status(r), 200);
  eq('HeadBucket BucketRegion', r.BucketRegion, 'us-east-1');
  // A HEAD error has no body: the SDK names a 404 "NotFound".
  await expectError('HeadBucket of a missing bucket',
                    s3.send(new HeadBucketCommand({ Bucket: Missing })), 'NotFound', 404);
  done();

  check('ListBuckets after CreateBucket');
  r = await s3.send(new ListBucketsCommand({}));
  const ours = r.Buckets.filter((b) => b.Name.startsWith(Bucket));
  eq('our buckets, in name order', ours.map((b) => b.Name), [Bucket, ListBucket, KeptBucket].sort());
  for (const b of ours) {
    ok(`${b.Name} CreationDate is a recent Date`,
       b.CreationDate instanceof Date && Math.abs(Date.now() - b.CreationDate) < 120000,
       show(b.CreationDate));
  }
  done();

  check('ListBuckets Prefix and MaxBuckets');
  // S3 API Reference, ListBuckets: prefix "limits the response to bucket names that begin with
  // the specified bucket name prefix"; max-buckets pages, with a ContinuationToken.
  {
    r = await s3.send(new ListBucketsCommand({ Prefix: `${Bucket}-` }));
    eq('ListBuckets Prefix', r.Buckets.map((b) => b.Name), [KeptBucket, ListBucket].sort());
    eq('ListBuckets Prefix echoed', r.Prefix, `${Bucket}-`);
  }
  {
    r = await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    eq('ListBuckets MaxBuckets 1: one bucket', r.Buckets.length, 1);
    ok('ListBuckets MaxBuckets 1: a ContinuationToken', r.ContinuationToken, show(r));
    const names = r.Buckets.map((b) => b.Name);
    for (let i = 0; i < 20 && r.ContinuationToken; i++) {
      r = await s3.send(new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: r.ContinuationToken }));
      names.push(...r.Buckets.map((b) => b.Name));
    }
    eq('ListBuckets pages of 1', names.filter((n) => n.startsWith(Bucket)),
       [Bucket, ListBucket, KeptBucket].sort());
  }
  done();

  // -------------------------------------------------------------------------- objects
  check('PutObject with metadata and headers');
  const text = 'hello from the JS SDK ✓ — operations\n'.repeat(20);
  const plain = Buffer.from(text);
  const gzipped = zlib.gzipSync(plain);
  const key = 'docs/read me ü.txt.gz';
  const putHeaders = {
    ContentType: 'text/plain; charset=utf-8', CacheControl: 'max-age=60',
    ContentDisposition: 'attachment; filename="readme.txt.gz"', ContentEncoding: 'gzip',
    ContentLanguage: 'en',
  };
  r = await s3.send(new PutObjectCommand({
    Bucket, Key: key, Body: gzipped, Metadata: { Owner: 'Ada', 'x-note': '1 2' }, ...putHeaders,
  }));
  eq('PutObject status', status(r), 200);
  eq('PutObject ETag', r.ETag, etagOf(gzipped));
  eq('PutObject ChecksumCRC32 (the SDK\'s default checksum, echoed)', r.ChecksumCRC32, crc32(gzipped));
  let req = lastSent('PutObjectCommand');
  eq('the SDK sent x-amz-checksum-crc32', header(req, 'x-amz-checksum-crc32'), crc32(gzipped));
  done();

  check('PutObject conditional writes');
  // S3 User Guide, "How to prevent object overwrites with conditional writes": If-None-Match: *
  // writes only if the key does not exist, If-Match only if the ETag matches; else 412.
  const condKey = 'docs/conditional';
  r = await s3.send(new PutObjectCommand({ Bucket, Key: condKey, Body: 'first', IfNoneMatch: '*' }));
  eq('If-None-Match * on a new key: ETag', r.ETag, etagOf('first'));
  {
    await expectError('If-None-Match * on an existing key', s3.send(new PutObjectCommand({
      Bucket, Key: condKey, Body: 'second', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
  }
  {
    await expectError('If-Match another ETag', s3.send(new PutObjectCommand({
      Bucket, Key: condKey, Body: 'third', IfMatch: '"0123456789abcdef0123456789abcdef"' })),
    'PreconditionFailed', 412);
  }
  const current = await s3.send(new HeadObjectCommand({ Bucket, Key: condKey }));
  r = await s3.send(new PutObjectCommand({ Bucket, Key: condKey, Body: 'fourth', IfMatch: current.ETag }));
  eq('If-Match its ETag: ETag', r.ETag, etagOf('fourth'));
  await s3.send(new DeleteObjectCommand({ Bucket, Key: condKey }));
  done();

  check('GetObject');
  r = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  eq('GetObject status', status(r), 200);
  eq('GetObject body (stored as sent, not decoded)', await bytes(r.Body), gzipped);
  eq('GetObject ETag', r.ETag, etagOf(gzipped));
  eq('GetObject ContentLength', r.ContentLength, gzipped.length);
  for (const [k, v] of Object.entries(putHeaders)) eq(`GetObject ${k}`, r[k], v);
  eq('GetObject Metadata (lower-case names)', r.Metadata, { owner: 'Ada', 'x-note': '1 2' });
  eq('GetObject AcceptRanges', r.AcceptRanges, 'bytes');
  ok('GetObject LastModified is a recent Date',
     r.LastModified instanceof Date && Math.abs(Date.now() - r.LastModified) < 120000,
     show(r.LastModified));
  // responseChecksumValidation WHEN_SUPPORTED: the SDK asks for the checksum and checks it.
  req = lastSent('GetObjectCommand');
  eq('the SDK sent x-amz-checksum-mode', header(req, 'x-amz-checksum-mode'), 'ENABLED');
  eq('GetObject ChecksumCRC32', r.ChecksumCRC32, crc32(gzipped));
  const lastModified = r.LastModified;
  const etag = r.ETag;
  done();

  check('GetObject Range');
  r = await s3.send(new GetObjectCommand({ Bucket, Key: key, Range: 'bytes=2-5' }));
  eq('ranged GetObject status', status(r), 206);
  eq('ranged GetObject body', await bytes(r.Body), gzipped.subarray(2, 6));
  eq('ranged GetObject ContentRange', r.ContentRange, `bytes 2-5/${gzipped.length}`);
  eq('ranged GetObject ContentLength', r.ContentLength, 4);
  r = await s3.send(new GetObjectCommand({ Bucket, Key: key, Range: 'bytes=-3' }));
  eq('suffix range body', await bytes(r.Body), gzipped.subarray(gzipped.length - 3));
  await expectError('a range past the end', s3.send(new GetObjectCommand({
    Bucket, Key: key, Range: `bytes=${gzipped.length}-` })), 'InvalidRange', 416);
  done();

  check('GetObject conditionals');
  const dayMs = 24 * 3600 * 1000;
  const before = new Date(lastModified.getTime() - dayMs);
  const after = new Date(lastModified.getTime() + dayMs);
  const get = (extra) => s3.send(new GetObjectCommand({ Bucket, Key: key, ...extra }));
  for (const cond of [{ IfMatch: etag }, { IfNoneMatch: '"0123456789abcdef0123456789abcdef"' },
                      { IfModifiedSince: before }, { IfUnmodifiedSince: after },
                      { IfMatch: etag, IfUnmodifiedSince: before }]) {
    r = await get(cond);
    eq(`GetObject ${show(cond)} status`, status(r), 200);
    eq(`GetObject ${show(cond)} body`, await bytes(r.Body), gzipped);
  }
  // 412: S3's PreconditionFailed document. 304 Not Modified has no body (as on S3): the SDK's
  // error is then named "Unknown" (a body-less error other than 404, which is "NotFound").
  await expectError('If-Match another ETag', get({ IfMatch: '"0123456789abcdef0123456789abcdef"' }),
                    'PreconditionFailed', 412);
  await expectError('If-Unmodified-Since before the last change', get({ IfUnmodifiedSince: before }),
                    'PreconditionFailed', 412);
  await expectError('If-None-Match its ETag', get({ IfNoneMatch: etag }), 'Unknown', 304);
  await expectError('If-None-Match *', get({ IfNoneMatch: '*' }), 'Unknown', 304);
  await expectError('If-Modified-Since after the last change', get({ IfModifiedSince: after }),
                    'Unknown', 304);
  await expectError('If-None-Match its ETag (HEAD)', s3.send(new HeadObjectCommand({
    Bucket, Key: key, IfNoneMatch: etag })), 'Unknown', 304);
  await expectError('If-Match another ETag (HEAD)', s3.send(new HeadObjectCommand({
    Bucket, Key: key, IfMatch: '"0123"' })), 'Unknown', 412);  // a HEAD error has no body
  done();

  check('GetObject response overrides');
  r = await get({ ResponseContentType: 'application/x-override', ResponseCacheControl: 'no-cache',
                  ResponseContentDisposition: 'inline', ResponseContentLanguage: 'fr' });
  eq('ResponseContentType', r.ContentType, 'application/x-override');
  eq('ResponseCacheControl', r.CacheControl, 'no-cache');
  eq('ResponseContentDisposition', r.ContentDisposition, 'inline');
  eq('ResponseContentLanguage', r.ContentLanguage, 'fr');
  eq('body with overrides', await bytes(r.Body), gzipped);
  r = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
  eq('the stored Content-Type is unchanged', r.ContentType, putHeaders.ContentType);
  done();

  check('HeadObject');
  r = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
  eq('HeadObject status', status(r), 200);
  eq('HeadObject ContentLength', r.ContentLength, gzipped.length);
  eq('HeadObject ETag', r.ETag, etag);
  eq('HeadObject Metadata', r.Metadata, { owner: 'Ada', 'x-note': '1 2' });
  for (const [k, v] of Object.entries(putHeaders)) eq(`HeadObject ${k}`, r[k], v);
  eq('HeadObject LastModified', r.LastModified?.getTime(), lastModified.getTime());
  await expectError('HeadObject of a missing key',
                    s3.send(new HeadObjectCommand({ Bucket, Key: 'nope' })), 'NotFound', 404);
  done();

  check('a streamed PutObject (aws-chunked with a trailing CRC32)');
  // A body of unknown checksum: the SDK frames it as aws-chunked (Content-Encoding
  // "gzip,aws-chunked"); S3 stores the object's own Content-Encoding only.
  const streamedKey = 'docs/streamed.gz';
  r = await s3.send(new PutObjectCommand({
    Bucket, Key: streamedKey, ContentLength: gzipped.length, ContentEncoding: 'gzip',
    Body: Readable.from([gzipped.subarray(0, 100), gzipped.subarray(100)]),
  }));
  eq('streamed PutObject ETag', r.ETag, etagOf(gzipped));
  eq('streamed PutObject ChecksumCRC32', r.ChecksumCRC32, crc32(gzipped));
  req = lastSent('PutObjectCommand');
  eq('the SDK sent aws-chunked', header(req, 'content-encoding'), 'gzip,aws-chunked');
  r = await s3.send(new GetObjectCommand({ Bucket, Key: streamedKey }));
  eq('streamed object body', await bytes(r.Body), gzipped);
  eq('streamed object Content-Encoding (aws-chunked removed)', r.ContentEncoding, 'gzip');
  eq('streamed object ChecksumCRC32', r.ChecksumCRC32, crc32(gzipped));
  done();

  check('NoSuchKey / NoSuchBucket');
  let e = await expectError('GetObject of a missing key',
                            s3.send(new GetObjectCommand({ Bucket, Key: 'no/such key' })), 'NoSuchKey', 404);
  ok('the error is the SDK\'s NoSuchKey class', e instanceof NoSuchKey, e.constructor.name);
  e = await expectError('GetObject in a missing bucket',
                        s3.send(new GetObjectCommand({ Bucket: Missing, Key: 'k' })), 'NoSuchBucket', 404);
  ok('the error is the SDK\'s NoSuchBucket class', e instanceof NoSuchBucket, e.constructor.name);
  ok('an S3ServiceException with a request id', e instanceof S3ServiceException &&
     e.$metadata.requestId, show(e.$metadata));
  await expectError('PutObject in a missing bucket', s3.send(new PutObjectCommand({
    Bucket: Missing, Key: 'k', Body: 'x' })), 'NoSuchBucket', 404);
  await expectError('ListObjectsV2 of a missing bucket',
                    s3.send(new ListObjectsV2Command({ Bucket: Missing })), 'NoSuchBucket', 404);
  done();

  check('awkward keys');
  // Every character class a key may hold, through the SigV4 canonical URI (IAM modes), the
  // virtual-hosted path, XML listings and the DeleteObjects body.
  const awkward = ["awk/~tilde*star'quote(paren)!bang", 'awk/a+b=c&d?e#f', 'awk/%41 percent%2F',
    'awk/semi;colon:at@dollar$comma,', 'awk//double', 'awk/trailing/', 'awk/../dots',
    'awk/ünïcode ✓ 中文', 'awk/tab\tand  spaces inside', 'awk/[brackets]{braces}|pipe^caret`tick\\back<&>'];
  // Keys that begin or end with white space, and the keys they would be if it were trimmed.
  const edgy = ['awk/ leading', 'awk/trailing ', 'awk/tab\t'];
  const decoys = ['awk/leading', 'awk/trailing', 'awk/tab'];
  for (const k of [...awkward, ...edgy, ...decoys]) {
    r = await s3.send(new PutObjectCommand({ Bucket, Key: k, Body: `body of ${k}` }));
    eq(`PutObject ${show(k)} ETag`, r.ETag, etagOf(`body of ${k}`));
    r = await s3.send(new GetObjectCommand({ Bucket, Key: k }));
    eq(`GetObject ${show(k)}`, (await bytes(r.Body)).toString(), `body of ${k}`);
    if (!awkward.includes(k)) continue;
    r = await s3.send(new CopyObjectCommand({ Bucket, Key: `${k}.copy`,
      CopySource: `${Bucket}/${k.split('/').map(encodeURIComponent).join('/')}` }));
    eq(`CopyObject ${show(k)}`, r.CopyObjectResult?.ETag, etagOf(`body of ${k}`));
    // (fetch() and node:http resolve "/../" in a URL before sending it: no presigned URL for it.)
    if (k.includes('/../')) continue;
    const signed = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: k }), { expiresIn: 300 });
    const got = await httpCall(signed, 'GET');
    eq(`presigned GET ${show(k)}`, [got.status, got.body.toString()], [200, `body of ${k}`]);
  }
  const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const awkwardAll = [...awkward, ...awkward.map((k) => `${k}.copy`)];
  r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'awk/' }));
  eq('ListObjectsV2 of the awkward keys (UTF-8 byte order)', keysOf(r),
     [...awkwardAll, ...edgy, ...decoys].sort(byBytes));
  r = await s3.send(new ListObjectsCommand({ Bucket, Prefix: 'awk/', MaxKeys: 7 }));
  eq('ListObjects v1 first page of the awkward keys', keysOf(r),
     [...awkwardAll, ...edgy, ...decoys].sort(byBytes).slice(0, 7));
  r = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: {
    Objects: awkwardAll.map((Key) => ({ Key })) } }));
  eq('DeleteObjects of the awkward keys', (r.Deleted ?? []).map((d) => d.Key).sort(byBytes),
     awkwardAll.sort(byBytes));
  eq('DeleteObjects of the awkward keys: no Errors', r.Errors, undefined);
  // S3 takes each <Key> exactly as written (XML keeps the white space of text): asked to delete
  // "awk/trailing ", it deletes that and not "awk/trailing".
  r = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: {
    Objects: edgy.map((Key) => ({ Key })) } }));
  eq('DeleteObjects keys with leading or trailing white space: Deleted',
     (r.Deleted ?? []).map((d) => d.Key).sort(byBytes), [...edgy].sort(byBytes));
  r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'awk/' }));
  eq('left: the keys without the white space', keysOf(r), [...decoys].sort(byBytes));
  r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'awk/' }));
  for (const { Key } of r.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'awk/' }));
  eq('no awkward key left', r.KeyCount, 0);
  done();

  check('CopyObject, MetadataDirective COPY');
  const copySource = `${Bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  r = await s3.send(new CopyObjectCommand({ Bucket, Key: 'copies/copy', CopySource: copySource }));
  eq('CopyObject status', status(r), 200);
  eq('CopyObjectResult.ETag', r.CopyObjectResult?.ETag, etag);
  ok('CopyObjectResult.LastModified is a Date', r.CopyObjectResult?.LastModified instanceof Date,
     show(r.CopyObjectResult));
  r = await s3.send(new GetObjectCommand({ Bucket, Key: 'copies/copy' }));
  eq('copy body', await bytes(r.Body), gzipped);
  eq('copy Metadata (copied)', r.Metadata, { owner: 'Ada', 'x-note': '1 2' });
  for (const [k, v] of Object.entries(putHeaders)) eq(`copy ${k} (copied)`, r[k], v);
  done();

  check('CopyObject, MetadataDirective REPLACE');
  r = await s3.send(new CopyObjectCommand({
    Bucket: ListBucket, Key: 'replaced', CopySource: copySource, MetadataDirective: 'REPLACE',
    ContentType: 'application/x-replaced', Metadata: { n: '2' },
  }));
  eq('CopyObjectResult.ETag', r.CopyObjectResult?.ETag, etag);
  r = await s3.send(new HeadObjectCommand({ Bucket: ListBucket, Key: 'replaced' }));
  eq('replaced ContentType', r.ContentType, 'application/x-replaced');
  eq('replaced Metadata', r.Metadata, { n: '2' });
  eq('replaced CacheControl (not copied)', r.CacheControl, undefined);
  eq('replaced ContentLength', r.ContentLength, gzipped.length);
  await expectError('CopyObject of a missing key', s3.send(new CopyObjectCommand({
    Bucket, Key: 'x', CopySource: `${Bucket}/missing` })), 'NoSuchKey', 404);
  await expectError('CopyObject onto itself without changes', s3.send(new CopyObjectCommand({
    Bucket, Key: 'copies/copy', CopySource: `${Bucket}/copies/copy` })), 'InvalidRequest', 400);
  done();

  // ------------------------------------------------------------------------- listings
  const listKeys = ['a/1', 'a/2', 'a/b/3', 'b/1', 'c', 'd/x/y', 'e', 'f ü+x'];
  for (const k of listKeys) {
    await s3.send(new PutObjectCommand({ Bucket: ListBucket, Key: k, Body: k }));
  }
  await s3.send(new DeleteObjectCommand({ Bucket: ListBucket, Key: 'replaced' }));

  check('ListObjectsV2');
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket }));
  eq('all keys in byte order', keysOf(r), listKeys);
  eq('KeyCount', r.KeyCount, listKeys.length);
  eq('IsTruncated', r.IsTruncated, false);
  eq('Name', r.Name, ListBucket);
  eq('MaxKeys', r.MaxKeys, 1000);
  eq('first entry Size', r.Contents[0].Size, 3);
  eq('first entry ETag', r.Contents[0].ETag, etagOf('a/1'));
  eq('first entry StorageClass', r.Contents[0].StorageClass, 'STANDARD');
  ok('first entry LastModified is a Date', r.Contents[0].LastModified instanceof Date);
  done();

  check('ListObjectsV2 Prefix and Delimiter');
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket, Prefix: 'a/' }));
  eq('Prefix a/', keysOf(r), ['a/1', 'a/2', 'a/b/3']);
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket, Delimiter: '/' }));
  eq('Delimiter / keys', keysOf(r), ['c', 'e', 'f ü+x']);
  eq('Delimiter / CommonPrefixes', prefixesOf(r), ['a/', 'b/', 'd/']);
  eq('Delimiter / KeyCount (keys and prefixes)', r.KeyCount, 6);
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket, Prefix: 'a/', Delimiter: '/' }));
  eq('Prefix a/ Delimiter / keys', keysOf(r), ['a/1', 'a/2']);
  eq('Prefix a/ Delimiter / CommonPrefixes', prefixesOf(r), ['a/b/']);
  eq('Prefix echoed', r.Prefix, 'a/');
  eq('Delimiter echoed', r.Delimiter, '/');
  done();

  check('ListObjectsV2 MaxKeys and ContinuationToken');
  const pages = [];
  let token;
  for (let i = 0; i < 10; i++) {
    r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket, MaxKeys: 3, ContinuationToken: token }));
    pages.push(keysOf(r));
    eq(`page ${i + 1} KeyCount`, r.KeyCount, keysOf(r).length);
    eq(`page ${i + 1} ContinuationToken echoed`, r.ContinuationToken, token);
    if (!r.IsTruncated) break;
    ok(`page ${i + 1} has a NextContinuationToken`, r.NextContinuationToken, show(r));
    token = r.NextContinuationToken;
  }
  eq('pages of 3', pages, [listKeys.slice(0, 3), listKeys.slice(3, 6), listKeys.slice(6)]);
  const paged = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: ListBucket })) {
    paged.push(...keysOf(page));
  }
  eq('the SDK\'s paginator, pages of 2', paged, listKeys);
  // Keys and common prefixes count together against MaxKeys.
  const mixed = [];
  token = undefined;
  for (let i = 0; i < 10; i++) {
    r = await s3.send(new ListObjectsV2Command({
      Bucket: ListBucket, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
    mixed.push([...keysOf(r), ...prefixesOf(r)]);
    if (!r.IsTruncated) break;
    token = r.NextContinuationToken;
  }
  eq('pages of 2 with a delimiter', mixed, [['a/', 'b/'], ['c', 'd/'], ['e', 'f ü+x']]);
  done();

  check('ListObjectsV2 StartAfter');
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket, StartAfter: 'b/1' }));
  eq('StartAfter b/1', keysOf(r), ['c', 'd/x/y', 'e', 'f ü+x']);
  eq('StartAfter echoed', r.StartAfter, 'b/1');
  done();

  check('ListObjects (v1) Marker paging');
  r = await s3.send(new ListObjectsCommand({ Bucket: ListBucket, MaxKeys: 3 }));
  eq('v1 first page', keysOf(r), listKeys.slice(0, 3));
  eq('v1 first page IsTruncated', r.IsTruncated, true);
  ok('v1 entries have an Owner', r.Contents[0].Owner?.ID, show(r.Contents[0]));
  const v1 = [...keysOf(r)];
  let marker = r.NextMarker ?? r.Contents.at(-1).Key;  // NextMarker: only with a delimiter
  for (let i = 0; i < 10 && r.IsTruncated; i++) {
    r = await s3.send(new ListObjectsCommand({ Bucket: ListBucket, MaxKeys: 3, Marker: marker }));
    eq('Marker echoed', r.Marker, marker);
    v1.push(...keysOf(r));
    marker = r.NextMarker ?? r.Contents?.at(-1)?.Key;
  }
  eq('v1 pages of 3 by Marker', v1, listKeys);
  r = await s3.send(new ListObjectsCommand({ Bucket: ListBucket, Delimiter: '/', MaxKeys: 2 }));
  eq('v1 Delimiter page 1', [keysOf(r), prefixesOf(r), r.IsTruncated, r.NextMarker],
     [[], ['a/', 'b/'], true, 'b/']);
  r = await s3.send(new ListObjectsCommand({ Bucket: ListBucket, Delimiter: '/', MaxKeys: 2, Marker: 'b/' }));
  eq('v1 Delimiter page 2', [keysOf(r), prefixesOf(r), r.IsTruncated, r.NextMarker],
     [['c'], ['d/'], true, 'd/']);
  r = await s3.send(new ListObjectsCommand({ Bucket: ListBucket, Delimiter: '/', MaxKeys: 2, Marker: 'd/' }));
  eq('v1 Delimiter page 3', [keysOf(r), prefixesOf(r), r.IsTruncated],
     [['e', 'f ü+x'], [], false]);
  done();

  check('DeleteObjects (CRC32, no Content-MD5)');
  r = await s3.send(new DeleteObjectsCommand({ Bucket: ListBucket, Delete: { Objects: [
    { Key: 'a/1' }, { Key: 'f ü+x' }, { Key: 'missing' }] } }));
  eq('DeleteObjects status', status(r), 200);
  eq('Deleted', (r.Deleted ?? []).map((d) => d.Key).sort(), ['a/1', 'f ü+x', 'missing']);
  eq('Errors', r.Errors, undefined);
  req = lastSent('DeleteObjectsCommand');
  ok('the SDK sent x-amz-checksum-crc32', header(req, 'x-amz-checksum-crc32'), show(req.headers));
  eq('the SDK sent no Content-MD5', header(req, 'content-md5'), undefined);
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket }));
  eq('left after DeleteObjects', keysOf(r), ['a/2', 'a/b/3', 'b/1', 'c', 'd/x/y', 'e']);
  // The checksum is there to be verified: S3 API Reference, DeleteObjects ("The Content-MD5 or
  // x-amz-sdk-checksum-algorithm header is required for all Multi-Object Delete requests. Amazon
  // S3 uses the header value to ensure that your request body has not been altered in
  // transit"); a body that does not match is BadDigest (400), as for PutObject. The SDK's CRC32
  // is replaced (before signing, so that the signature stays valid) by that of another body.
  {
    const corrupt = makeClient(secretAccessKey);
    corrupt.middlewareStack.addRelativeTo((next) => async (args) => {
      const h = args.request.headers;
      const k = Object.keys(h).find((x) => x.toLowerCase() === 'x-amz-checksum-crc32');
      ok('a CRC32 to replace', k, show(h));
      h[k] = crc32('not the body');
      return next(args);
    }, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'corruptChecksum' });
    try {
      await expectError('DeleteObjects with a wrong CRC32', corrupt.send(new DeleteObjectsCommand({
        Bucket: ListBucket, Delete: { Objects: [{ Key: 'e' }] } })), 'BadDigest', 400);
    } finally {
      corrupt.destroy();
      // Whatever happened, the listing below expects 'e' deleted or not: put it back.
      await s3.send(new PutObjectCommand({ Bucket: ListBucket, Key: 'e', Body: 'e' }));
    }
  }
  r = await s3.send(new DeleteObjectsCommand({ Bucket: ListBucket, Delete: {
    Quiet: true, Objects: keysOf(r).map((Key) => ({ Key })) } }));
  eq('Quiet DeleteObjects: no Deleted', r.Deleted, undefined);
  eq('Quiet DeleteObjects: no Errors', r.Errors, undefined);
  r = await s3.send(new ListObjectsV2Command({ Bucket: ListBucket }));
  eq('empty after DeleteObjects', [r.KeyCount, r.Contents], [0, undefined]);
  done();

  // ------------------------------------------------------------------------ multipart
  check('CreateMultipartUpload');
  const mpKey = 'big/file ü';
  r = await s3.send(new CreateMultipartUploadCommand({
    Bucket, Key: mpKey, ContentType: 'video/mp4', Metadata: { Kind: 'movie' } }));
  eq('CreateMultipartUpload Bucket and Key', [r.Bucket, r.Key], [Bucket, mpKey]);
  ok('an UploadId', r.UploadId, show(r));
  const UploadId = r.UploadId;
  done();

  check('UploadPart (5 MiB)');
  const part1 = Buffer.alloc(5 * MiB);
  for (let i = 0; i < part1.length; i++) part1[i] = (i * 31 + 7) % 251;
  r = await s3.send(new UploadPartCommand({ Bucket, Key: mpKey, UploadId, PartNumber: 1, Body: part1 }));
  eq('part 1 ETag', r.ETag, etagOf(part1));
  eq('part 1 ChecksumCRC32', r.ChecksumCRC32, crc32(part1));
  const e1 = r.ETag;
  done();

  check('UploadPartCopy');
  const source = Buffer.alloc(5 * MiB + 1000, 0x61);
  for (let i = 0; i < source.length; i += 4096) source[i] = i % 256;
  await s3.send(new PutObjectCommand({ Bucket: KeptBucket, Key: 'source ü.bin', Body: source }));
  r = await s3.send(new UploadPartCopyCommand({
    Bucket, Key: mpKey, UploadId, PartNumber: 2,
    CopySource: `${KeptBucket}/${encodeURIComponent('source ü.bin')}`,
    CopySourceRange: `bytes=500-${500 + 5 * MiB - 1}` }));
  const part2 = source.subarray(500, 500 + 5 * MiB);
  eq('part 2 CopyPartResult.ETag', r.CopyPartResult?.ETag, etagOf(part2));
  ok('part 2 CopyPartResult.LastModified is a Date', r.CopyPartResult?.LastModified instanceof Date,
     show(r.CopyPartResult));
  const e2 = r.CopyPartResult.ETag;
  done();

  check('UploadPart (small, last)');
  const part3 = Buffer.from('the small last part');
  r = await s3.send(new UploadPartCommand({ Bucket, Key: mpKey, UploadId, PartNumber: 3, Body: part3 }));
  eq('part 3 ETag', r.ETag, etagOf(part3));
  const e3 = r.ETag;
  done();

  check('ListParts');
  r = await s3.send(new ListPartsCommand({ Bucket, Key: mpKey, UploadId }));
  eq('ListParts parts', (r.Parts ?? []).map((p) => [p.PartNumber, p.Size, p.ETag]),
     [[1, part1.length, e1], [2, part2.length, e2], [3, part3.length, e3]]);
  eq('ListParts Bucket, Key, UploadId', [r.Bucket, r.Key, r.UploadId], [Bucket, mpKey, UploadId]);
  eq('ListParts IsTruncated', r.IsTruncated, false);
  r = await s3.send(new ListPartsCommand({ Bucket, Key: mpKey, UploadId, MaxParts: 2 }));
  eq('ListParts MaxParts 2', [(r.Parts ?? []).map((p) => p.PartNumber), r.IsTruncated,
                              r.NextPartNumberMarker], [[1, 2], true, '2']);
  r = await s3.send(new ListPartsCommand({ Bucket, Key: mpKey, UploadId, PartNumberMarker: '2' }));
  eq('ListParts after marker 2', (r.Parts ?? []).map((p) => p.PartNumber), [3]);
  done();

  check('ListMultipartUploads');
  r = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'aborted' }));
  const abortId = r.UploadId;
  await s3.send(new UploadPartCommand({ Bucket, Key: 'aborted', UploadId: abortId, PartNumber: 1,
                                        Body: 'soon gone' }));
  r = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
  eq('ListMultipartUploads uploads', (r.Uploads ?? []).map((u) => [u.Key, u.UploadId]),
     [['aborted', abortId], [mpKey, UploadId]]);
  eq('ListMultipartUploads Bucket', r.Bucket, Bucket);
  ok('an upload has Initiated', (r.Uploads ?? [])[0]?.Initiated instanceof Date, show(r.Uploads));
  r = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'big/' }));
  eq('ListMultipartUploads Prefix big/', (r.Uploads ?? []).map((u) => u.Key), [mpKey]);
  done();

  check('CompleteMultipartUpload');
  await expectError('parts out of order', s3.send(new CompleteMultipartUploadCommand({
    Bucket, Key: mpKey, UploadId, MultipartUpload: { Parts: [
      { PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] } })), 'InvalidPartOrder', 400);
  r = await s3.send(new CompleteMultipartUploadCommand({
    Bucket, Key: mpKey, UploadId, MultipartUpload: { Parts: [
      { PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }, { PartNumber: 3, ETag: e3 }] } }));
  const mpETag = `"${md5(Buffer.concat([md5(part1), md5(part2), md5(part3)])).toString('hex')}-3"`;
  eq('CompleteMultipartUpload ETag (MD5 of the parts\' MD5s, -3)', r.ETag, mpETag);
  eq('CompleteMultipartUpload Bucket and Key', [r.Bucket, r.Key], [Bucket, mpKey]);
  ok('CompleteMultipartUpload Location', r.Location, show(r));
  const whole = Buffer.concat([part1, part2, part3]);
  r = await s3.send(new GetObjectCommand({ Bucket, Key: mpKey }));
  eq('multipart object body', await bytes(r.Body), whole);
  eq('multipart object ETag', r.ETag, mpETag);
  eq('multipart object ContentType and Metadata', [r.ContentType, r.Metadata],
     ['video/mp4', { kind: 'movie' }]);
  r = await s3.send(new GetObjectCommand({ Bucket, Key: mpKey, Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }));
  eq('a range across parts 1 and 2', await bytes(r.Body), whole.subarray(5 * MiB - 2, 5 * MiB + 2));
  // S3 API Reference, HeadObject: partNumber "effectively performs a 'ranged' HEAD request for
  // the part specified"; x-amz-mp-parts-count is returned when partNumber is given.
  {
    r = await s3.send(new HeadObjectCommand({ Bucket, Key: mpKey, PartNumber: 3 }));
    eq('HeadObject PartNumber 3: the part\'s length', r.ContentLength, part3.length);
    eq('HeadObject PartNumber 3: PartsCount', r.PartsCount, 3);
  }
  {
    r = await s3.send(new GetObjectCommand({ Bucket, Key: mpKey, PartNumber: 1 }));
    eq('GetObject PartNumber 1: status', status(r), 206);
    eq('GetObject PartNumber 1: ContentRange', r.ContentRange, `bytes 0-${part1.length - 1}/${whole.length}`);
    eq('GetObject PartNumber 1: the part\'s bytes', await bytes(r.Body), part1);
    eq('GetObject PartNumber 1: PartsCount', r.PartsCount, 3);
  }
  await expectError('ListParts of the completed upload', s3.send(new ListPartsCommand({
    Bucket, Key: mpKey, UploadId })), 'NoSuchUpload', 404);
  done();

  check('AbortMultipartUpload');
  r = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'aborted', UploadId: abortId }));
  eq('AbortMultipartUpload status', status(r), 204);
  r = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
  eq('no upload listed after complete and abort', r.Uploads, undefined);
  await expectError('ListParts of the aborted upload', s3.send(new ListPartsCommand({
    Bucket, Key: 'aborted', UploadId: abortId })), 'NoSuchUpload', 404);
  await expectError('UploadPart to the aborted upload', s3.send(new UploadPartCommand({
    Bucket, Key: 'aborted', UploadId: abortId, PartNumber: 2, Body: 'x' })), 'NoSuchUpload', 404);
  r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'aborted' }));
  eq('no object from the aborted upload', r.KeyCount, 0);
  done();

  // ------------------------------------------------------------------------ presigned
  check('presigned PUT');
  const presignedKey = 'presigned/ü b+c.bin';
  const presignedBody = crypto.randomBytes(100000);
  let url = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: presignedKey }), { expiresIn: 300 });
  let u = new URL(url);
  eq('presigned URL host', u.host, virtual ? `${Bucket}.${endpointUrl.host}` : endpointUrl.host);
  ok('a SigV4 presigned URL', u.searchParams.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' &&
     u.searchParams.get('X-Amz-Signature'), url);
  let h = await httpCall(url, 'PUT', presignedBody);
  eq(`presigned PUT status (${h.body.toString().slice(0, 300)})`, h.status, 200);
  eq('presigned PUT ETag', h.headers.etag, etagOf(presignedBody));
  r = await s3.send(new GetObjectCommand({ Bucket, Key: presignedKey }));
  eq('the object the presigned PUT stored', await bytes(r.Body), presignedBody);
  done();

  check('presigned GET');
  url = await getSignedUrl(s3, new GetObjectCommand({
    Bucket, Key: presignedKey, ResponseContentType: 'application/x-presigned' }), { expiresIn: 300 });
  h = await httpCall(url, 'GET');
  eq(`presigned GET status (${h.body.toString().slice(0, 300)})`, h.status, 200);
  eq('presigned GET body', h.body, presignedBody);
  eq('presigned GET response-content-type', h.headers['content-type'], 'application/x-presigned');
  if (iam) {
    // The signature covers the URL: a changed one is refused.
    const tampered = new URL(url);
    const sig = tampered.searchParams.get('X-Amz-Signature');
    tampered.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
    h = await httpCall(tampered.toString(), 'GET');
    eq('a changed signature', [h.status, xmlCode(h.body)], [403, 'SignatureDoesNotMatch']);
    const other = new URL(url);
    other.searchParams.set('response-content-type', 'text/html');
    h = await httpCall(other.toString(), 'GET');
    eq('a changed signed parameter', [h.status, xmlCode(h.body)], [403, 'SignatureDoesNotMatch']);
  }
  done();

  if (iam) {
    check('SigV4 with a wrong secret');
    const wrong = makeClient(`${secretAccessKey}-wrong`);
    await expectError('ListBuckets', wrong.send(new ListBucketsCommand({})), 'SignatureDoesNotMatch', 403);
    await expectError('GetObject', wrong.send(new GetObjectCommand({ Bucket, Key: presignedKey })),
                      'SignatureDoesNotMatch', 403);
    await expectError('PutObject', wrong.send(new PutObjectCommand({ Bucket, Key: 'nope', Body: 'x' })),
                      'SignatureDoesNotMatch', 403);
    await expectError('DeleteObjects', wrong.send(new DeleteObjectsCommand({ Bucket, Delete: {
      Objects: [{ Key: presignedKey }] } })), 'SignatureDoesNotMatch', 403);
    url = await getSignedUrl(wrong, new GetObjectCommand({ Bucket, Key: presignedKey }), { expiresIn: 300 });
    h = await httpCall(url, 'GET');
    eq('a presigned GET with a wrong secret', [h.status, xmlCode(h.body)], [403, 'SignatureDoesNotMatch']);
    url = await getSignedUrl(wrong, new PutObjectCommand({ Bucket, Key: 'nope' }), { expiresIn: 300 });
    h = await httpCall(url, 'PUT', 'x');
    eq('a presigned PUT with a wrong secret', [h.status, xmlCode(h.body)], [403, 'SignatureDoesNotMatch']);
    await expectError('nothing was written', s3.send(new HeadObjectCommand({ Bucket, Key: 'nope' })),
                      'NotFound', 404);
    wrong.destroy();
    done();
  }

  // ------------------------------------------------------------------ deleting things
  check('DeleteObject');
  r = await s3.send(new DeleteObjectCommand({ Bucket, Key: presignedKey }));
  eq('DeleteObject status', status(r), 204);
  await expectError('GetObject after DeleteObject',
                    s3.send(new GetObjectCommand({ Bucket, Key: presignedKey })), 'NoSuchKey', 404);
  r = await s3.send(new DeleteObjectCommand({ Bucket, Key: presignedKey }));
  eq('DeleteObject of a missing key (idempotent)', status(r), 204);
  done();

  check('DeleteBucket');
  await expectError('DeleteBucket of a bucket with objects',
                    s3.send(new DeleteBucketCommand({ Bucket })), 'BucketNotEmpty', 409);
  r = await s3.send(new ListObjectsV2Command({ Bucket }));
  eq('what is left', keysOf(r), ['big/file ü', 'copies/copy', key, streamedKey].sort());
  for (const { Key } of r.Contents) await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  for (const b of [Bucket, ListBucket]) {
    r = await s3.send(new DeleteBucketCommand({ Bucket: b }));
    eq(`DeleteBucket ${b} status`, status(r), 204);
  }
  await expectError('HeadBucket after DeleteBucket',
                    s3.send(new HeadBucketCommand({ Bucket })), 'NotFound', 404);
  await expectError('DeleteBucket again',
                    s3.send(new DeleteBucketCommand({ Bucket })), 'NoSuchBucket', 404);
  r = await s3.send(new ListBucketsCommand({}));
  eq('ListBuckets after DeleteBucket', r.Buckets.filter((b) => b.Name.startsWith(Bucket)).map((b) => b.Name),
     [KeptBucket]);
  done();

  // --------------------------------------------------------------- addressing style
  check(`${style}-style addressing`);
  for (const x of sent) {
    const bucketScoped = x.operation !== 'ListBucketsCommand';
    if (virtual) {
      ok(`${x.operation} ${x.method} ${x.path}: host`, bucketScoped
        ? /^sdk-js-[a-z-]+\.s3\.localhost$/.test(x.host) || x.host === `${Missing}.s3.localhost`
        : x.host === 's3.localhost', x.host);
      ok(`${x.operation} ${x.method} ${x.path}: no bucket in the path`, !x.path.startsWith('/sdk-js-'), x.path);
    } else {
      eq(`${x.operation} host`, x.host, endpointUrl.hostname);
      ok(`${x.operation} ${x.method} ${x.path}: the bucket in the path`,
         !bucketScoped || x.path.startsWith('/sdk-js-'), x.path);
    }
  }
  done();

  check('leaving a bucket for the caller');
  await s3.send(new PutObjectCommand({ Bucket: KeptBucket, Key: 'kept/object.txt', Body: `written ${style}-style` }));
  done();
}

try {
  await main();
} catch (e) {
  if (e instanceof CheckFailed) console.error(e.message);
  else console.error(`FAIL ${current}: unexpected ${e.name} (${e.$metadata?.httpStatusCode ?? ''}): ${e.stack}`);
  agent.destroy();
  process.exit(1);
}
agent.destroy();
console.log(JSON.stringify({
  passed,
  gatewayBugs,
  requests: sent.map(({ operation, method, host, path }) => ({ operation, method, host, path })),
  kept: { bucket: KeptBucket, key: 'kept/object.txt', body: `written ${style}-style` },
}));
