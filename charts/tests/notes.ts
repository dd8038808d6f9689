/**
 * The commands the chart's NOTES print, parsed so a test can run each one as a user would
 * paste it: plain kubectl commands, and "port-forward & sleep; curl [| grep]" lines.
 */

export interface KubectlCommand {
  readonly line: string;
  /** kubectl's arguments, without "kubectl". */
  readonly args: string[];
}

export interface PortForwardCommand extends KubectlCommand {
  readonly localPort: number;
  /** The URL curl fetches. */
  readonly url: string;
  /** The pattern piped to grep, when the line filters curl's output. */
  readonly grep?: string;
}

export interface NotesCommands {
  readonly kubectl: KubectlCommand[];
  readonly portForwards: PortForwardCommand[];
}

export class NotesFormatError extends Error {
  readonly code = 'E_NOTES_FORMAT';
  constructor(readonly line: string, reason: string) {
    super(`NOTES line ${JSON.stringify(line)}: ${reason}`);
    this.name = 'NotesFormatError';
  }
}

// kubectl … port-forward svc/x L:R & sleep N; curl -s localhost:L/path [| grep pattern]
const PORT_FORWARD = /^kubectl (.+ port-forward \S+ (\d+)(?::\d+)?) & sleep \d+; curl -s (localhost:(\d+)\/\S*)(?: \| grep (\S+))?$/;

export function parseNotes(notes: string): NotesCommands {
  const out: { kubectl: KubectlCommand[]; portForwards: PortForwardCommand[] } = { kubectl: [], portForwards: [] };
  for (const raw of notes.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('kubectl ')) continue;
    if (!line.includes(' port-forward ')) {
      if (/[&|;]/.test(line)) throw new NotesFormatError(line, 'a plain kubectl line must be one command');
      out.kubectl.push({ line, args: line.split(/\s+/).slice(1) });
      continue;
    }
    const m = PORT_FORWARD.exec(line);
    if (!m) throw new NotesFormatError(line, 'expected "kubectl … port-forward svc/x L[:R] & sleep N; curl -s localhost:L/path [| grep p]"');
    const [, pf, port, url, curlPort, grep] = m;
    if (port !== curlPort) throw new NotesFormatError(line, `curl calls port ${curlPort}, the port-forward listens on ${port}`);
    out.portForwards.push({ line, args: pf!.split(/\s+/), localPort: Number(port), url: `http://${url}`, ...(grep ? { grep } : {}) });
  }
  return out;
}
