import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtoReader } from './proto-reader.js';
import { IngestError } from './types.js';

const r = (...bytes: number[]) => new ProtoReader(Uint8Array.from(bytes));

describe('ProtoReader', () => {
  test('varints', () => {
    assert.equal(r(0x00).uint32(), 0);
    assert.equal(r(0x96, 0x01).uint32(), 150);
    assert.equal(r(0xff, 0xff, 0xff, 0xff, 0x0f).uint32(), 0xffffffff);
    assert.equal(r(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int64(), -1);
    assert.equal(r(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10).int64(), 2 ** 53);
    assert.equal(r(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int64(), -2);
    assert.equal(r(0x03).sint32(), -2);
    assert.equal(r(0x04).sint32(), 2);
  });

  test('fixed64 nanoseconds convert to exact microseconds past 2^53 ns', () => {
    const ns = 1_732_000_000_123_456_789n;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, ns, true);
    assert.equal(new ProtoReader(b).fixed64NanosToMicros(), Number(ns / 1000n));
  });

  test('errors name the byte offset', () => {
    assert.throws(
      () => r(0x80).uint32(),
      (e: unknown) => e instanceof IngestError && /truncated varint at byte 0/.test(e.message),
    );
    assert.throws(
      () => r(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int64(),
      /longer than 10 bytes/,
    );
    assert.throws(() => r(1, 2, 3).double(), /truncated 8-byte field at byte 0/);
    assert.throws(() => r(0x05, 0x61).lenEnd(2), /length 5 exceeds the enclosing message at byte 0/);
    assert.throws(() => r().skip(6, 0), /unsupported wire type 6/);
  });

  test('the key cache copies bytes: a reused Node Buffer (slice() is a view there) cannot corrupt it', () => {
    const body = Buffer.from('service.name');
    assert.equal(new ProtoReader(body).key(0, body.length), 'service.name');
    body.write('servXce.name'); // same length and sampled bytes (0, 3, 6, 11), different key
    assert.equal(new ProtoReader(body).key(0, body.length), 'servXce.name');
    assert.equal(new ProtoReader(Buffer.from('service.name')).key(0, 12), 'service.name');
  });

  test('strings: ASCII, UTF-8, interned keys, invalid UTF-8 replaced and counted', () => {
    const enc = new TextEncoder();
    const bytes = enc.encode('gen_ai.systemhéllo wörld, a string longer than the short path');
    const rd = new ProtoReader(bytes);
    assert.equal(rd.key(0, 13), 'gen_ai.system');
    assert.equal(rd.key(0, 13), 'gen_ai.system');
    assert.equal(rd.string(13, bytes.length), 'héllo wörld, a string longer than the short path');
    const bad = new ProtoReader(Uint8Array.from([0x61, 0xc3, 0x28, 0x62]));
    assert.equal(bad.string(0, 4), 'a\ufffd(b');
    assert.equal(bad.invalidUtf8, 1);
    const real = new ProtoReader(enc.encode('a\ufffdb'));
    assert.equal(real.string(0, 5), 'a\ufffdb');
    assert.equal(real.invalidUtf8, 0, 'a genuine U+FFFD is not counted');
  });
});
