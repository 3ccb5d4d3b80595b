import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { incidentReaderFromConsole, PagerDutyIncidentReader } from '../../src/aws/incidents.js';
import { SecretResolver } from '../../src/config/secrets.js';
import { ConfigError, PagerDutyApiError, SecretError } from '../../src/errors.js';
import { startPagerDutyRestServer, type FakeIncident, type PagerDutyRestServer } from '../support/pagerduty-rest-server.js';

const TOKEN = 'u+test-rest-api-key-0123';

function incident(i: number, status: FakeIncident['status'] = 'triggered'): FakeIncident {
  return {
    id: `P${String(i).padStart(5, '0')}`,
    title: `tripline-web-dlq-depth in ALARM (${i})`,
    status,
    urgency: 'high',
    created_at: new Date(Date.UTC(2026, 0, 15, 10, 0, i)).toISOString(),
    html_url: `https://example.pagerduty.com/incidents/P${i}`,
    incident_key: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-web-dlq-depth-${i}`,
    service: { id: 'PSVC', summary: 'Tracking pipeline' },
  };
}

describe('PagerDutyIncidentReader', () => {
  let pd: PagerDutyRestServer;
  const secrets = new SecretResolver({ env: { PAGERDUTY_API_TOKEN: TOKEN } });
  const reader = (): PagerDutyIncidentReader => new PagerDutyIncidentReader({ apiUrl: pd.url, token: { env: 'PAGERDUTY_API_TOKEN' }, secrets });

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    pd = await startPagerDutyRestServer({ token: TOKEN });
  });
  afterAll(async () => {
    await pd.close();
    nock.enableNetConnect();
  });
  afterEach(() => {
    pd.incidents.length = 0;
    pd.requests.length = 0;
  });

  it('lists triggered and acknowledged incidents across pages of 100', async () => {
    pd.incidents.push(...Array.from({ length: 230 }, (_, i) => incident(i, i % 3 === 0 ? 'acknowledged' : 'triggered')));
    pd.incidents.push(incident(999, 'resolved'));

    const open = await reader().open();

    expect(open).toHaveLength(230);
    expect(open[1]).toEqual({
      id: 'P00001',
      title: 'tripline-web-dlq-depth in ALARM (1)',
      status: 'triggered',
      urgency: 'high',
      createdAt: new Date(Date.UTC(2026, 0, 15, 10, 0, 1)),
      url: 'https://example.pagerduty.com/incidents/P1',
      service: 'Tracking pipeline',
      dedupKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-web-dlq-depth-1',
    });
    expect(open[0]?.status).toBe('acknowledged');
    expect(pd.requests.map((r) => `${r.method} ${r.path} ${r.query.getAll('statuses[]').join(',')} ${r.query.get('limit')} ${r.query.get('offset')}`)).toEqual([
      'GET /incidents triggered,acknowledged 100 0',
      'GET /incidents triggered,acknowledged 100 100',
      'GET /incidents triggered,acknowledged 100 200',
    ]);
    expect(pd.requests[0]?.headers.accept).toBe('application/vnd.pagerduty+json;version=2');
  });

  it('answers an empty list when nothing is open', async () => {
    expect(await reader().open()).toEqual([]);
    expect(pd.requests).toHaveLength(1);
  });

  it('says the token was rejected on 401, without showing it', async () => {
    const wrong = new PagerDutyIncidentReader({ apiUrl: pd.url, token: { value: 'not-the-key' }, secrets });
    const error = await wrong.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyApiError);
    expect((error as PagerDutyApiError).status).toBe(401);
    expect((error as PagerDutyApiError).message).toMatch(/^PagerDuty API token rejected \(HTTP 401\); check console\.pagerdutyApiToken/);
    expect((error as PagerDutyApiError).message).not.toContain('not-the-key');
  });

  it.each([
    [429, /rate limiting this token \(HTTP 429\); the next refresh retries/],
    [503, /answered HTTP 503: Internal Server Error; the next refresh retries/],
  ])('explains HTTP %i', async (status, message) => {
    pd.failNext(status);
    const error = await reader().open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyApiError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('names the URL when PagerDuty cannot be reached', async () => {
    const gone = new PagerDutyIncidentReader({ apiUrl: 'http://127.0.0.1:1', token: { env: 'PAGERDUTY_API_TOKEN' }, secrets });
    await expect(gone.open()).rejects.toThrow('could not reach the PagerDuty API at http://127.0.0.1:1 (ECONNREFUSED); check the network and console.pagerdutyApiUrl');
  });

  it('says which setting to fix when the token is not set', async () => {
    const unset = new PagerDutyIncidentReader({ apiUrl: pd.url, token: { env: 'PD_TOKEN_UNSET' }, secrets: new SecretResolver({ env: {} }) });
    await expect(unset.open()).rejects.toThrow(SecretError);
    await expect(unset.open()).rejects.toThrow('console.pagerdutyApiToken: environment variable PD_TOKEN_UNSET is not set; set PD_TOKEN_UNSET');
    expect(pd.requests).toEqual([]);
  });

  it('is built from the console section only when a token is configured', () => {
    expect(incidentReaderFromConsole({ pagerdutyApiUrl: 'https://api.pagerduty.com' }, secrets)).toBeUndefined();
    expect(incidentReaderFromConsole({ pagerdutyApiUrl: pd.url, pagerdutyApiToken: { env: 'X' } }, secrets)).toBeInstanceOf(PagerDutyIncidentReader);
    expect(() => incidentReaderFromConsole({ pagerdutyApiUrl: 'api.pagerduty.com', pagerdutyApiToken: { env: 'X' } }, secrets)).toThrow(ConfigError);
  });
});
