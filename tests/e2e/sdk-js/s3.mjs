// The AWS SDK for JavaScript v3's S3 client against a running gateway (tests/e2e/test_s3.py):
// `node s3.mjs <endpoint>` runs one scenario with the SDK's default checksum settings (CRC32 on
// uploads; a stream body goes as aws-chunked with the checksum in a trailer) and prints one JSON
// object of what the SDK handed back. Dummy credentials, no retries.
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';

const endpoint = process.argv[2];
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const out = {};
const Bucket = 'js-bucket';

await client.send(new CreateBucketCommand({ Bucket }));
const text = 'hello from the JS SDK ✓';
const put = await client.send(new PutObjectCommand({
  Bucket, Key: 'dir/hello.txt', Body: text, ContentType: 'text/plain', Metadata: { Who: 'js' },
}));
out.putETag = put.ETag;
out.putChecksum = put.ChecksumCRC32 ?? null;

// A stream of unknown content: the SDK frames it as aws-chunked with a trailing checksum.
const binary = Buffer.alloc(100000, 0);
for (let i = 0; i < binary.length; i++) binary[i] = (i * 7) % 256;
const streamed = await client.send(new PutObjectCommand({
  Bucket, Key: 'stream.bin', Body: Readable.from([binary.subarray(0, 70000), binary.subarray(70000)]),
  ContentLength: binary.length,
}));
out.streamETag = streamed.ETag;
out.streamChecksum = streamed.ChecksumCRC32 ?? null;

const got = await client.send(new GetObjectCommand({ Bucket, Key: 'dir/hello.txt', ChecksumMode: 'ENABLED' }));
out.getText = await got.Body.transformToString();
out.getContentType = got.ContentType;
out.getMetadata = got.Metadata;
const gotStream = await client.send(new GetObjectCommand({ Bucket, Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
out.streamRoundTrip = Buffer.from(await gotStream.Body.transformToByteArray()).equals(binary);
const ranged = await client.send(new GetObjectCommand({ Bucket, Key: 'stream.bin', Range: 'bytes=10-14' }));
out.range = [...await ranged.Body.transformToByteArray()];
out.contentRange = ranged.ContentRange;
const head = await client.send(new HeadObjectCommand({ Bucket, Key: 'stream.bin' }));
out.headLength = head.ContentLength;

const upload = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'multi' }));
const part = await client.send(new UploadPartCommand({
  Bucket, Key: 'multi', UploadId: upload.UploadId, PartNumber: 1, Body: Buffer.from('only part'),
}));
const done = await client.send(new CompleteMultipartUploadCommand({
  Bucket, Key: 'multi', UploadId: upload.UploadId,
  MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
}));
out.multipartETag = done.ETag;
const multi = await client.send(new GetObjectCommand({ Bucket, Key: 'multi' }));
out.multipartText = await multi.Body.transformToString();

const listed = await client.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
out.keys = (listed.Contents ?? []).map((o) => o.Key);
out.prefixes = (listed.CommonPrefixes ?? []).map((p) => p.Prefix);
await client.send(new DeleteObjectCommand({ Bucket, Key: 'multi' }));
try {
  await client.send(new GetObjectCommand({ Bucket, Key: 'multi' }));
  out.afterDelete = 'found';
} catch (e) {
  out.afterDelete = `${e.name} ${e.$metadata.httpStatusCode}`;
}
console.log(JSON.stringify(out));
