/** The Slack Web API stand-in now lives in src/sandbox (the sandbox's Slack inbox); tests keep importing it from here. */
export * from '../../src/sandbox/slack-inbox.js';
