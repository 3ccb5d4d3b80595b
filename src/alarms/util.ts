/** A property of an unknown value, or undefined when it is not an object. */
export function propertyOf(value: unknown, key: PropertyKey): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  const found: unknown = Reflect.get(value, key);
  return found;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `JSON.parse` that reports failure instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}
