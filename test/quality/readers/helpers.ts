import { openInputs, type InputProblem, type ReadOptions, type RecordChunk } from '../../../src/quality/readers/index.js';

/** What a run of the readers amounts to, as the checker would see it. */
export interface Collected {
  readonly chunks: RecordChunk[];
  /** Every NDJSON line, in order, as text (no line ending). */
  readonly lines: string[];
  /** Every decoded Parquet row, in order. */
  readonly rows: unknown[];
  readonly invalid: { readonly source: string; readonly count: number; readonly detail: string }[];
  readonly problems: InputProblem[];
}

/** Splits ndjson chunk data the way a parser would: on `\n`, without a trailing `\r`. */
export function linesOf(data: Uint8Array): string[] {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const lines = text.split('\n');
  lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

export function collectChunks(chunks: readonly RecordChunk[], problems: InputProblem[] = []): Collected {
  const lines: string[] = [];
  const rows: unknown[] = [];
  const invalid: { source: string; count: number; detail: string }[] = [];
  for (const chunk of chunks) {
    if (chunk.kind === 'ndjson') lines.push(...linesOf(chunk.data));
    else if (chunk.kind === 'rows') rows.push(...chunk.rows);
    else invalid.push({ source: chunk.source, count: chunk.count, detail: chunk.detail });
  }
  return { chunks: [...chunks], lines, rows, invalid, problems };
}

export async function read(specs: readonly string[], options: ReadOptions = {}): Promise<Collected> {
  const problems: InputProblem[] = [];
  const chunks: RecordChunk[] = [];
  for await (const chunk of openInputs(specs, { ...options, onProblem: (p) => problems.push(p) })) {
    chunks.push(chunk);
  }
  return collectChunks(chunks, problems);
}

/** NDJSON text of `n` small events, ids `${prefix}-0` … */
export function events(n: number, prefix = 'e'): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    text += `${JSON.stringify({ eventId: `${prefix}-${i}`, eventName: 'page_viewed', timestamp: '2026-11-01T10:00:00.000Z', properties: { n: i } })}\n`;
  }
  return text;
}
