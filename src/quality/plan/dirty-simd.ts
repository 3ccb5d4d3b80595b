/*
 * findDirtyBytes with WebAssembly SIMD: 64 bytes a step instead of 4. On
 * this project's 2-core machine the JavaScript word loop cost a worker ~0.25
 * µs an event (~0.5 ns a byte); this ~0.05 ns a byte. The module is a dozen
 * instructions, written out below as bytes (there is no wasm toolchain among
 * the project's dependencies), and reads chunks in place from the shared
 * memory the main thread stores them in (run.ts's chunk slots).
 *
 *   (func (export "find") (param $i i32) (param $end i32) (result i32)
 *     ;; the first 64-byte block at or after $i holding a byte < 0x20 other
 *     ;; than '\n', a byte > 0x7E, or a backslash; or the first $i with
 *     ;; $i + 64 > $end (the caller looks at the rest byte by byte)
 *     (local $v v128)
 *     block loop
 *       br_if 1 (i + 64 > end)
 *       if (any_true(dirty(v128.load i) | dirty(load i+16) | …)) return i
 *       i += 64; br 0
 *     end end
 *     local.get $i)
 *   dirty(v) = ((v <u 0x20) | (v >u 0x7E) | (v == 0x5C)) & ~(v == 0x0A)
 */

import { findDirtyBytes } from './json-text.js';
import { name, section, uleb } from '../wasm-encoding.js';

/*
 * The WebAssembly API as used here. Node 20 has it all; the project's type
 * libraries (ES2023, @types/node 20) declare only a sliver of it.
 */
export interface SharedMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmModule {
  readonly kind: 'module';
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: SharedMemory } }) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
}
const wasm: WasmApi = Reflect.get(globalThis, 'WebAssembly');

const splat = (byte: number): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(byte)];
const I = 0; // $i
const END = 1; // $end
const V = 2; // $v

/** dirty(v128.load offset=$i+k) left on the stack. */
function dirtyAt(offset: number): number[] {
  return [
    0x20, I, 0xfd, 0x00, 0x00, offset, 0x22, V, // local.get $i; v128.load offset; local.tee $v
    ...splat(0x20), 0xfd, 0x26, // i8x16.lt_u
    0x20, V, ...splat(0x7e), 0xfd, 0x28, 0xfd, 0x50, // i8x16.gt_u; v128.or
    0x20, V, ...splat(0x5c), 0xfd, 0x23, 0xfd, 0x50, // i8x16.eq; v128.or
    0x20, V, ...splat(0x0a), 0xfd, 0x23, 0xfd, 0x4f, // i8x16.eq; v128.andnot
  ];
}

function moduleBytes(): Uint8Array {
  const body = [
    0x01, 0x01, 0x7b, // one local: v128
    0x02, 0x40, // block
    0x03, 0x40, // loop
    0x20, I, 0x41, 0xc0, 0x00, 0x6a, 0x20, END, 0x4b, 0x0d, 0x01, // br_if 1 (i + 64 > end), i32.const 64 as signed LEB
    ...dirtyAt(0),
    ...dirtyAt(16),
    0xfd, 0x50,
    ...dirtyAt(32),
    0xfd, 0x50,
    ...dirtyAt(48),
    0xfd, 0x50,
    0xfd, 0x53, // v128.any_true
    0x04, 0x40, 0x20, I, 0x0f, 0x0b, // if (return i) end
    0x20, I, 0x41, 0xc0, 0x00, 0x6a, 0x21, I, // i += 64
    0x0c, 0x00, // br 0
    0x0b, 0x0b, // end loop, end block
    0x20, I, // local.get $i
    0x0b, // end
  ];
  const code = [0x01, ...uleb(body.length), ...body];
  const imports = [0x01, ...name('env'), ...name('memory'), 0x02, 0x03, 0x00, ...uleb(MAX_PAGES)]; // shared memory, min 0
  const exports = [0x01, ...name('find'), 0x00, 0x00];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]),
    ...section(2, imports),
    ...section(3, [0x01, 0x00]),
    ...section(7, exports),
    ...section(10, code),
  ]);
}


/** The largest shared memory the module accepts: 1 GiB (16,384 pages of 64 KiB). */
const MAX_PAGES = 16_384;

/** A shared memory for chunk slots that {@link dirtyFinderFor} can read in place. */
export function createSharedChunkMemory(bytes: number): SharedMemory {
  const pages = Math.ceil(bytes / 65_536);
  return new wasm.Memory({ initial: pages, maximum: Math.max(pages, 1), shared: true });
}

let compiled: WasmModule | undefined | null;

function simdModule(): WasmModule | undefined {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled ?? undefined;
}

/**
 * Finds dirty bytes (see json-text.ts's findDirtyBytes, whose result this
 * equals) in chunks stored in `memory`; undefined when this Node has no
 * WebAssembly SIMD.
 */
export function dirtyFinderFor(memory: SharedMemory): ((bytes: Uint8Array) => number[]) | undefined {
  const module = simdModule();
  if (module === undefined) return undefined;
  let instance: { readonly exports: Record<string, unknown> };
  try {
    instance = new wasm.Instance(module, { env: { memory } });
  } catch {
    return undefined; // a memory past the module's limit (1 GiB): the JavaScript scan does it
  }
  const exported = instance.exports['find'];
  if (typeof exported !== 'function') return undefined;
  const find = (i: number, end: number): number => Number(Reflect.apply(exported, undefined, [i, end]));
  const shared = memory.buffer;
  return (bytes) => {
    if (bytes.buffer !== shared) throw new Error('internal: the chunk is not in the shared chunk memory');
    const base = bytes.byteOffset;
    const end = base + bytes.byteLength;
    const found: number[] = [];
    let i = base;
    for (;;) {
      i = find(i, end);
      const stop = i + 64 <= end ? i + 64 : end;
      for (let k = i; k < stop; k++) dirtyByte(bytes, k - base, found);
      if (stop === end) return found;
      i = stop;
    }
  };
}

function dirtyByte(bytes: Uint8Array, k: number, found: number[]): void {
  const b = bytes[k] ?? 0;
  if (b >= 0x20 && b < 0x7f && b !== 92) return;
  if (b === 10 || (b === 13 && bytes[k + 1] === 10)) return;
  found.push(k);
}

const finders = new WeakMap<ArrayBufferLike, (bytes: Uint8Array) => number[]>();

/** Lets {@link findDirty} read chunks stored in `memory` with SIMD (on this thread). */
export function useSharedChunkMemory(memory: SharedMemory): void {
  const finder = dirtyFinderFor(memory);
  if (finder !== undefined) finders.set(memory.buffer, finder);
}

/** findDirtyBytes, with SIMD for chunks in a memory registered with {@link useSharedChunkMemory}. */
export function findDirty(bytes: Uint8Array): number[] {
  const finder = finders.get(bytes.buffer);
  return finder === undefined ? findDirtyBytes(bytes) : finder(bytes);
}
