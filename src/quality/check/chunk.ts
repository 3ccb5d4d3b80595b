import type { RecordChunk } from '../readers/types.js';
import type { QualityAccumulator } from './accumulator.js';
import type { Classifier } from './classify.js';

const decoder = new TextDecoder('utf-8');

/**
 * Classifies and counts one reader chunk: each NDJSON line, each decoded
 * row, or a reader-level invalid count. Invalid UTF-8 decodes to U+FFFD (and
 * usually fails JSON parsing). Returns the records counted.
 *
 * @example
 * for await (const chunk of read(inputs)) records += accumulateChunk(chunk, classifier, acc);
 */
export function accumulateChunk(chunk: RecordChunk, classifier: Classifier, acc: QualityAccumulator): number {
  switch (chunk.kind) {
    case 'ndjson': {
      const text = decoder.decode(chunk.data);
      let records = 0;
      let start = 0;
      const n = text.length;
      while (start < n) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = n;
        if (end > start && !isBlank(text, start, end)) {
          acc.add(classifier.line(text.slice(start, end)));
          records++;
        }
        start = end + 1;
      }
      return records;
    }
    case 'rows': {
      for (const row of chunk.rows) acc.add(classifier.object(row));
      return chunk.rows.length;
    }
    case 'invalid': {
      acc.addInvalid(chunk.reason, chunk.count);
      return chunk.count;
    }
  }
}

/** Whitespace-only lines are not records (readers drop them; this guards direct callers). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
