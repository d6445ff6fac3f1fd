/**
 * The shape every aggregate follows (as in Emmett): pure `decide`, pure `evolve`,
 * and an `initialState`. No I/O and no clock: time, ids and prices come in the command.
 */
export interface CommandMeta {
  /** ISO-8601 instant at which the command is decided; the only clock the domain sees. */
  readonly now: string;
  /** Who issued the command: `admin`, `apikey:<keyId>`, `system:<component>`. */
  readonly actor: string;
}

export interface DomainCommand<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly meta: CommandMeta;
}

export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<Command extends DomainCommand, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<DomainCommand, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
