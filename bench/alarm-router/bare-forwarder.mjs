// The reference for CPU per transition: the least any alarm forwarder must do —
// parse the delivered event, build one PagerDuty event, POST it with fetch.
// No validation, no routing, no convergence, no Slack.
// With BENCH_STUB_FETCH=1 the POST is answered in-process (the stubbed-network run).
const send =
  process.env.BENCH_STUB_FETCH === '1'
    ? async () => new Response('{"status":"success","message":"Event processed"}', { status: 202 })
    : fetch;

export async function handler(event) {
  const detail = event.detail;
  const body = {
    routing_key: process.env.PAGERDUTY_ROUTING_KEY,
    event_action: detail.state.value === 'ALARM' ? 'trigger' : 'resolve',
    dedup_key: `${event.account}/${event.region}/${detail.alarmName}`,
    payload: { summary: `${detail.state.value}: ${detail.alarmName}`, source: event.region, severity: 'critical' },
  };
  const res = await send(process.env.PAGERDUTY_EVENTS_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  return { status: res.status };
}
