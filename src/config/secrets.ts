import { AwsError, SecretError } from '../errors.js';
import { describeSecretRef, type SecretRef } from './secret-ref.js';

export type { SecretRef } from './secret-ref.js';

export interface SecretResolverOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Reads an SSM parameter (decrypted); see `ssmParameterReader` in src/aws/secrets.ts. */
  readonly ssm?: (name: string) => Promise<string>;
  /** Reads a Secrets Manager secret string; see `secretsManagerReader` in src/aws/secrets.ts. */
  readonly secretsManager?: (id: string) => Promise<string>;
  /** How long a value read from AWS is reused; default 5 minutes (a warm Lambda reuses it). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly value: Promise<string>;
  readonly expiresAt: number;
}

const DEFAULT_TTL_MS = 300_000;

/**
 * Turns secret references from the config into values. Values read from
 * SSM or Secrets Manager are cached per parameter / secret for `ttlMs`, and
 * concurrent lookups share one request. Errors name the reference and what
 * to do, never the value.
 */
export class SecretResolver {
  readonly #options: SecretResolverOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: SecretResolverOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Surrounding whitespace is removed from the value.
   *
   * @param what who needs it, for messages: "routing key of receiver oncall".
   * @throws SecretError (missing, empty, not allowed) or AwsError (AWS unavailable; worth retrying).
   */
  async resolve(ref: SecretRef, what: string): Promise<string> {
    // Keys and tokens never contain whitespace, but values pasted into SSM or a console often end in a newline.
    const value = (await this.#read(ref, what)).trim();
    if (value === '') {
      throw new SecretError(`${what}: ${describeSecretRef(ref)} is empty; ${fillStep(ref)}`);
    }
    return value;
  }

  async #read(ref: SecretRef, what: string): Promise<string> {
    if ('value' in ref) return ref.value;
    if ('env' in ref) {
      const value = this.#options.env[ref.env];
      if (value === undefined) {
        throw new SecretError(`${what}: environment variable ${ref.env} is not set; set ${ref.env}`);
      }
      return value;
    }
    if ('ssm' in ref) {
      const read = this.#options.ssm;
      if (read === undefined) {
        throw new SecretError(
          `${what}: SSM parameter ${ref.ssm} cannot be read here (no AWS access); run with AWS credentials or use { env: NAME } instead`,
        );
      }
      return this.#cached(`ssm:${ref.ssm}`, () => read(ref.ssm), what);
    }
    const read = this.#options.secretsManager;
    if (read === undefined) {
      throw new SecretError(
        `${what}: Secrets Manager secret ${ref.secretsManager} cannot be read here (no AWS access); run with AWS credentials or use { env: NAME } instead`,
      );
    }
    const secret = await this.#cached(`secretsmanager:${ref.secretsManager}`, () => read(ref.secretsManager), what);
    return ref.jsonKey === undefined ? secret : pickJsonKey(secret, ref.secretsManager, ref.jsonKey, what);
  }

  async #cached(key: string, fetch: () => Promise<string>, what: string): Promise<string> {
    const now = this.#now();
    let entry = this.#cache.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { value: fetch(), expiresAt: now + this.#ttlMs };
      this.#cache.set(key, entry);
    }
    try {
      return await entry.value;
    } catch (error) {
      // A failure is not cached: the next invocation asks AWS again.
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
      throw withContext(error, what);
    }
  }
}

function withContext(error: unknown, what: string): Error {
  if (error instanceof AwsError) {
    return new AwsError(`${what}: ${error.message}`, { service: error.service, operation: error.operation }, { cause: error });
  }
  if (error instanceof SecretError) return new SecretError(`${what}: ${error.message}`, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new SecretError(`${what}: ${reason}`, { cause: error });
}

function pickJsonKey(secret: string, id: string, jsonKey: string, what: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    // The parser's message would quote the secret, so it is neither shown nor kept as cause.
    throw new SecretError(
      `${what}: Secrets Manager secret ${id} is not a JSON object, but jsonKey "${jsonKey}" needs one; store {"${jsonKey}": "..."} or leave out jsonKey`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretError(
      `${what}: Secrets Manager secret ${id} is not a JSON object, but jsonKey "${jsonKey}" needs one; store {"${jsonKey}": "..."} or leave out jsonKey`,
    );
  }
  const record: Record<string, unknown> = { ...parsed };
  if (!(jsonKey in record)) {
    const keys = Object.keys(record);
    throw new SecretError(
      `${what}: Secrets Manager secret ${id} has no key "${jsonKey}" (it has ${keys.length === 0 ? 'no keys' : keys.map((k) => `"${k}"`).join(', ')}); fix jsonKey or add the key to the secret`,
    );
  }
  const value = record[jsonKey];
  if (typeof value !== 'string') {
    throw new SecretError(
      `${what}: key "${jsonKey}" of Secrets Manager secret ${id} is ${value === null ? 'null' : `a ${typeof value}`}, not a string; store the value as a JSON string`,
    );
  }
  return value;
}

function fillStep(ref: SecretRef): string {
  if ('env' in ref) return `set ${ref.env} to the value`;
  if ('ssm' in ref) return `put the value into ${ref.ssm} (aws ssm put-parameter --type SecureString --overwrite)`;
  if ('secretsManager' in ref) return `put the value into secret ${ref.secretsManager}`;
  return 'put the value in the config, or better, reference an environment variable or a secret';
}
