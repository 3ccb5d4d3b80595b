/** The PagerDuty Events API v2 stand-in now lives in src/sandbox (the sandbox's PagerDuty inbox); tests keep importing it from here. */
export * from '../../src/sandbox/pagerduty-inbox.js';
