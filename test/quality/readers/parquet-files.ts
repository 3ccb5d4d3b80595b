import { randomBytes } from 'node:crypto';
import { ByteWriter, parquetWrite, parquetWriteFile } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';

/**
 * Firehose-like Parquet: Glue lower-cases column names (`eventid`), context
 * is a struct, properties is JSON text, receivedAt an unannotated INT64 of
 * epoch microseconds, and `ip` a column nobody asked for (large, so reading
 * it would show: random, so it does not compress).
 */
export function firehoseColumns(n: number, options: { readonly prefix?: string } = {}) {
  const prefix = options.prefix ?? 'e';
  const at = (i: number, minute: number) => Date.UTC(2026, 10, 1, 10, minute, 0) + i;
  const columnData = [
    { name: 'eventid', data: Array.from({ length: n }, (_, i) => `${prefix}-${i}`) },
    { name: 'eventname', data: Array.from({ length: n }, () => 'page_viewed') },
    { name: 'userid', data: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `u-${i}` : null)) },
    { name: 'timestamp', data: Array.from({ length: n }, (_, i) => new Date(at(i, 0))) },
    { name: 'receivedat', data: Array.from({ length: n }, (_, i) => BigInt(at(i, 1)) * 1000n) },
    { name: 'properties', data: Array.from({ length: n }, (_, i) => JSON.stringify({ n: i, path: '/home' })) },
    { name: 'context', data: Array.from({ length: n }, (_, i) => ({ platform: 'ios', appversion: i % 3 === 0 ? null : '4.2.0' })) },
    { name: 'ip', data: Array.from({ length: n }, (_, i) => `10.0.${i % 256}.${i % 100} ${randomBytes(500).toString('hex')}`) },
  ];
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 8 },
    { name: 'eventid', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'eventname', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'userid', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'timestamp', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' },
    { name: 'receivedat', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'properties', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'context', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'platform', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'appversion', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'ip', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  ];
  return { columnData, schema };
}

export function writeFirehoseParquet(filename: string, n: number, rowGroupSize: number, options: { readonly prefix?: string } = {}): void {
  parquetWriteFile({ filename, rowGroupSize, ...firehoseColumns(n, options) });
}

export function firehoseParquetBuffer(n: number, rowGroupSize: number, options: { readonly prefix?: string } = {}): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({ writer, rowGroupSize, ...firehoseColumns(n, options) });
  return new Uint8Array(writer.getBuffer());
}
