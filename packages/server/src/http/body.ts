/**
 * The OTLP body reader: collects the raw bytes (no JSON parsing; the decoders take bytes), enforces
 * the body limit on the wire size and, for `Content-Encoding: gzip`, a separate cap on the
 * decompressed size so a small "zip bomb" cannot expand into gigabytes.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { HttpError } from './errors.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface BodyLimits {
  bodyLimit: number;
  maxDecompressedBytes: number;
}

function tooLarge(what: string, limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `${what} exceeds the limit of ${limit} bytes`);
}

export async function readRawBody(
  req: IncomingMessage,
  payload: NodeJS.ReadableStream,
  limits: BodyLimits,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.bodyLimit) {
    // Drain instead of reading: the client gets its 413 without us buffering the body.
    payload.resume();
    throw tooLarge('request body', limits.bodyLimit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.bodyLimit) {
      payload.resume();
      throw tooLarge('request body', limits.bodyLimit);
    }
    chunks.push(chunk);
  }
  const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  const opts = { maxOutputLength: limits.maxDecompressedBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return await gunzipAsync(raw, opts);
    if (encoding === 'deflate') return await inflateAsync(raw, opts);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('decompressed body', limits.maxDecompressedBytes);
    throw new HttpError(400, 'invalid_encoding', `body is not valid ${encoding} data: ${(err as Error).message}`);
  }
  throw new HttpError(
    415,
    'unsupported_content_encoding',
    `Content-Encoding "${encoding}" is not supported (use gzip)`,
  );
}
