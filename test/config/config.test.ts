import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finops-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has working defaults for the embedded mode', () => {
    const config = loadConfig({ DATA_DIR: dir }, false);
    assert.equal(config.port, 5001);
    assert.equal(config.database.url, null);
    assert.equal(config.log.pretty, false);
    assert.ok(config.jwt.secret.length >= 32);
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig(
        {
          DATA_DIR: dir,
          PORT: 'eighty',
          DATABASE_URL: 'mysql://x',
          LOG_LEVEL: 'loud',
          SMTP_URL: 'http://x',
        },
        false,
      );
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.message;
      for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SMTP_URL']) {
        assert.match(text, new RegExp(name), `${name} is named`);
      }
    }
  });

  it('requires JWT_SECRET with a shared database or in production, never defaulting it', () => {
    assert.throws(
      () => loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://db/x' }, false),
      /JWT_SECRET/,
    );
    assert.throws(() => loadConfig({ DATA_DIR: dir, NODE_ENV: 'production' }, false), /JWT_SECRET/);
    assert.throws(() => loadConfig({ DATA_DIR: dir, JWT_SECRET: 'short' }, false), /JWT_SECRET/);
  });

  it('refuses to start in production with the auth rate limit switched off', () => {
    const secret = 'x'.repeat(48);
    const production = { DATA_DIR: dir, NODE_ENV: 'production', JWT_SECRET: secret };
    assert.throws(
      () => loadConfig({ ...production, RATE_LIMIT_DISABLED: 'true' }, false),
      /RATE_LIMIT_DISABLED.*AUTH_RATE_LIMIT_PER_MINUTE/,
    );
    assert.equal(loadConfig(production, false).rateLimitDisabled, false);
    const rig = loadConfig({ DATA_DIR: dir, NODE_ENV: 'test', RATE_LIMIT_DISABLED: 'true' }, false);
    assert.equal(rig.rateLimitDisabled, true);
  });

  it('generates the embedded signing key once, readable by the owner only', () => {
    const first = loadConfig({ DATA_DIR: dir }, false);
    const second = loadConfig({ DATA_DIR: dir }, false);
    assert.equal(first.jwt.secret, second.jwt.secret);
    const file = join(dir, 'jwt-secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first.jwt.secret);
  });

  it('uses pretty logs only for a terminal outside production', () => {
    assert.equal(loadConfig({ DATA_DIR: dir }, true).log.pretty, true);
    assert.equal(
      loadConfig({ DATA_DIR: dir, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }, true).log
        .pretty,
      false,
    );
    assert.equal(loadConfig({ DATA_DIR: dir, LOG_FORMAT: 'json' }, true).log.pretty, false);
  });
});
