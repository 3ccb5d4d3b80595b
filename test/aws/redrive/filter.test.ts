import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/aws/redrive/filter.js';
import { InputError } from '../../../src/errors.js';

const message = {
  body: JSON.stringify({ error: { code: 'TIMEOUT', retries: 3 }, app: { platform: 'ios', version: '2.3.1' }, items: [{ sku: 'a-1' }], ok: false, note: null }),
  messageAttributes: { errorType: { DataType: 'String', StringValue: 'ValidationError' }, count: { DataType: 'Number', StringValue: '7' } },
  attributes: { MessageGroupId: 'user-42', ApproximateReceiveCount: '2' },
};

describe('parseFilter', () => {
  it.each([
    ['body.error.code=TIMEOUT', true],
    ['body.error.code=timeout', false],
    ['body.error.retries=3', true],
    ['body.ok=false', true],
    ['body.note=null', true],
    ['body.items.0.sku=a-1', true],
    ['body.app.version~^2\\.3\\.', true],
    ['body.app.version~^3', false],
    ['body.missing=x', false],
    ['body.missing!=x', true],
    ['body.app.platform!=ios', false],
    ['body~"\\"platform\\":\\"ios\\""', true],
    ['body~platform.{3}ios', true],
    ['attr.errorType=ValidationError', true],
    ['attr.errorType~Timeout', false],
    ['attr.count=7', true],
    ['attr.absent!=1', true],
    ['sys.MessageGroupId=user-42', true],
    ['attr.errorType=ValidationError and body.app.platform=ios', true],
    ['attr.errorType=ValidationError AND body.app.platform=android', false],
    ['body.app.platform = ios and attr.count = 7', true],
    ['attr.errorType="ValidationError" and body.app.version="2.3.1"', true],
  ])('%s → %s', (expr, expected) => {
    expect(parseFilter(expr).matches(message)).toBe(expected);
  });

  it('keeps " and " inside a quoted value', () => {
    const f = parseFilter('body.note2="salt and pepper"');
    expect(f.matches({ ...message, body: JSON.stringify({ note2: 'salt and pepper' }) })).toBe(true);
  });

  it('treats a body that is not JSON as having no fields, but body~ still searches it', () => {
    const text = { ...message, body: 'plain text TIMEOUT' };
    expect(parseFilter('body.error.code=TIMEOUT').matches(text)).toBe(false);
    expect(parseFilter('body~TIMEOUT').matches(text)).toBe(true);
  });

  it.each([
    ['', /--filter is empty/],
    ['errorType=Timeout', /cannot read "errorType=Timeout".*expected body, body\.<path>, attr\.<Name> or sys\.<Name>/],
    ['attr.errorType~(unclosed', /"\(unclosed" is not a valid regular expression/],
    ['body.a..b=1', /"body\.a\.\.b" has an empty path segment/],
    ['attr.x=1 and', /ends with "and"/],
    ['attr.x="open', /unterminated quoted value/],
    ['attr.x~', /needs a regular expression/],
  ])('rejects %j with a clear message', (expr, message) => {
    expect(() => parseFilter(expr)).toThrow(InputError);
    expect(() => parseFilter(expr)).toThrow(message);
  });
});
