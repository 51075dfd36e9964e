// A large upload through @aws-sdk/client-s3 with its default checksums (tests/e2e/
// test_s3_streaming.py): `node s3_large.mjs <endpoint> <bucket> <bytes>` sends a stream body of
// <bytes> (the SDK frames it as aws-chunked with a CRC32 trailer), reads the object back as a
// stream, and prints one JSON object: whether the bytes came back, their MD5 and CRC32 as
// computed here, and what the gateway answered.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [endpoint, Bucket, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

const block = Buffer.alloc(1 << 20);
for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 11)) % 256;
function* pieces() {
  for (let sent = 0, n = 0; sent < size; n++) {
    const piece = Buffer.from(block.subarray(0, Math.min(block.length, size - sent)));
    piece.writeUInt32BE(n, 0);  // each piece differs
    sent += piece.length;
    yield piece;
  }
}

// CRC-32 (zlib's) to compare with the checksum the gateway computed.
const table = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
let crc = 0xffffffff;
const md5 = createHash('md5');
for (const piece of pieces()) {
  md5.update(piece);
  for (const byte of piece) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
}
const crcBytes = Buffer.alloc(4);
crcBytes.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 0);

const put = await client.send(new PutObjectCommand({
  Bucket, Key: 'large.bin', Body: Readable.from(pieces()), ContentLength: size,
}));
const got = await client.send(new GetObjectCommand({ Bucket, Key: 'large.bin' }));
const back = createHash('md5');
let length = 0;
for await (const chunk of got.Body) {
  back.update(chunk);
  length += chunk.length;
}
const digest = md5.digest('hex');
console.log(JSON.stringify({
  roundTrip: back.digest('hex') === digest,
  length,
  md5: digest,
  crc32: crcBytes.toString('base64'),
  putETag: put.ETag,
  putChecksum: put.ChecksumCRC32 ?? null,
  getETag: got.ETag,
}));
