/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * Where the chart's credentials come from and where they go (docs/adr/0009): one Secret key
 * per Redis ACL user and one for the PostgreSQL application role, referenced by name and key
 * from every consumer, never rendered into a URL or an env value, the same on every render,
 * and never invented by the chart.
 */
import { describe, expect, it } from 'vitest';
import { find, render, renderError, renderText, TEST_CREDENTIALS, type Rendered } from './helm.js';

const n = (c: string) => `hg-herdguard-${c}`;
const env = (d: Rendered) => d.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
const envVar = (d: Rendered, name: string) => env(d).find((e) => e.name === name);
const decoded = (s: Rendered) => Object.fromEntries(Object.entries(s['data'] as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
const passwords = TEST_CREDENTIALS.redis.auth.passwords;

describe('the Redis credentials', () => {
  const docs = render();

  it('are one Secret key per ACL user, from the values', () => {
    expect(decoded(find(docs, 'Secret', `${n('redis')}-auth`))).toEqual({
      'services-password': passwords.services,
      'operator-password': passwords.operator,
      'replication-password': passwords.replication,
      'probe-password': passwords.probe,
    });
  });

  it('reach the services as hg-services and the operator as hg-operator, by Secret reference, with a REDIS_URL without credentials', () => {
    for (const [name, user, key] of [
      [n('profile'), 'hg-services', 'services-password'],
      [n('market-data'), 'hg-services', 'services-password'],
      [n('operator'), 'hg-operator', 'operator-password'],
    ] as const) {
      const d = find(docs, 'Deployment', name);
      expect(envVar(d, 'REDIS_USERNAME')?.value, name).toBe(user);
      expect(envVar(d, 'REDIS_PASSWORD')?.valueFrom, name).toEqual({ secretKeyRef: { name: `${n('redis')}-auth`, key } });
    }
    for (const svc of ['profile', 'market-data']) {
      expect(envVar(find(docs, 'Deployment', n(svc)), 'REDIS_URL')?.value).toBe(`redis://${n('redis')}-primary.shop.svc:6379`);
    }
    expect(envVar(find(docs, 'Deployment', n('operator')), 'REDIS_URL')).toBeUndefined();
  });

  it('reach the Redis pods as one file per user from the Secret, readable by the redis group only, never as env', () => {
    const sts = find(docs, 'StatefulSet', n('redis'));
    const vol = sts.spec.template.spec.volumes.find((v: any) => v.name === 'auth');
    expect(vol.secret).toEqual({
      secretName: `${n('redis')}-auth`,
      defaultMode: 0o440,
      items: [
        { key: 'services-password', path: 'hg-services' },
        { key: 'operator-password', path: 'hg-operator' },
        { key: 'replication-password', path: 'hg-replication' },
        { key: 'probe-password', path: 'hg-probe' },
      ],
    });
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'auth', mountPath: '/run/secrets/redis', readOnly: true });
    expect(env(sts).some((e) => e.valueFrom?.secretKeyRef)).toBe(false);
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => sts.spec.template.spec.containers[0][p].exec.command.join(' '));
    for (const p of probes) expect(p).toContain('REDISCLI_AUTH="$(cat /run/secrets/redis/hg-probe)" redis-cli --no-auth-warning --user hg-probe');
  });

  it('appear in no rendered object but their Secret', () => {
    const outside = renderText()
      .split('\n---')
      .filter((doc) => !/^kind: Secret$/m.test(doc))
      .join('\n');
    for (const pw of [...Object.values(passwords), TEST_CREDENTIALS.postgresql.auth.password]) expect(outside).not.toContain(pw);
  });

  it('render the same on every `helm template` (nothing random)', () => {
    expect(renderText()).toBe(renderText());
  });

  it('come from an existing Secret, under the keys given, with no Secret rendered and no password needed', () => {
    const mine = render({
      credentials: false,
      values: {
        redis: { auth: { existingSecret: 'my-redis', secretKeys: { services: 'svc' } } },
        postgresql: { auth: { existingSecret: 'my-pg', existingSecretKey: 'app' } },
      },
    });
    expect(mine.filter((d) => d.kind === 'Secret')).toEqual([]);
    expect(envVar(find(mine, 'Deployment', n('profile')), 'REDIS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'my-redis', key: 'svc' } });
    expect(envVar(find(mine, 'Deployment', n('operator')), 'REDIS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'my-redis', key: 'operator-password' } });
    expect(envVar(find(mine, 'Deployment', n('profile')), 'PGPASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'my-pg', key: 'app' } });
    const vol = find(mine, 'StatefulSet', n('redis')).spec.template.spec.volumes.find((v: any) => v.name === 'auth');
    expect(vol.secret.secretName).toBe('my-redis');
    expect(vol.secret.items[0]).toEqual({ key: 'svc', path: 'hg-services' });
  });

  it('are required without an existing Secret: the chart never invents one, and says which value to set', () => {
    const err = renderError({ credentials: false });
    expect(err).toContain('redis.auth.passwords.services is required when redis.auth.existingSecret is empty');
    expect(err).toContain('openssl rand');
    expect(renderError({ credentials: false, values: { redis: TEST_CREDENTIALS.redis } })).toContain('postgresql.auth.password is required');
  });

  it('refuse a control character (a trailing newline) without showing the password', () => {
    const err = renderError({ values: { redis: { auth: { passwords: { probe: 'secret-probe\n' } } } } });
    expect(err).toContain('redis.auth.passwords.probe holds a control character');
    expect(err).not.toContain('secret-probe');
  });

  it('add the default user, its key and its all-commands rules only with redis.auth.defaultUser.enabled', () => {
    expect(find(docs, 'ConfigMap', `${n('redis')}-scripts`)['data']['users.acl']).not.toMatch(/^default /m);
    const on = render({ values: { redis: { auth: { defaultUser: { enabled: true }, passwords: { default: 'harness-pw' } } } } });
    expect(decoded(find(on, 'Secret', `${n('redis')}-auth`))['default-password']).toBe('harness-pw');
    expect(find(on, 'ConfigMap', `${n('redis')}-scripts`)['data']['users.acl']).toMatch(/^default ~\* &\* \+@all$/m);
    expect(find(on, 'StatefulSet', n('redis')).spec.template.spec.volumes.find((v: any) => v.name === 'auth').secret.items).toContainEqual({ key: 'default-password', path: 'default' });
  });

  it('restart the Redis pods when the rendered Secret changes (passwords enter redis.conf at start)', () => {
    const before = find(docs, 'StatefulSet', n('redis')).spec.template.metadata.annotations['checksum/auth'];
    const after = find(render({ values: { redis: { auth: { passwords: { services: 'rotated' } } } } }), 'StatefulSet', n('redis')).spec.template.metadata.annotations['checksum/auth'];
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });
});

describe('the PostgreSQL credentials', () => {
  const docs = render();

  it('are the application role\'s password in one Secret key', () => {
    expect(decoded(find(docs, 'Secret', `${n('postgresql')}-auth`))).toEqual({ 'postgres-password': TEST_CREDENTIALS.postgresql.auth.password });
  });

  it('reach profile and the seed Job as PGPASSWORD, with a DATABASE_URL naming the role only', () => {
    for (const d of [find(docs, 'Deployment', n('profile')), find(docs, 'Job', n('profile-seed'))]) {
      expect(envVar(d, 'DATABASE_URL')?.value).toBe(`postgres://profile@${n('postgresql')}.shop.svc:5432/profile`);
      expect(envVar(d, 'PGPASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: `${n('postgresql')}-auth`, key: 'postgres-password' } });
    }
  });

  it('bootstrap PostgreSQL with the superuser "postgres" and the init script that creates the application role', () => {
    const sts = find(docs, 'StatefulSet', n('postgresql'));
    expect(envVar(sts, 'POSTGRES_USER')?.value).toBe('postgres');
    expect(envVar(sts, 'APP_DB_USER')?.value).toBe('profile');
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
    expect(Object.keys(find(docs, 'ConfigMap', `${n('postgresql')}-initdb`)['data'])).toEqual(['10-app-role.sh']);
  });

  it('refuse "postgres", the superuser, as the application role', () => {
    expect(renderError({ set: { 'postgresql.auth.username': 'postgres' } })).toContain('/postgresql/auth/username');
  });
});
