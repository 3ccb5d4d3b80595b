/**
 * Tells an input's format from its first bytes, so a binary file gets one
 * clear message instead of hundreds of unparseable lines.
 */

/** How much of an input's start is looked at; NUL bytes within it mean binary. */
export const SNIFF_BYTES = 8192;

export type Sniffed =
  | { readonly kind: 'empty' }
  | { readonly kind: 'parquet' }
  | { readonly kind: 'gzip' }
  | { readonly kind: 'text' }
  /** Not something tripline reads; `message` says what it is and what to do. */
  | { readonly kind: 'unsupported'; readonly message: string };

const PAR1 = [0x50, 0x41, 0x52, 0x31];
const GZIP = [0x1f, 0x8b];

const KNOWN_BINARY: readonly { readonly magic: readonly number[]; readonly message: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], message: 'a zip archive, not NDJSON or Parquet; unzip it and pass the files or their directory' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], message: 'zstd-compressed, which Node 20 cannot read; decompress it first (zstd -d)' },
  { magic: [0x42, 0x5a, 0x68], message: 'bzip2-compressed; decompress it first (bunzip2 -k)' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], message: 'xz-compressed; decompress it first (xz -dk)' },
  {
    magic: [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59],
    message: "Snappy-framed (Firehose's SNAPPY compression), which tripline does not read; decompress it first, or have the delivery stream write GZIP",
  },
  { magic: [0x4f, 0x62, 0x6a, 0x01], message: 'an Avro container file, not NDJSON or Parquet' },
  { magic: [0xff, 0xfe], message: 'UTF-16 text, not UTF-8; convert it first (iconv -f UTF-16 -t UTF-8)' },
  { magic: [0xfe, 0xff], message: 'UTF-16 text, not UTF-8; convert it first (iconv -f UTF-16 -t UTF-8)' },
];

/** Classifies raw input bytes (before any decompression). */
export function sniffRaw(head: Uint8Array): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  if (startsWith(head, PAR1)) return { kind: 'parquet' };
  if (startsWith(head, GZIP)) return { kind: 'gzip' };
  return sniffText(head);
}

/** Classifies bytes that should be NDJSON: a plain input, or what a gzip holds (`inGzip`). */
export function sniffText(head: Uint8Array, inGzip = false): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  if (inGzip) {
    const inner = sniffText(head);
    return inner.kind === 'unsupported' ? { kind: 'unsupported', message: `inside the gzip: ${inner.message}` } : inner;
  }
  if (startsWith(head, GZIP)) {
    return { kind: 'unsupported', message: 'compressed twice (gzip inside gzip); decompress it once (gunzip -c) and pass the result' };
  }
  if (startsWith(head, PAR1)) {
    return { kind: 'unsupported', message: 'a gzip-compressed Parquet file; decompress it first (gunzip -k): Parquet compresses its own pages' };
  }
  for (const known of KNOWN_BINARY) {
    if (startsWith(head, known.magic)) return { kind: 'unsupported', message: known.message };
  }
  const end = Math.min(head.length, SNIFF_BYTES);
  if (head.subarray(0, end).includes(0)) {
    return {
      kind: 'unsupported',
      message: 'looks binary, not NDJSON or Parquet (NUL bytes near the start); check what it is (`file <path>`) and pass only event exports',
    };
  }
  return { kind: 'text' };
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  return magic.every((b, i) => bytes[i] === b);
}
