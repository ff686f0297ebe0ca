/*
 * The rule catalog and its evaluation: daily billing facts in, candidate findings out.
 * Persistence, lifecycle and HTTP live in the findings module around it.
 */
export { findRule, ruleCatalog } from './catalog/index.js';
export { evaluateRules, ruleContext } from './rules.evaluate.js';
export {
  countedCandidates,
  dedupedMonthlySavings,
  mergeThresholds,
  resourceKey,
  sumDecimals,
  thresholdErrors,
  type AnyRule,
} from './rules.fns.js';
export type * from './rules.types.js';
