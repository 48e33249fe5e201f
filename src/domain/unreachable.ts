/**
 * The last branch of a switch that handles every member of a union. The
 * compiler accepts the call only when nothing is left, so a member added to
 * the union without a branch of its own fails to compile here. Reached at run
 * time only by a value the types did not describe, which is a bug: it throws.
 */
export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
