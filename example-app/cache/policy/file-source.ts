import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { HerdguardError, PolicyInvalidError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { parsePolicyDocument } from './load.js';
import { PolicyReloadError, type PolicyReloadReason, type PolicySource, type PolicyUpdate } from './source.js';

export interface FilePolicySourceOptions {
  readonly path: string;
  readonly logger?: Logger;
  /** Called for every refused update; the service counts it. */
  readonly onError?: (reason: PolicyReloadReason, err: unknown) => void;
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
  private lastText: string | undefined;
  private reading: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly opts: FilePolicySourceOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  async start(onUpdate: (u: PolicyUpdate) => void): Promise<void> {
    const first = await this.readOnce();
    if (first === undefined) {
      throw new HerdguardError('E_POLICY_FILE', `cannot read policy file ${this.opts.path}`, { path: this.opts.path });
    }
    onUpdate(first);
    const reload = () => {
      // Chain reads so two quick changes are applied in order, never concurrently.
      this.reading = this.reading.then(async () => {
        const u = await this.readOnce();
        if (u) onUpdate(u);
      });
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
  }

  /** The update in the file if it parses and differs from the last one applied. */
  private async readOnce(): Promise<PolicyUpdate | undefined> {
    let text: string;
    try {
      text = await readFile(this.opts.path, 'utf8');
    } catch (err) {
      this.refuse(PolicyReloadError.Unreadable, err);
      return undefined;
    }
    if (text === this.lastText) return undefined;
    try {
      const parsed = parsePolicyDocument(text);
      this.lastText = text;
      return parsed;
    } catch (err) {
      this.lastText = text; // do not log the same bad content every poll
      this.refuse(err instanceof PolicyInvalidError ? PolicyReloadError.Invalid : PolicyReloadError.Unreadable, err);
      return undefined;
    }
  }

  private refuse(reason: PolicyReloadReason, err: unknown): void {
    this.logger.error('policy update refused; the last good policy stays in force', {
      path: this.opts.path,
      reason,
      problems: err instanceof PolicyInvalidError ? err.problems : undefined,
      err,
    });
    this.opts.onError?.(reason, err);
  }
}
