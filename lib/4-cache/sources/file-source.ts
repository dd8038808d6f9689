import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { HerdguardError } from '../../1-ground/errors.js';
import { silentLogger, type Logger } from '../../1-ground/log.js';
import { PolicyOutcomes } from '../../3-policy/outcomes.js';
import { PolicyReloadError, type PolicyReloadReason, type PolicyReporter, type PolicySource, type PolicyUpdate } from '../../3-policy/source.js';

export interface FilePolicySourceOptions {
  readonly path: string;
  readonly logger?: Logger;
  /** Called for every refused update; the service counts it. */
  readonly onError?: (reason: PolicyReloadReason, err: unknown) => void;
  /** Tells the operator which generation this process applied or refused. */
  readonly reporter?: PolicyReporter;
  /** Safety net for filesystems where change events get lost: re-read this often. */
  readonly pollIntervalMs?: number;
}

/**
 * Watches a policy file (JSON or YAML). The directory is watched rather than the file,
 * because Kubernetes updates a mounted ConfigMap by swapping a symlink, and editors
 * save by rename: a watch on the old inode would go quiet.
 */
export class FilePolicySource implements PolicySource {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  private readonly outcomes: PolicyOutcomes;

  constructor(private readonly opts: FilePolicySourceOptions) {
    this.logger = (opts.logger ?? silentLogger).child({ path: opts.path });
    this.outcomes = new PolicyOutcomes({ logger: this.logger, onError: opts.onError, reporter: opts.reporter });
  }

  /** Rejects with E_POLICY_FILE when the first policy is unreadable, invalid or refused by onUpdate. */
  async start(onUpdate: (u: PolicyUpdate) => void): Promise<void> {
    const first = await this.readOnce();
    if (first === undefined || !this.outcomes.apply(first, onUpdate)) {
      await this.outcomes.flush();
      throw new HerdguardError('E_POLICY_FILE', `no applicable policy in ${this.opts.path}; see the refusal logged before`, { path: this.opts.path });
    }
    const reload = () => {
      // Chain reads so two quick changes are applied in order, never concurrently.
      this.reading = this.reading
        .then(async () => {
          const u = await this.readOnce();
          if (u) this.outcomes.apply(u, onUpdate);
        })
        .catch((err: unknown) => this.logger.error('policy reload failed unexpectedly; the next change retries', { err }));
    };
    this.watcher = watch(dirname(this.opts.path), (_event, name) => {
      if (name !== null && name !== basename(this.opts.path) && !name.startsWith('..')) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(reload, 50);
    });
    this.watcher.on('error', (err) => this.logger.warn('policy file watch failed; polling continues', { err }));
    this.poll = setInterval(reload, this.opts.pollIntervalMs ?? 2000);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    await this.reading;
    await this.outcomes.flush();
  }

  /** The update in the file if it parses and differs from the last one read. */
  private async readOnce(): Promise<PolicyUpdate | undefined> {
    let text: string;
    try {
      text = await readFile(this.opts.path, 'utf8');
    } catch (err) {
      this.outcomes.refuse(PolicyReloadError.Unreadable, err, null);
      return undefined;
    }
    return this.outcomes.parseNew(text);
  }
}
