// A JSON Schema (2020-12) of a STIX 2.1 bundle of Indicators, written from the STIX 2.1 OASIS
// Standard: common properties (3.2), property names (3.1), timestamps (3.3), identifiers (2.9),
// the Indicator SDO (4.7), custom properties (11.1) and the Bundle (8). Every property the
// specification requires is required here, with its type and format; the rules a schema cannot
// say (modified >= created, valid_until > valid_from, pattern syntax) are checked by stixProblems().
import Ajv2020 from 'ajv/dist/2020.js';

const TIMESTAMP = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?Z$';
const TIMESTAMP_MILLIS = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)\\.\\d{3}Z$';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';

export const STIX21_BUNDLE_OF_INDICATORS = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $defs: {
    timestamp: { type: 'string', pattern: TIMESTAMP },
    timestampMillis: { type: 'string', pattern: TIMESTAMP_MILLIS },
    identifier: { type: 'string', pattern: `^[a-z][a-z0-9-]+[a-z0-9]--${UUID}$` },
    stringList: { type: 'array', items: { type: 'string' }, minItems: 1 },
    killChainPhase: {
      type: 'object', required: ['kill_chain_name', 'phase_name'],
      properties: { kill_chain_name: { type: 'string' }, phase_name: { type: 'string' } },
    },
    externalReference: { type: 'object', required: ['source_name'], properties: { source_name: { type: 'string' } } },
    indicator: {
      type: 'object',
      required: ['type', 'spec_version', 'id', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from'],
      // Property names: lowercase ASCII letters, digits and underscore (3.1); a custom one 3 to 250 long (11.1).
      propertyNames: { anyOf: [{ enum: ['id', 'type'] }, { pattern: '^[a-z0-9_]{3,250}$' }] },
      properties: {
        type: { const: 'indicator' },
        spec_version: { const: '2.1' },
        id: { allOf: [{ $ref: '#/$defs/identifier' }, { type: 'string', pattern: '^indicator--' }] },
        created: { $ref: '#/$defs/timestampMillis' },
        modified: { $ref: '#/$defs/timestampMillis' },
        created_by_ref: { allOf: [{ $ref: '#/$defs/identifier' }, { type: 'string', pattern: '^identity--' }] },
        revoked: { type: 'boolean' },
        labels: { $ref: '#/$defs/stringList' },
        confidence: { type: 'integer', minimum: 0, maximum: 100 },
        lang: { type: 'string' },
        external_references: { type: 'array', items: { $ref: '#/$defs/externalReference' } },
        object_marking_refs: { type: 'array', items: { allOf: [{ $ref: '#/$defs/identifier' }, { type: 'string', pattern: '^marking-definition--' }] } },
        name: { type: 'string' },
        description: { type: 'string' },
        indicator_types: { $ref: '#/$defs/stringList' },
        pattern: { type: 'string', minLength: 1 },
        pattern_type: { type: 'string', minLength: 1 },
        pattern_version: { type: 'string' },
        valid_from: { $ref: '#/$defs/timestamp' },
        valid_until: { $ref: '#/$defs/timestamp' },
        kill_chain_phases: { type: 'array', items: { $ref: '#/$defs/killChainPhase' } },
      },
    },
  },
  type: 'object',
  required: ['type', 'id'],
  properties: {
    type: { const: 'bundle' },
    id: { allOf: [{ $ref: '#/$defs/identifier' }, { type: 'string', pattern: '^bundle--' }] },
    objects: { type: 'array', minItems: 1, items: { $ref: '#/$defs/indicator' } },
    // STIX 2.1 bundles carry no spec_version (it moved to the objects).
    spec_version: false,
  },
} as const;

const Ajv = Ajv2020 as unknown as typeof Ajv2020.default;
const validate = new Ajv({ allErrors: true, strict: true }).compile(STIX21_BUNDLE_OF_INDICATORS);

/** STIX patterning comparison expressions the exporter produces (STIX 2.1, 9). */
const PATTERN = /^\[(ipv4-addr:value|ipv6-addr:value|domain-name:value|url:value|file:hashes\.MD5) = '(?:[^'\\]|\\['\\])*'\]$/;

/** Everything wrong with a bundle: schema errors, then the specification's cross-property rules. */
export function stixProblems(bundle: unknown): string[] {
  const out: string[] = [];
  if (!validate(bundle)) for (const e of validate.errors ?? []) out.push(`${e.instancePath || '/'} ${e.message}`);
  const objects = (bundle as { objects?: Record<string, string>[] })?.objects ?? [];
  objects.forEach((o, i) => {
    if (o.modified < o.created) out.push(`/objects/${i} modified is before created`);
    if (o.valid_until && !(o.valid_until > o.valid_from)) out.push(`/objects/${i} valid_until is not after valid_from`);
    if (o.pattern_type === 'stix' && !PATTERN.test(o.pattern ?? '')) out.push(`/objects/${i} pattern ${JSON.stringify(o.pattern)} is not a comparison expression`);
  });
  const ids = objects.map((o) => o.id);
  if (new Set(ids).size !== ids.length) out.push('an object id appears twice');
  return out;
}
