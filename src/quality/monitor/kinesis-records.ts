/*
 * The Kinesis side of the quality monitor: the Lambda event's envelope,
 * checked at the edge (`@types/aws-lambda` is compile-time only), and each
 * record's data decoded into the NDJSON lines it carries.
 */
import { gunzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import '../../zod-config.js';
import { formatIssue, fromZodIssues } from '../../config/issues.js';
import { InputError } from '../../errors.js';

const KinesisRecordSchema = z.object({
  eventSource: z.literal('aws:kinesis'),
  eventID: z.optional(z.string()),
  eventSourceARN: z.optional(z.string()),
  kinesis: z.object({
    sequenceNumber: z.string().check(z.minLength(1)),
    partitionKey: z.optional(z.string()),
    // Checked per record: a record whose data is unusable is an invalid event, not a broken event.
    data: z.unknown(),
    approximateArrivalTimestamp: z.optional(z.number()),
  }),
});

/** What Lambda delivers from a Kinesis event source mapping (extra members are ignored). */
export const KinesisStreamEventSchema = z.object({ Records: z.array(KinesisRecordSchema) });

/** One Kinesis record: where it is in the stream, and its still-encoded data. */
export interface KinesisRecordRef {
  readonly sequenceNumber: string;
  readonly partitionKey: string | undefined;
  /** `shardId-000000000006`, from `eventID`; needed to read the record again (GetShardIterator AT_SEQUENCE_NUMBER). */
  readonly shardId: string | undefined;
  readonly streamArn: string | undefined;
  readonly data: unknown;
}

/**
 * The records of a Lambda Kinesis event, in delivery (sequence) order.
 *
 * @throws InputError naming every problem when the event is not a Kinesis
 *   stream event: the event source mapping is wired to something else, and no
 *   record of it could be reported back as a batch item failure.
 */
export function kinesisRecords(event: unknown): KinesisRecordRef[] {
  const parsed = KinesisStreamEventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    const problems = fromZodIssues(parsed.error.issues, KinesisStreamEventSchema).map(formatIssue);
    throw new InputError(
      `not a Kinesis stream event (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}): ` +
        'the quality monitor takes a Kinesis event source mapping (eventSource aws:kinesis); check the function\'s triggers',
    );
  }
  return parsed.data.Records.map((r) => ({
    sequenceNumber: r.kinesis.sequenceNumber,
    partitionKey: r.kinesis.partitionKey,
    shardId: shardIdOf(r.eventID),
    streamArn: r.eventSourceARN,
    data: r.kinesis.data,
  }));
}

/** `shardId-000000000006:4959…` → `shardId-000000000006`. */
function shardIdOf(eventId: string | undefined): string | undefined {
  if (eventId === undefined) return undefined;
  const colon = eventId.indexOf(':');
  return colon > 0 ? eventId.slice(0, colon) : undefined;
}

/** Decompressed data larger than this is not decoded (a gzip bomb, or not events). */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** As `tripline dq check`: a longer line counts as `unparseable_json` without being parsed. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type DecodedData =
  | { readonly ok: true; readonly bytes: Buffer; readonly gzip: boolean }
  /** `raw`: what there is to show for the record (the bytes as far as they decoded). */
  | { readonly ok: false; readonly detail: string; readonly raw: Uint8Array };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A record's data: base64 (as Lambda delivers it), then gunzipped when it
 * starts with the gzip magic bytes `1f 8b` (producers that compress their
 * puts). Never throws: what cannot be decoded says why.
 */
export function decodeKinesisData(data: unknown): DecodedData {
  if (typeof data !== 'string') {
    return { ok: false, detail: `kinesis.data is ${data === undefined ? 'missing' : `not a string (${typeof data})`}`, raw: new Uint8Array(0) };
  }
  if (data.length % 4 !== 0 || !BASE64.test(data)) {
    return { ok: false, detail: 'kinesis.data is not base64', raw: Buffer.from(data, 'utf8') };
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { ok: true, bytes, gzip: false };
  try {
    return { ok: true, bytes: gunzipSync(bytes, { maxOutputLength: MAX_DECODED_BYTES }), gzip: true };
  } catch (error) {
    const reason = error instanceof RangeError ? `expands past ${MAX_DECODED_BYTES / 1024 / 1024} MiB` : errorMessage(error);
    return { ok: false, detail: `gzip-compressed data does not decompress: ${reason}`, raw: bytes };
  }
}

/** One non-blank line of a record: its bytes (no line end, BOM dropped) and 1-based line number. */
export interface RecordLine {
  readonly line: number;
  readonly bytes: Buffer;
}

/**
 * The NDJSON lines of decoded data, as `tripline dq check` reads a file: split
 * on `\n`, a leading UTF-8 BOM dropped, blank and whitespace-only lines
 * skipped, a trailing `\r` left for JSON.parse to ignore.
 */
export function recordLines(bytes: Buffer): RecordLine[] {
  const lines: RecordLine[] = [];
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    line++;
    if (!isBlank(bytes, start, end)) lines.push({ line, bytes: bytes.subarray(start, end) });
    start = end + 1;
  }
  return lines;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
