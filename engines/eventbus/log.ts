/** The part of a pino logger the event bus and the relay use; a pino Logger satisfies it as it is. */
export interface BusLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}
