import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A directory holding a stand-in router bundle, enough for asset hashing. */
export function fakeBundleDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tripline-bundle-'));
  writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => ({ ok: true });\n');
  return dir;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface CfnResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly deletionPolicy: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The template's resources, optionally of one type. */
export function resources(template: unknown, type?: string): CfnResource[] {
  if (!isRecord(template) || !isRecord(template['Resources'])) throw new Error('not a CloudFormation template');
  return Object.entries(template['Resources'])
    .map(([logicalId, r]) => {
      if (!isRecord(r) || typeof r['Type'] !== 'string') throw new Error(`resource ${logicalId} has no Type`);
      return {
        logicalId,
        type: r['Type'],
        properties: isRecord(r['Properties']) ? r['Properties'] : {},
        deletionPolicy: r['DeletionPolicy'],
      };
    })
    .filter((r) => type === undefined || r.type === type);
}

/** The one resource of a type matching `where`; fails loudly on none or several. */
export function only(template: unknown, type: string, where: (r: CfnResource) => boolean = () => true): CfnResource {
  const found = resources(template, type).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [first] = found;
  if (first === undefined) throw new Error('unreachable');
  return first;
}

/**
 * Renders intrinsic functions as readable strings: `{Ref: X}` → `${X}`,
 * `Fn::GetAtt [A, B]` → `${A.B}`, `Fn::Join` joined. Lets tests compare ARNs as text.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value)) {
    const ref = value['Ref'];
    if (typeof ref === 'string') return `\${${ref}}`;
    const att = value['Fn::GetAtt'];
    if (Array.isArray(att)) return `\${${att.map(String).join('.')}}`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(render).join(join[0]);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

export interface Statement {
  readonly where: string;
  readonly effect: unknown;
  readonly actions: string[];
  readonly resources: string[];
  readonly principal: unknown;
  readonly condition: unknown;
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every policy statement in the template: IAM policies, roles, topic and queue policies. */
export function statements(template: unknown): Statement[] {
  const out: Statement[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${where}[${i}]`));
      return;
    }
    if (!isRecord(node)) return;
    if ('Statement' in node && Array.isArray(node['Statement'])) {
      for (const s of node['Statement']) {
        if (!isRecord(s)) continue;
        out.push({
          where,
          effect: s['Effect'],
          actions: asList(s['Action'] ?? s['NotAction']).map(String),
          resources: asList(s['Resource']).map(render),
          principal: s['Principal'],
          condition: s['Condition'],
        });
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) visit(v, `${where}.${k}`);
  };
  for (const r of resources(template)) visit(r.properties, r.logicalId);
  return out;
}
