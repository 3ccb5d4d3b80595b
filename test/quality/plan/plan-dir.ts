import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Writes a tracking plan into a fresh temp directory: keys are paths inside
 * it (`page_viewed/1.avsc`), values are schemas (serialized as JSON) or raw
 * text. Returns the directory.
 */
export function planDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tripline-plan-'));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** An Avro record schema with the given fields. */
export function record(name: string, fields: readonly unknown[]): Record<string, unknown> {
  return { type: 'record', name, fields };
}

/** Makes a path unreadable; returns false when that cannot be tested (running as root). */
export function makeUnreadable(p: string): boolean {
  if (process.getuid?.() === 0) return false;
  chmodSync(p, 0o000);
  return true;
}
