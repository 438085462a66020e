import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { ConnectorDeps, ConnectorType } from '../../src/connectors/connector.ts';
import { configJsonSchema } from '../../src/connectors/json-schema.ts';

/** What an implementation hands the connector contract. */
export interface ConnectorContractSetup {
  type: ConnectorType;
  /** Settings test() accepts (ok: true); for a model-only type, any valid settings. */
  goodConfig: Record<string, unknown>;
  /** Each must be rejected with an issue on `field` (dotted path). */
  badConfigs: Array<{ config: Record<string, unknown>; field: string }>;
  /** Valid settings whose test() must answer ok: false (nothing listening, wrong password...). */
  unreachableConfig?: Record<string, unknown>;
  deps: ConnectorDeps;
  cleanup?: () => Promise<void>;
}

/** Names that hold secrets wherever they appear; each such field must be declared secret. */
const secretLooking = /password|secret|private.?key|passphrase|token/i;

function secretValues(type: ConnectorType, config: Record<string, unknown>): string[] {
  return type.secretFields.map((f) => config[f]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The rules every connector type follows (settings, secrets, JSON Schema, test(), close()).
 * Call it from each type's own test file; a type is done when this suite passes.
 */
export function connectorContract(name: string, make: () => Promise<ConnectorContractSetup>): void {
  describe(`connector contract: ${name}`, () => {
    let setup: ConnectorContractSetup;
    before(async () => {
      setup = await make();
    });
    after(async () => {
      await setup?.cleanup?.();
    });

    const parse = (config: Record<string, unknown>) => setup.type.config.safeParse(config);

    test('the good settings parse', () => {
      const result = parse(setup.goodConfig);
      assert.ok(result.success, result.error?.message);
    });

    test('each bad setting is rejected, naming its field', () => {
      for (const { config, field } of setup.badConfigs) {
        const result = parse(config);
        assert.ok(!result.success, `accepted ${JSON.stringify(config)}`);
        const fields = result.error.issues.map((i) => i.path.join('.'));
        assert.ok(fields.includes(field), `expected an issue on '${field}', got ${JSON.stringify(fields)}`);
      }
    });

    test('unknown keys are rejected', () => {
      const result = parse({ ...setup.goodConfig, notASetting: 1 });
      assert.ok(!result.success);
      assert.ok(result.error.issues.some((i) => i.code === 'unrecognized_keys'));
    });

    test('secret fields are declared, exist, and cover every secret-looking field', () => {
      const properties = (configJsonSchema(setup.type).properties ?? {}) as Record<string, unknown>;
      for (const field of setup.type.secretFields) assert.ok(field in properties, `secret '${field}' not in schema`);
      for (const field of Object.keys(properties)) {
        if (secretLooking.test(field)) assert.ok(setup.type.secretFields.includes(field), `'${field}' not secret`);
      }
    });

    test('the JSON Schema is an object form with secrets masked', () => {
      const schema = configJsonSchema(setup.type);
      assert.equal(schema.type, 'object');
      assert.equal(schema.additionalProperties, false);
      const properties = schema.properties as Record<string, Record<string, unknown>>;
      for (const field of setup.type.secretFields) {
        assert.equal(properties[field]?.writeOnly, true);
        assert.equal(properties[field]?.format, 'password');
      }
      assert.doesNotThrow(() => JSON.stringify(schema));
    });

    test('test() on the good settings', async () => {
      const config = setup.type.config.parse(setup.goodConfig);
      const connector = setup.type.create(config, setup.deps);
      try {
        const result = await connector.test(AbortSignal.timeout(20_000));
        if (setup.type.testable) assert.equal(result.ok, true, result.message);
        else assert.deepEqual([result.ok, /^not supported yet: arrives with /.test(result.message)], [false, true]);
      } finally {
        await connector.close();
      }
    });

    test('test() on unreachable settings is ok: false and leaks no secret', async (t) => {
      if (!setup.unreachableConfig) return t.skip('this type has nothing to be unreachable');
      const config = setup.type.config.parse(setup.unreachableConfig);
      const connector = setup.type.create(config, setup.deps);
      try {
        const result = await connector.test(AbortSignal.timeout(20_000));
        assert.equal(result.ok, false);
        assert.ok(result.message.length > 0);
        const shown = result.message + JSON.stringify(result.details ?? {});
        for (const secret of secretValues(setup.type, config)) assert.ok(!shown.includes(secret), 'secret leaked');
      } finally {
        await connector.close();
      }
    });

    test('test() honours an already-aborted signal quickly', async () => {
      const connector = setup.type.create(setup.type.config.parse(setup.goodConfig), setup.deps);
      try {
        const started = performance.now();
        const result = await connector.test(AbortSignal.abort());
        assert.equal(result.ok, false);
        assert.ok(performance.now() - started < 2000, 'took 2 s or more');
      } finally {
        await connector.close();
      }
    });

    test('close() is idempotent, used or not', async () => {
      const config = setup.type.config.parse(setup.goodConfig);
      const unused = setup.type.create(config, setup.deps);
      await unused.close();
      await unused.close();
      const used = setup.type.create(config, setup.deps);
      await used.test(AbortSignal.timeout(20_000));
      await used.close();
      await used.close();
    });
  });
}
