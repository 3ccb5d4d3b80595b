import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInputs } from '../../../src/quality/readers/index.js';
import { events, read } from './helpers.js';

let dir: string;
const path = (...parts: string[]) => join(dir, ...parts);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tripline-readers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, content: string | Uint8Array): Promise<string> {
  const file = path(name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, content);
  return file;
}

const ids = (lines: readonly string[]) => lines.map((line) => (JSON.parse(line) as { eventId: string }).eventId);

describe('openInputs: files', () => {
  it('reads plain and gzip NDJSON, input after input', async () => {
    const plain = await put('plain/events.ndjson', events(3, 'p'));
    const jsonl = await put('plain/events.jsonl', events(2, 'j'));
    const gz = await put('plain/events.ndjson.gz', gzipSync(events(4, 'g')));

    const result = await read([gz, plain, jsonl]);

    expect(ids(result.lines)).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'p-0', 'p-1', 'p-2', 'j-0', 'j-1']);
    expect(result.chunks.map((c) => c.source)).toEqual([gz, plain, jsonl]);
    expect(result.problems).toEqual([]);
  });

  it('tells gzip by its magic bytes, whatever the name', async () => {
    const file = await put('plain/misnamed.json', gzipSync(events(2, 'm')));

    expect(ids((await read([file])).lines)).toEqual(['m-0', 'm-1']);
  });

  it('reads every file below a directory, sorted, skipping hidden and _-prefixed names', async () => {
    await put('lake/2026/11/02/b.ndjson.gz', gzipSync(events(1, 'b')));
    await put('lake/2026/11/01/a.ndjson', events(1, 'a'));
    await put('lake/2026/10/31/z.ndjson', events(1, 'z'));
    await put('lake/2026/11/01/.a.ndjson.swp', 'not events');
    await put('lake/_SUCCESS', '');
    await put('lake/_temporary/0/part.ndjson', events(1, 'tmp'));

    const result = await read([path('lake')]);

    expect(ids(result.lines)).toEqual(['z-0', 'a-0', 'b-0']);
    expect(result.problems).toEqual([]);
  });

  it('expands globs, including ** (a directory walk matched against the pattern)', async () => {
    await put('glob/2026/11/01/x.ndjson.gz', gzipSync(events(1, 'x1')));
    await put('glob/2026/11/02/x.ndjson.gz', gzipSync(events(1, 'x2')));
    await put('glob/2026/11/02/y.ndjson', events(1, 'y2'));
    await put('glob/2026/12/01/x.ndjson.gz', gzipSync(events(1, 'x3')));

    const oneMonth = await read([path('glob/2026/11/*/*.ndjson.gz')]);
    const everywhere = await read([path('glob/**/*.ndjson')]);
    const none = await read([path('glob/2027/**/*.gz')]);

    expect(ids(oneMonth.lines)).toEqual(['x1-0', 'x2-0']);
    expect(ids(everywhere.lines)).toEqual(['y2-0']);
    expect(none.lines).toEqual([]);
    expect(none.problems).toEqual([
      {
        source: path('glob/2027/**/*.gz'),
        message: `no files match this pattern under ${path('glob/2027')}; check it, and quote it so the shell does not expand it first`,
        partial: false,
      },
    ]);
  });

  it('reads a file named twice only once, and says so', async () => {
    const file = await put('twice/a.ndjson', events(2));

    const result = await read([file, path('twice')]);

    expect(result.lines).toHaveLength(2);
    expect(result.problems).toEqual([{ source: file, message: 'named more than once (directly, in a directory or by a glob); read once', partial: false }]);
  });
});

