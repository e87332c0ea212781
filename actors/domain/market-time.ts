/**
 * @module Market time only moves forward (DESIGN.md §8, "two clocks"): an input stamped earlier than what an actor has
 * already acted on is bad data — rejected, counted and shown — never a crash. The shape every actor reports it in.
 */

/** An input refused because its market time is before the latest one the actor has seen. */
export interface OlderInput {
  /** What was refused, e.g. `snapshot`, `surface`. */
  readonly input: string;
  /** Its market time, epoch ms. */
  readonly ts: number;
  /** The latest market time the actor had seen, epoch ms. */
  readonly lastTs: number;
}

/** True when `ts` is before `lastTs` (a repeat of the same instant is not older). */
export function isOlder(lastTs: number | null | undefined, ts: number): lastTs is number {
  return lastTs !== null && lastTs !== undefined && ts < lastTs;
}

/** One line for logs and skip details: what, both instants (ISO) and by how much. */
export function describeOlder(o: OlderInput): string {
  return `${o.input} at ${new Date(o.ts).toISOString()} is ${((o.lastTs - o.ts) / 1000).toFixed(3)} s older than the latest seen (${new Date(o.lastTs).toISOString()}): refused`;
}

/** The counter every actor counts refused older inputs in, labelled `actor` and `input` (deploy/ alerts on it). */
export const OLDER_INPUTS_METRIC = 'volguard_older_inputs_refused_total';
export const OLDER_INPUTS_HELP = 'Inputs refused because their market time was before the latest one the actor had seen';
