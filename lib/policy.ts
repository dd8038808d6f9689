/**
 * `herdguard/policy`: caches driven by a CachePolicy, the CRD's spec or a policy file (what
 * the operator renders, or one written by hand), and the file source that follows such a
 * file live. The same validation judges a CRD, a file and createCache()'s options.
 */
export { createCacheFromPolicy, type PolicyCache, type PolicyCacheOptions } from './4-cache/everyday/everyday-cache.js';
export { policyFromOptions } from './4-cache/everyday/to-policy.js';
export { keyspaceFor, parsePolicyDocument, parsePolicySpec, validatePolicySpec } from './3-policy/load.js';
export { FilePolicySource, type FilePolicySourceOptions } from './4-cache/sources/file-source.js';
export {
  PolicyReloadError,
  type PolicyIdentity,
  type PolicyOutcome,
  type PolicyReloadReason,
  type PolicyReporter,
  type PolicySource,
  type PolicyUpdate,
} from './3-policy/source.js';
export type { CachePolicy, FailoverPolicy, KeyspacePolicy, OriginPolicy, RedisMode, RenderedPolicy, WarmupPolicy } from './3-policy/types.js';
export { redisModeMismatch } from './3-policy/rendered.js';
export { PolicyInvalidError } from './1-ground/errors.js';
