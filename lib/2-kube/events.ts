/** Records core/v1 Events about an object, as `kubectl describe` shows them. */
import type { KubeClient } from './client.js';
import { apiVersionOf, resources, type KubeObject, type Resource } from './resources.js';

export interface EventRecorder {
  record(res: Resource, obj: KubeObject, e: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void>;
}

export function eventRecorder(client: KubeClient, component: string, instance: string, now: () => number): EventRecorder {
  return {
    async record(res, obj, e) {
      const ts = new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const namespace = obj.metadata.namespace ?? 'default';
      await client.create({ res: resources.events, namespace }, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${obj.metadata.name}.`, namespace },
        involvedObject: {
          apiVersion: apiVersionOf(res),
          kind: res.kind,
          name: obj.metadata.name,
          namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        type: e.type,
        reason: e.reason,
        message: e.message.slice(0, 1024),
        source: { component },
        reportingComponent: component,
        reportingInstance: instance,
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
      });
    },
  };
}
