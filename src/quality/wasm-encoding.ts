/**
 * Byte encodings for the two small WebAssembly modules assembled by hand
 * (the NDJSON line pre-scan and the snappy decoder).
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A module section: id, byte length, content. */
export function section(id: number, content: readonly number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A name (import, export) as the binary format spells it: length, then its bytes. */
export function name(s: string): number[] {
  return [s.length, ...Buffer.from(s, 'latin1')];
}