describe('openInputs: bad inputs never stop the run', () => {
  it('truncated gzip: the lines before the cut count, and the message says how many', async () => {
    const whole = gzipSync(events(5000, 't'));
    const truncated = await put('bad/truncated.ndjson.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    const after = await put('bad/after.ndjson', events(1, 'after'));

    const result = await read([truncated, after]);

    const fromTruncated = result.lines.slice(0, -1);
    expect(fromTruncated.length).toBeGreaterThan(1000);
    expect(fromTruncated.length).toBeLessThan(5000);
    // No cut-off half line reaches the parser.
    expect(ids(fromTruncated)).toEqual(Array.from({ length: fromTruncated.length }, (_, i) => `t-${i}`));
    expect(ids(result.lines.slice(-1))).toEqual(['after-0']);
    expect(result.problems).toEqual([
      {
        source: truncated,
        message: `truncated gzip: ${fromTruncated.length.toLocaleString('en-US')} lines read before the stream ended (the last, cut-off line is not counted); the rest is missing — copy the file again (gzip -t checks a copy)`,
        partial: true,
      },
    ]);
  });

  it('binary file: one clear problem, not hundreds of unparseable lines', async () => {
    const bytes = new Uint8Array(20_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const binary = await put('bad/image.ndjson', bytes);
    const after = await put('bad/after2.ndjson', events(1, 'ok'));

    const result = await read([binary, after]);

    expect(ids(result.lines)).toEqual(['ok-0']);
    expect(result.invalid).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.source).toBe(binary);
    expect(result.problems[0]?.message).toMatch(/^looks binary, not NDJSON or Parquet/);
    expect(result.problems[0]?.partial).toBe(false);
  });

  it('names known binary formats and what to do', async () => {
    const zip = await put('bad/export.zip', Buffer.from('PK\x03\x04rest of a zip archive'));
    const zstd = await put('bad/events.ndjson.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]));

    const result = await read([zip, zstd]);

    expect(result.problems.map((p) => p.message)).toEqual([
      'a zip archive, not NDJSON or Parquet; unzip it and pass the files or their directory',
      'zstd-compressed, which Node 20 cannot read; decompress it first (zstd -d)',
    ]);
  });

  it('empty file: no records, and a note saying it was empty', async () => {
    const empty = await put('bad/empty.ndjson', '');
    const blank = await put('bad/blank.ndjson', '\n\n  \r\n');

    const result = await read([empty, blank]);

    expect(result.chunks).toEqual([]);
    expect(result.problems).toEqual([
      { source: empty, message: 'empty (0 bytes): nothing to check', partial: false },
      { source: blank, message: 'no records: only blank lines; nothing to check', partial: false },
    ]);
  });

  it('a 10 MB single line is one unparseable record, never held in a chunk', async () => {
    const file = path('bad/huge-line.ndjson');
    const block = 'x'.repeat(64 * 1024);
    const parts = [`${events(1, 'before')}{"eventId":"huge","pad":"`, ...Array.from({ length: 160 }, () => block), `"}\n${events(1, 'after')}`];
    await writeFile(file, parts.join(''));
    expect((await stat(file)).size).toBeGreaterThan(10_000_000);

    const result = await read([file]);

    expect(ids(result.lines)).toEqual(['before-0', 'after-0']);
    expect(result.invalid).toEqual([{ source: file, count: 1, detail: `line 2 of ${file} is longer than 1 MiB` }]);
    for (const chunk of result.chunks) {
      if (chunk.kind === 'ndjson') expect(chunk.data.length).toBeLessThan(1024);
    }
    expect(result.problems).toEqual([]);
  });

  it('unreadable paths: the OS reason and what to do; the other inputs are read', async () => {
    const missing = path('bad/nope.ndjson');
    const notDir = path('bad/empty.ndjson/inside.ndjson');
    const ok = await put('bad/fine.ndjson', events(1, 'fine'));

    const result = await read([missing, notDir, ok]);

    expect(ids(result.lines)).toEqual(['fine-0']);
    expect(result.problems).toEqual([
      { source: missing, message: 'not found; check the path', partial: false },
      { source: notDir, message: 'not found: part of the path is a file, not a directory; check the path', partial: false },
    ]);
  });

  it('a missing relative path says what it was relative to', async () => {
    const result = await read(['no/such/file.ndjson']);

    expect(result.problems[0]?.message).toBe(`not found (relative to ${process.cwd()}); check the path`);
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission: permission denied', async () => {
    const locked = await put('bad/locked.ndjson', events(1));
    await chmod(locked, 0o000);

    const result = await read([locked]);

    expect(result.problems).toEqual([
      { source: locked, message: 'permission denied (EACCES); check its permissions (ls -l) or run as a user who can read it', partial: false },
    ]);
  });
});

describe('openInputs: stdin', () => {
  it('reads NDJSON piped in, in pieces', async () => {
    const stdin = new PassThrough();
    const text = events(3, 's');
    const pieces = [text.slice(0, 10), text.slice(10, 11), text.slice(11)];
    setImmediate(() => {
      for (const piece of pieces) stdin.write(piece);
      stdin.end();
    });

    const result = await read(['-'], { stdin });

    expect(ids(result.lines)).toEqual(['s-0', 's-1', 's-2']);
    expect(result.chunks.every((c) => c.source === 'stdin')).toBe(true);
  });

  it('tells gzip on stdin by its magic bytes', async () => {
    const stdin = new PassThrough();
    stdin.end(gzipSync(events(2, 'z')));

    const result = await read(['-'], { stdin });

    expect(ids(result.lines)).toEqual(['z-0', 'z-1']);
  });

  it('refuses Parquet on stdin with what to do instead', async () => {
    const stdin = new PassThrough();
    stdin.end(Buffer.from('PAR1 and the rest of a parquet file'));

    const result = await read(['-'], { stdin });

    expect(result.problems).toEqual([
      { source: 'stdin', message: 'Parquet, which needs random access that stdin cannot give; save it to a file and pass its path', partial: false },
    ]);
  });
});

describe('openInputs: progress and cancelling', () => {
  it('reports bytes read against the file size, at most every ~100 ms', async () => {
    const file = await put('progress/big.ndjson', events(40_000));
    const size = (await stat(file)).size;
    const calls: { bytesRead: number; bytesTotal?: number; at: number }[] = [];

    await read([file], { onProgress: (p) => calls.push({ ...p, at: performance.now() }) });

    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.bytesTotal).toBe(size);
      expect(call.bytesRead).toBeLessThanOrEqual(size);
    }
    for (let i = 1; i < calls.length; i++) {
      expect((calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(95);
    }
  });

  it('stops when the signal aborts, closing the input', async () => {
    const file = await put('progress/abort.ndjson', events(40_000));
    const controller = new AbortController();
    let chunks = 0;

    const run = async () => {
      for await (const _ of openInputs([file, file], { signal: controller.signal, chunkBytes: 64 * 1024 })) {
        chunks += 1;
        if (chunks === 2) controller.abort(new Error('cancelled by the user'));
      }
    };

    await expect(run()).rejects.toThrow('cancelled by the user');
    expect(chunks).toBe(2);
  });

  it.skipIf(!existsSync('/proc/self/fd'))('closes the files when the caller stops early', async () => {
    const plain = await put('early/a.ndjson', events(20_000));
    const gz = await put('early/b.ndjson.gz', gzipSync(events(20_000)));
    const openFds = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFds();

    for (const spec of [plain, gz]) {
      for await (const _ of openInputs([spec], { chunkBytes: 4096 })) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await openFds()).toBe(before);
  });
});
