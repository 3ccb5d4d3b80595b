import { describe, expect, it } from 'vitest';
import { NdjsonChunker } from '../../../src/quality/readers/ndjson.js';
import type { RecordChunk } from '../../../src/quality/readers/types.js';
import { collectChunks, events } from './helpers.js';

/** Feeds `text` in pieces of `size` bytes (1 = every byte its own read). */
function chunk(text: string | Uint8Array, size: number, options: { chunkBytes?: number; maxLineBytes?: number } = {}) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const chunker = new NdjsonChunker('events.ndjson', options);
  const out: RecordChunk[] = [];
  let maxBuffered = 0;
  for (let i = 0; i < bytes.length; i += size) {
    chunker.push(bytes.subarray(i, i + size), out);
    maxBuffered = Math.max(maxBuffered, chunker.bufferedBytes);
  }
  chunker.end(out);
  return { ...collectChunks(out), records: chunker.records, maxBuffered };
}

describe('NdjsonChunker', () => {
  it.each([1, 2, 3, 7, 64, 4096])('gives the same lines whatever the read size (%i bytes a read)', (size) => {
    const text = events(50);

    const result = chunk(text, size, { chunkBytes: 500 });

    expect(result.lines).toEqual(text.trimEnd().split('\n'));
    expect(result.records).toBe(50);
  });

  it('cuts chunks of about chunkBytes, each ending exactly at a line end', () => {
    const text = events(200);

    const result = chunk(text, 333, { chunkBytes: 1000 });

    expect(result.chunks.length).toBeGreaterThan(10);
    for (const c of result.chunks) {
      if (c.kind !== 'ndjson') throw new Error('expected ndjson chunks only');
      expect(c.data[c.data.length - 1]).toBe(0x0a);
      // A chunk closes at the first line end at or past chunkBytes.
      expect(c.data.length).toBeLessThan(1000 + 200);
      // Its own buffer, so it can be transferred to a worker.
      expect(c.data.byteOffset).toBe(0);
      expect(c.data.buffer.byteLength).toBe(c.data.length);
    }
    expect(result.lines).toHaveLength(200);
  });

  it('strips a UTF-8 BOM, even one split across reads', () => {
    const text = '\uFEFF{"eventId":"a"}\n{"eventId":"b"}\n';

    expect(chunk(text, 1).lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
    expect(chunk(text, 2).lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
  });

  it('keeps a BOM-less file that is only one or two bytes long', () => {
    expect(chunk('1', 1).lines).toEqual(['1']);
    expect(chunk('{}', 1).lines).toEqual(['{}']);
  });

  it('tolerates CRLF: every line is parseable JSON', () => {
    const result = chunk('{"eventId":"a"}\r\n{"eventId":"b"}\r\n', 5);

    expect(result.chunks.flatMap((c) => (c.kind === 'ndjson' ? [c] : []))).toHaveLength(1);
    const lines = Buffer.from(result.chunks[0]?.kind === 'ndjson' ? result.chunks[0].data : new Uint8Array()).toString().split('\n');
    expect(lines.filter((l) => l !== '').map((l) => JSON.parse(l))).toEqual([{ eventId: 'a' }, { eventId: 'b' }]);
  });

  it('ends a last line that has no newline', () => {
    const result = chunk('{"eventId":"a"}\n{"eventId":"b"}', 4);

    expect(result.lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
    expect(result.records).toBe(2);
  });

  it('skips blank and whitespace-only lines without counting them', () => {
    const text = '\n{"eventId":"a"}\n\n   \n\t\r\n{"eventId":"b"}\n\n';

    for (const size of [1, 3, 100]) {
      const result = chunk(text, size);
      expect(result.lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
      expect(result.records).toBe(2);
    }
  });

  it('counts a line over maxLineBytes as one unparseable record with its line number, holding none of it', () => {
    const long = `{"eventId":"big","pad":"${'x'.repeat(5000)}"}`;
    const text = `{"eventId":"a"}\n\n${long}\n{"eventId":"b"}\n`;

    for (const size of [7, 256, 100_000]) {
      const result = chunk(text, size, { maxLineBytes: 1024 });

      expect(result.lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
      expect(result.invalid).toEqual([{ source: 'events.ndjson', count: 1, detail: 'line 3 of events.ndjson is longer than 1 KiB' }]);
      expect(result.records).toBe(3);
      // Never more than the limit plus the short lines around it: the 5 KB line is not held.
      if (size < 1024) expect(result.maxBuffered).toBeLessThan(1024 + size + 64);
    }
  });

  it('counts an over-long last line without a newline', () => {
    const result = chunk(`{"eventId":"a"}\n${'y'.repeat(3000)}`, 100, { maxLineBytes: 1024 });

    expect(result.lines).toEqual(['{"eventId":"a"}']);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid[0]?.detail).toBe('line 2 of events.ndjson is longer than 1 KiB');
  });

  it('drops a cut-off last line when asked (the stream broke mid-line)', () => {
    const chunker = new NdjsonChunker('x.gz');
    const out: RecordChunk[] = [];
    chunker.push(Buffer.from('{"eventId":"a"}\n{"eventId":"b"}\n{"eventId":"c'), out);

    const dropped = chunker.end(out, { dropPartial: true });

    expect(dropped).toBe(true);
    expect(collectChunks(out).lines).toEqual(['{"eventId":"a"}', '{"eventId":"b"}']);
    expect(chunker.records).toBe(2);
  });

  it('keeps multi-byte UTF-8 characters intact across reads', () => {
    const text = '{"name":"café ☕ 日本"}\n{"name":"ü"}\n';

    expect(chunk(text, 1).lines).toEqual(['{"name":"café ☕ 日本"}', '{"name":"ü"}']);
  });
});
