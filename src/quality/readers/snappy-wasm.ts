/*
 * Snappy decompression in WebAssembly. hyparquet's JavaScript decoder copies
 * byte by byte (~2.7 ns a byte on this project's machine, a quarter of a
 * worker's time on the Parquet benchmark); this one copies with
 * `memory.copy`. It is written out below as bytes — the project has no wasm
 * toolchain — and checked against hyparquet's decoder in
 * test/quality/readers/snappy-wasm.test.ts.
 *
 * It only ever has to be right when it succeeds: on anything it does not
 * like (a length past the input or the output, a bad offset, a short
 * result) it returns an error code, and the caller runs hyparquet's decoder,
 * which gives the page or the error that would have been given without it.
 */
import { snappyUncompress } from 'hyparquet';
import { name, section, uleb } from '../wasm-encoding.js';

// Locals: params 0-3, then the declared i32 locals.
const IN = 0;
const IN_END = 1;
const OUT = 2;
const OUT_END = 3;
const POS = 4;
const OP = 5;
const C = 6;
const LEN = 7;
const OFF = 8;
const SRC = 9;
const K = 10;

const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const i32 = (n: number): number[] => [0x41, ...sleb(n)];
const fail = (code: number): number[] => [...i32(code), 0x0f];
const ifThen = (body: number[]): number[] => [0x04, 0x40, ...body, 0x0b];
const ifElse = (then: number[], otherwise: number[]): number[] => [0x04, 0x40, ...then, 0x05, ...otherwise, 0x0b];
const load8 = [0x2d, 0x00, 0x00];
const load16 = [0x2f, 0x00, 0x00];
const load32 = [0x28, 0x00, 0x00];
const store8 = [0x3a, 0x00, 0x00];
const ADD = 0x6a;
const SUB = 0x6b;
const AND = 0x71;
const SHL = 0x74;
const SHR_U = 0x76;
const EQZ = 0x45;
const NE = 0x47;
const LT_U = 0x49;
const GT_U = 0x4b;
const GE_U = 0x4f;
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];

/** pos += n */
const advance = (n: number[]): number[] => [...get(POS), ...n, ADD, ...set(POS)];

/**
 * Copies `len` bytes from `src` to `op` sixteen at a time (v128), writing up
 * to 15 bytes past `op + len`: the caller has made sure that stays inside the
 * output, and whatever lands there is written over by the elements after it.
 * Reading from `src` sixteen at a time is safe when src is at least 16
 * bytes before op (a back reference) or in the input (a literal: the output
 * follows the input in memory, and the memory has 16 bytes to spare).
 */
const copy16 = (src: number): number[] => [
  ...i32(0), ...set(K),
  0x02, 0x40, 0x03, 0x40,
  ...get(K), ...get(LEN), GE_U, 0x0d, 0x01,
  ...get(OP), ...get(K), ADD,
  ...get(src), ...get(K), ADD, 0xfd, 0x00, 0x00, 0x00, // v128.load
  0xfd, 0x0b, 0x00, 0x00, // v128.store
  ...get(K), ...i32(16), ADD, ...set(K),
  0x0c, 0x00,
  0x0b, 0x0b,
];

/** op + roundUp16(len) <= outEnd */
const roomFor16 = [...get(OP), ...get(LEN), ...i32(15), ADD, ...i32(-16), AND, ADD, ...get(OUT_END), 0x4d /* i32.le_u */];

