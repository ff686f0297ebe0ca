import type { AnyRule } from '../rules.fns.js';
import { commitmentRules } from './commitments.rules.js';
import { computeRules } from './compute.rules.js';
import { governanceRules } from './governance.rules.js';
import { networkRules } from './network.rules.js';
import { storageRules } from './storage.rules.js';

/** Every rule, in the order the catalog API lists them. Ids are unique (a test checks). */
export const ruleCatalog: readonly AnyRule[] = [
  ...commitmentRules,
  ...computeRules,
  ...storageRules,
  ...networkRules,
  ...governanceRules,
];

const byId = new Map(ruleCatalog.map((rule) => [rule.id, rule]));

export function findRule(id: string): AnyRule | undefined {
  return byId.get(id);
}
