/**
 * The CachePolicy CustomResourceDefinition, built from the one spec schema in
 * lib/3-policy/schema.ts plus the status the operator writes. crds/generate.ts
 * writes it to crds/herdguard.io_cachepolicies.yaml; a test fails if the two drift.
 */
import { rulesAt } from './rules.js';
import { cachePolicySpecSchema, type JSONSchema } from './schema.js';

export const GROUP = 'herdguard.io';
export const VERSION = 'v1alpha1';
export const KIND = 'CachePolicy';
export const PLURAL = 'cachepolicies';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

const str = (description: string, extra: JSONSchema = {}): JSONSchema => ({ type: 'string', description, ...extra });
const int = (description: string): JSONSchema => ({ type: 'integer', format: 'int64', minimum: 0, description });

/** metav1.Condition, as the API conventions define it. */
const conditionSchema: JSONSchema = {
  type: 'object',
  description: 'One aspect of the policy state (metav1.Condition).',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: str('Ready, PolicyApplied, RedisAvailable or Degraded.', { maxLength: 316 }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: int('The .metadata.generation the condition was computed from.'),
    lastTransitionTime: str('When status last changed.', { format: 'date-time' }),
    reason: str('CamelCase reason; the documented constants are in operator/reasons.ts and the runbooks.', {
      maxLength: 1024,
      minLength: 1,
    }),
    message: str('Human-readable detail.', { maxLength: 32768 }),
  },
};

export const cachePolicyStatusSchema: JSONSchema = {
  type: 'object',
  description: 'What the operator observed and did. Written by the operator only.',
  properties: {
    observedGeneration: int('The .metadata.generation the operator last reconciled.'),
    conditions: {
      type: 'array',
      maxItems: 16,
      description: 'Ready, PolicyApplied, RedisAvailable and Degraded.',
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    configMap: str('Name of the ConfigMap holding the rendered policy (key policy.json).'),
    targets: {
      type: 'object',
      description: 'Pods of the target workload and how many run the current generation.',
      properties: {
        desired: int('Replicas the target workload asks for.'),
        applied: int('Ready target pods whose herdguard.io/applied-generation annotation names the current generation.'),
      },
    },
    redis: {
      type: 'object',
      description: 'Redis primary and promotion history (standalone) or the observed cluster (cluster), kept by the failover controller.',
      properties: {
        primary: str('Pod currently acting as the Redis primary.'),
        lastPromotion: str('When a replica was last promoted.', { format: 'date-time' }),
        promotions: int('Promotions performed so far.'),
        failover: {
          type: 'object',
          description: 'In-progress failover state, owned by the failover controller.',
          'x-kubernetes-preserve-unknown-fields': true,
        },
        cluster: {
          type: 'object',
          description: 'With spec.redis.mode cluster: what the operator last observed of the Redis Cluster (it never promotes one).',
          properties: {
            reason: str('ClusterOk, ClusterDegraded or ClusterDown (operator/reasons.ts).', { maxLength: 64 }),
            message: str('What the operator saw, in words.', { maxLength: 4096 }),
            state: str('cluster_state of the healthiest node: ok or fail.', { enum: ['ok', 'fail'] }),
            slotsAssigned: int('cluster_slots_assigned of that node (16384 when every slot has a node).'),
            slotsOk: int('cluster_slots_ok of that node.'),
            slotsPfail: int('cluster_slots_pfail of that node: slots whose node it alone suspects.'),
            slotsFail: int('cluster_slots_fail of that node: slots whose node a majority declared failed.'),
            knownNodes: int('cluster_known_nodes of that node.'),
            size: int('cluster_size of that node: primaries serving slots.'),
            nodes: int('Redis pods of the StatefulSet.'),
            answering: int('Pods that answered the last probe.'),
            primaries: {
              type: 'array',
              maxItems: 256,
              description: 'Pods answering as primaries.',
              items: { type: 'string', maxLength: 253 },
            },
          },
        },
      },
    },
    hotKeys: {
      type: 'array',
      maxItems: 20,
      description: 'The hottest keys the services report, hottest first.',
      items: { type: 'string', maxLength: 256 },
    },
  },
};

/** apiextensions v1 forbids additionalProperties beside properties; the API server prunes unknown fields instead. */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'additionalProperties' && v === false) continue;
    out[k] = k === 'default' || k === 'enum' ? v : structural(v);
  }
  return out;
}

const column = (name: string, jsonPath: string, type: string, description: string, priority = 0) => ({
  name,
  type,
  jsonPath,
  description,
  ...(priority ? { priority } : {}),
});

export function buildCachePolicyCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/part-of': 'herdguard' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'cachepolicy',
        shortNames: ['cpol'],
        categories: ['herdguard', 'all'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            column('Target', '.spec.targetRef.name', 'string', 'The workload whose pods apply the policy.'),
            column('Desired', '.status.targets.desired', 'integer', 'Target pods wanted.'),
            column('Applied', '.status.targets.applied', 'integer', 'Target pods running the current generation.'),
            column('Redis primary', '.status.redis.primary', 'string', 'Pod acting as the Redis primary.'),
            column('Ready', '.status.conditions[?(@.type=="Ready")].status', 'string', 'Rendered and applied everywhere.'),
            column('Reason', '.status.conditions[?(@.type=="Ready")].reason', 'string', 'Why Ready is what it is.', 1),
            column('Age', '.metadata.creationTimestamp', 'date', 'Time since creation.'),
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'CachePolicy tells the services of one workload how to cache: TTLs, jitter, coalescing, early refresh, ' +
                'stale serving, hot keys, origin protection, warmup and Redis failover. Changes apply live, without restarts.',
              required: ['spec'],
              // CEL at the root may read metadata.name, which the operator renders into a label.
              'x-kubernetes-validations': rulesAt('root'),
              properties: {
                apiVersion: str('Versioned schema of this object.'),
                kind: str('REST resource this object represents.'),
                metadata: { type: 'object' },
                spec: structural(cachePolicySpecSchema),
                status: cachePolicyStatusSchema,
              },
            },
          },
        },
      ],
    },
  };
}