function body(): number[] {
  // Literal: len = (c >> 2) + 1; 61..64 mean 1..4 more length bytes.
  const literal = [
    ...get(C), ...i32(2), SHR_U, ...i32(1), ADD, ...set(LEN),
    ...get(LEN), ...i32(60), GT_U,
    ...ifThen([
      // hyparquet: pos + 3 >= inputLength is an error, whatever the length bytes.
      ...get(POS), ...i32(3), ADD, ...get(IN_END), GE_U, ...ifThen(fail(3)),
      ...get(LEN), ...i32(60), SUB, ...set(K), // length bytes, 1..4
      ...get(POS), ...load32,
      // keep the low 8·k bits (k = 4: all of them): word & (k === 4 ? -1 : (1 << 8k) - 1)
      ...i32(-1),
      ...i32(1), ...get(K), ...i32(3), SHL, SHL, ...i32(1), SUB,
      ...get(K), ...i32(4), 0x46 /* i32.eq */,
      0x1b /* select */,
      AND,
      ...i32(1), ADD, ...set(LEN),
      ...advance(get(K)),
    ]),
    // the literal inside the input and the output
    ...get(IN_END), ...get(POS), SUB, ...get(LEN), LT_U, ...ifThen(fail(4)),
    ...get(OUT_END), ...get(OP), SUB, ...get(LEN), LT_U, ...ifThen(fail(5)),
    ...roomFor16,
    ...ifElse(copy16(POS), [...get(OP), ...get(POS), ...get(LEN), ...MEMORY_COPY]),
    ...advance(get(LEN)),
    ...get(OP), ...get(LEN), ADD, ...set(OP),
  ];
  const copy = [
    ...get(C), ...i32(3), AND, ...i32(1), 0x46 /* i32.eq */,
    ...ifElse(
      [
        // 1-byte offset: len 4..11, offset 11 bits
        ...get(C), ...i32(2), SHR_U, ...i32(7), AND, ...i32(4), ADD, ...set(LEN),
        ...get(POS), ...load8, ...get(C), ...i32(5), SHR_U, ...i32(8), SHL, ADD, ...set(OFF),
        ...advance(i32(1)),
      ],
      [
        ...get(C), ...i32(2), SHR_U, ...i32(1), ADD, ...set(LEN),
        ...get(C), ...i32(3), AND, ...i32(2), 0x46,
        ...ifElse(
          [
            ...get(IN_END), ...get(POS), ...i32(1), ADD, 0x4d /* i32.le_u */, ...ifThen(fail(6)),
            ...get(POS), ...load16, ...set(OFF),
            ...advance(i32(2)),
          ],
          [
            ...get(IN_END), ...get(POS), ...i32(3), ADD, 0x4d, ...ifThen(fail(6)),
            ...get(POS), ...load32, ...set(OFF),
            ...advance(i32(4)),
          ],
        ),
      ],
    ),
    // offset 1 … bytes written so far, length inside the output
    ...get(OFF), EQZ, ...ifThen(fail(7)),
    ...get(OFF), ...get(OP), ...get(OUT), SUB, GT_U, ...ifThen(fail(8)),
    ...get(OUT_END), ...get(OP), SUB, ...get(LEN), LT_U, ...ifThen(fail(5)),
    ...get(OP), ...get(OFF), SUB, ...set(SRC),
    ...get(OFF), ...i32(16), GE_U, ...roomFor16, AND,
    ...ifElse(
      copy16(SRC),
      [
        ...get(OFF), ...get(LEN), GE_U,
        ...ifElse(
          [...get(OP), ...get(SRC), ...get(LEN), ...MEMORY_COPY],
      [
        // overlapping: byte by byte, as LZ77 means it
        ...i32(0), ...set(K),
        0x02, 0x40, 0x03, 0x40,
        ...get(K), ...get(LEN), GE_U, 0x0d, 0x01,
        ...get(OP), ...get(K), ADD, ...get(SRC), ...get(K), ADD, ...load8, ...store8,
        ...get(K), ...i32(1), ADD, ...set(K),
        0x0c, 0x00,
        0x0b, 0x0b,
      ],
        ),
      ],
    ),
    ...get(OP), ...get(LEN), ADD, ...set(OP),
  ];
  return [
    ...get(IN), ...set(POS),
    ...get(OUT), ...set(OP),
    // The preamble (the length as a varint) is skipped, as hyparquet skips it.
    0x02, 0x40, 0x03, 0x40,
    ...get(POS), ...get(IN_END), GE_U, 0x0d, 0x01,
    ...get(POS), ...load8, ...set(C),
    ...advance(i32(1)),
    ...get(C), ...i32(128), LT_U, 0x0d, 0x01,
    0x0c, 0x00,
    0x0b, 0x0b,
    ...get(OUT_END), ...get(OUT), NE, ...get(POS), ...get(IN_END), GE_U, AND, ...ifThen(fail(1)),
    // elements
    0x02, 0x40, 0x03, 0x40,
    ...get(POS), ...get(IN_END), GE_U, 0x0d, 0x01,
    ...get(POS), ...load8, ...set(C),
    ...advance(i32(1)),
    ...get(POS), ...get(IN_END), GE_U, ...ifThen(fail(2)),
    ...get(C), ...i32(3), AND, EQZ,
    ...ifElse(literal, copy),
    0x0c, 0x00,
    0x0b, 0x0b,
    ...get(OP), ...get(OUT_END), NE, ...ifThen(fail(9)),
    ...i32(0),
    0x0b,
  ];
}

function moduleBytes(): Uint8Array {
  const code = body();
  const locals = [0x01, 0x07, 0x7f]; // seven i32 locals
  const fn = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]), // memory: min 1 page
    ...section(7, [0x02, ...name('memory'), 0x02, 0x00, ...name('uncompress'), 0x00, 0x00]),
    ...section(10, [0x01, ...uleb(fn.length), ...fn]),
  ]);
}


function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasm: WasmApi = Reflect.get(globalThis, 'WebAssembly');

let decoder: { readonly memory: WasmMemory; readonly uncompress: (a: number, b: number, c: number, d: number) => number } | null | undefined;

function instance(): typeof decoder {
  if (decoder === undefined) {
    decoder = null;
    const bytes = moduleBytes();
    if (wasm.validate(bytes)) {
      const made = new wasm.Instance(new wasm.Module(bytes), {});
      const memory = made.exports['memory'] as WasmMemory | undefined;
      const uncompress = made.exports['uncompress'];
      if (memory !== undefined && typeof uncompress === 'function') {
        decoder = { memory, uncompress: (a, b, c, d) => Number(Reflect.apply(uncompress, undefined, [a, b, c, d])) };
      }
    }
  }
  return decoder;
}

/**
 * Decompresses a snappy page to `size` bytes: hyparquet's `snappyUncompress`
 * result or error, faster. The page is a fresh buffer of its own.
 */
export function snappyDecompress(input: Uint8Array, size: number): Uint8Array {
  const d = instance();
  if (d !== null && d !== undefined) {
    const need = input.byteLength + size;
    const have = d.memory.buffer.byteLength;
    // 16 bytes to spare: a literal is read sixteen bytes at a time.
    if (need + 16 > have) d.memory.grow(Math.ceil((need + 16 - have) / 65_536));
    const memory = new Uint8Array(d.memory.buffer);
    memory.set(input, 0);
    if (d.uncompress(0, input.byteLength, input.byteLength, need) === 0) return memory.slice(input.byteLength, need);
  }
  const output = new Uint8Array(size);
  snappyUncompress(input, output);
  return output;
}

/** Whether this Node runs the WebAssembly decoder (else hyparquet's does all the work). */
export function snappyWasmAvailable(): boolean {
  return instance() !== null;
}
